"""The `hrm` console script: train, evaluate and predict with HR task models.

    hrm tasks
    hrm train sentiment --max-train-samples 400 --epochs 1
    hrm evaluate sentiment --model models/sentiment/latest --data-dir ../shared/data --split all
    hrm predict sentiment --model models/sentiment/latest --input reviews.jsonl --output scored.jsonl
    hrm redact --input resumes.jsonl --output redacted.jsonl
    hrm check-fast-path sentiment --model models/sentiment/latest
    hrm tune attrition --num-samples 12
    hrm serve --config serve_configs/local.yaml
    hrm ui --api http://127.0.0.1:8000
    hrm demo

Errors in what the user gave (unknown task, missing folder, malformed row) print one line naming the
problem and exit with status 2, never a traceback. Every command prints hrm's progress and real errors, with
the known-harmless lines of Ray and the libraries hidden; `--verbose` shows them (hrm_ray/console.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hrm_ray import console
from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.data import DataError
from hrm_ray.inference.precision import PrecisionError
from hrm_ray.backbones import ModelNotFoundError
from hrm_ray.inference.predict_file import PredictError
from hrm_ray.registry import RegistryError
from hrm_ray.tasks import TASKS, InputError, UnknownTaskError
from hrm_ray.tune.search import SearchError

USER_ERRORS = (ConfigError, DataError, ModelNotFoundError, PredictError, RegistryError, InputError, UnknownTaskError,
               PrecisionError, SearchError)

# Flags of `hrm train` and the TrainConfig field each sets; defaults live in TrainConfig.
TRAIN_FLAGS = {
    "--data-dir": ("data_dir", str, "folder laid out like shared/data (default: $HRM_DATA_DIR)"),
    "--model": ("model", str, "backbone: 'minilm', 'multilingual-e5-small[-enpt]' (packaged), a HF id or a folder"),
    "--learner": ("learner", str, "one of the task kind's learners: transformer, tfidf, xgboost, crf; default: the task's"),
    "--num-workers": ("num_workers", int, "Ray Train workers (default 2)"),
    "--deepspeed": ("deepspeed", int, "ZeRO stage: 0 (plain DDP), 2 (default) or 3"),
    "--epochs": ("epochs", float, "training epochs (default: the task's)"),
    "--lr": ("lr", float, "peak learning rate of AdamW (default: the task's)"),
    "--batch-size": ("batch_size", int, "per-worker batch size (default: the task's)"),
    "--max-length": ("max_length", int, "tokens per chunk (default: the task's)"),
    "--max-chunks": ("max_chunks", int, "chunks read per text (default: the task's)"),
    "--max-train-samples": ("max_train_samples", int, "train on a stratified subset of this many rows"),
    "--max-eval-samples": ("max_eval_samples", int, "evaluate each epoch on a stratified subset of validation"),
    "--output": ("output", str, "model registry root, a folder or s3://... (default models/)"),
    "--storage-path": ("storage_path", str, "Ray Train checkpoint storage, a folder or s3://..."),
    "--seed": ("seed", int, "training seed (the data split is fixed)"),
}
TRAIN_SWITCHES = {
    "--use-gpu": ("use_gpu", "train on GPUs (NCCL, bf16)"),
    "--offload": ("offload", "DeepSpeed ZeRO offload to CPU memory"),
    "--resume": ("resume", "resume the last interrupted run of this task from its checkpoint"),
}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", choices=list(TASKS), help="the HR task (`hrm tasks` lists them)")
    parser.add_argument("--config", help="YAML config file (a saved hrm_config.yaml works)")
    for flag, (_, kind, text) in TRAIN_FLAGS.items():
        parser.add_argument(flag, type=kind, help=text)
    for flag, (_, text) in TRAIN_SWITCHES.items():
        parser.add_argument(flag, action="store_true", default=None, help=text)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config field, dotted for sections: --set xgboost.max_depth=3")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Defaults, then --config, then flags, then --set: later wins."""
    config = TrainConfig.from_yaml(args.config) if args.config else TrainConfig()
    config.task = args.task
    for flag, (field_name, *_rest) in {**TRAIN_FLAGS, **TRAIN_SWITCHES}.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            config.set(field_name, value)
    config.apply_overrides(args.set)
    return config


def add_tune_arguments(parser: argparse.ArgumentParser) -> None:
    """`hrm tune` / jobs/tune.py: the flags of `hrm train` set the base config every trial starts from."""
    add_train_arguments(parser)
    parser.add_argument("--num-samples", type=int, default=8, help="configurations to try (default 8)")
    parser.add_argument("--space", help="search space YAML (default: the learner's, see hrm_ray/tune/space.py)")
    parser.add_argument("--scheduler", default="asha", choices=["asha", "none"],
                        help="asha stops poor trials early; none runs every trial to its full budget")
    parser.add_argument("--grace-period", type=float, help="ASHA: epochs (or rounds) every trial gets")
    parser.add_argument("--reduction-factor", type=int, default=3, help="ASHA: 1 in N trials goes on at each rung")
    parser.add_argument("--max-concurrent", type=int, help="trials at once (default: what the cluster holds)")
    parser.add_argument("--trial-cpus", type=float, default=0.5, help="CPUs of a trial's own process")
    parser.add_argument("--search-seed", type=int, default=0,
                        help="seed for drawing configurations and for the order a grid runs in")


def search_from_args(args: argparse.Namespace):
    from hrm_ray.tune.search import SearchSettings
    from hrm_ray.tune.space import read_space

    config = config_from_args(args)
    if args.num_workers is None and not args.config and not any(s.startswith("num_workers") for s in args.set):
        config.num_workers = 1  # many small trials side by side search faster than a few wide ones
    settings = SearchSettings(
        num_samples=args.num_samples,
        space=read_space(args.space) if args.space else None,
        scheduler=args.scheduler,
        grace_period=args.grace_period,
        reduction_factor=args.reduction_factor,
        max_concurrent=args.max_concurrent,
        trial_cpus=args.trial_cpus,
        seed=args.search_seed,
        storage_path=config.storage_path,
    )
    return config, settings


def _train(args) -> None:
    from hrm_ray.train.run import train

    train(config_from_args(args))


def _tune(args) -> None:
    from hrm_ray.tune.search import run_search

    run_search(*search_from_args(args))


def _evaluate(args) -> None:
    from hrm_ray.evaluation.evaluate import evaluate

    metrics = evaluate(args.model, args.data_dir, args.split)
    if metrics["task"] != args.task:
        raise ConfigError(f"model {args.model} was trained for {metrics['task']!r}, not {args.task!r}")
    text = json.dumps(metrics, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
    print(text)


def _predict(args) -> None:
    from hrm_ray.inference.predict_file import predict_file

    count = predict_file(args.task, args.model, args.input, args.output, num_actors=args.num_actors)
    print(f"[hrm] wrote {count} predictions to {args.output}", file=sys.stderr)


def _tasks(args) -> None:
    print(json.dumps([task.describe() for task in TASKS.values()], indent=2, ensure_ascii=False))


def _redact(args) -> None:
    from hrm_ray.inference.redact_file import redact_file

    summary = redact_file(args.input, args.output, args.models, args.model)
    print(f"[hrm] wrote {summary['lines']} redacted lines to {args.output}: {json.dumps(summary['redactions'])}",
          file=sys.stderr)


def _check_fast_path(args) -> None:
    from hrm_ray.evaluation.fast_path import check_fast_path
    from hrm_ray.registry import resolve_model_dir

    model_dir = resolve_model_dir(args.model)
    device = args.device
    if device == "auto":  # bf16 serves on GPUs: check it where it will run
        import torch

        device = "cuda" if args.precision == "bf16" and torch.cuda.is_available() else "cpu"
    verdict = check_fast_path(model_dir, args.data_dir, args.precision, device=device)
    print(json.dumps({"task": args.task, "model": str(model_dir), "precision": args.precision, "device": device,
                      **verdict}, indent=2))


def _serve(args) -> None:
    import tempfile

    import click
    import ray
    import yaml
    from ray.serve.scripts import cli as serve_cli

    from hrm_ray import ray_session
    from hrm_ray.serve.config_file import check_gpus_here, local_config, read_serve_config
    from hrm_ray.serve.launch import follow_app

    config = local_config(read_serve_config(args.config), args.models, os.environ.get("HRM_API_TOKEN"))
    if ray_session.running_cluster() is None:  # Ray starts here, with this machine's GPUs alone
        import torch

        check_gpus_here(config, args.config, torch.cuda.device_count())
    if args.port:
        config.setdefault("http_options", {})["port"] = args.port
    resolved = Path(tempfile.mkdtemp(prefix="hrm-serve-")) / Path(args.config).name
    resolved.write_text(yaml.safe_dump(console.quiet_serve_config(config), sort_keys=False))
    http = config.get("http_options", {})
    url = f"http://{http.get('host', '127.0.0.1')}:{http.get('port', 8000)}"
    print(f"[hrm] serving {resolved} at {url} (OpenAPI at /docs)", file=sys.stderr, flush=True)
    # Started (or joined) here as by every hrm command, so Ray's console is as quiet as ours; `serve run` uses a
    # Ray this process has already initialised (told its address, it does not warn of another).
    ray_session.ensure_ray(namespace="serve")
    address = ray.get_runtime_context().gcs_address
    try:
        serve_cli.main(["run", str(resolved), "--non-blocking", "--address", address], standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C while `serve run` submits the app
        return
    if not args.non_blocking:
        follow_app(url)


def _ui(args) -> None:
    from ui.app import build, launch

    page = build(args.api, args.token, args.jobs, args.data_dir, args.models)
    print(f"[hrm] UI at http://127.0.0.1:{args.port} (API {args.api})", file=sys.stderr, flush=True)
    launch(page, args.port)


def _demo(args) -> None:
    from hrm_ray.demo import run_demo

    run_demo(args.models, args.api_port, args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hrm", description="Fine-tune and use HR task models on Ray.")
    common = argparse.ArgumentParser(add_help=False)
    console.add_verbose_flag(common)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], help=text)

    tasks = command("tasks", "print the task registry as JSON: name, kind, data files, primary metric")
    tasks.set_defaults(run=_tasks)

    train = command("train", "fine-tune a task model with Ray Train (+ DeepSpeed)")
    add_train_arguments(train)
    train.set_defaults(run=_train)

    tune = command("tune", "search hyperparameters with Ray Tune (ASHA) and register the best")
    add_tune_arguments(tune)
    tune.set_defaults(run=_tune)

    evaluate = command("evaluate", "print a model's metrics as JSON")
    evaluate.add_argument("task", choices=list(TASKS))
    evaluate.add_argument("--model", required=True, help="model folder, or a registry task folder (uses latest)")
    evaluate.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    evaluate.add_argument("--split", default="test", choices=["test", "validation", "all"],
                          help="'all' scores every row of every file the task reads in --data-dir")
    evaluate.add_argument("--output", help="also write the metrics JSON here")
    evaluate.set_defaults(run=_evaluate)

    predict = command("predict", "batch inference over a JSONL file with Ray Data")
    predict.add_argument("task", choices=list(TASKS))
    predict.add_argument("--model", required=True)
    predict.add_argument("--input", required=True, help="JSONL: one record per line, e.g. {\"text\": ...}")
    predict.add_argument("--output", required=True, help="JSONL: one prediction per input line, in order")
    predict.add_argument("--num-actors", type=int, default=1, help="scoring actors (one model copy each)")
    predict.set_defaults(run=_predict)

    redact = command("redact", "remove names, e-mails, phones and places from a JSONL file of texts")
    redact.add_argument("--input", required=True, help="JSONL: one {\"text\": ...} per line")
    redact.add_argument("--output", required=True, help="JSONL: {\"text\": redacted, \"redactions\": {TAG: n}} per line")
    redact.add_argument("--model", help="a resume parser model folder (default: the registry's latest per language)")
    redact.add_argument("--models", default=os.environ.get("HRM_MODELS", "models"), help="model registry folder")
    redact.set_defaults(run=_redact)

    check = command("check-fast-path", "may Serve use int8/bf16 for this model? (training runs it)")
    check.add_argument("task", choices=list(TASKS))
    check.add_argument("--model", required=True)
    check.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    check.add_argument("--precision", default="int8", choices=["int8", "bf16"])
    check.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                       help="auto: the GPU for bf16 where there is one, else the CPU (int8 runs on CPU only)")
    check.set_defaults(run=_check_fast_path)

    serve = command("serve", "serve the registry's models over HTTP with Ray Serve")
    serve.add_argument("--config", default="serve_configs/local.yaml", help="a Serve YAML of serve_configs/")
    serve.add_argument("--models", help="model registry folder (default: the config's models_root, or $HRM_MODELS)")
    serve.add_argument("--port", type=int, help="HTTP port (default: the config's, 8000)")
    serve.add_argument("--non-blocking", action="store_true", help="deploy and return (the app keeps running in Ray)")
    serve.set_defaults(run=_serve)

    ui = command("ui", "the Gradio front end, a client of a running `hrm serve`")
    ui.add_argument("--api", default="http://127.0.0.1:8000", help="the Serve HTTP API")
    ui.add_argument("--token", default=os.environ.get("HRM_API_TOKEN"), help="its bearer token (default $HRM_API_TOKEN)")
    ui.add_argument("--jobs", help="Ray dashboard address for the Train tab, e.g. http://127.0.0.1:8265")
    ui.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", ""), help="data folder for Train jobs")
    ui.add_argument("--models", default=str(Path("models").resolve()), help="registry Train jobs publish to")
    ui.add_argument("--port", type=int, default=7860)
    ui.set_defaults(run=_ui)

    demo = command("demo", "train what is missing, serve, and open the UI: the whole product")
    demo.add_argument("--models", default="models", help="model registry folder")
    demo.add_argument("--api-port", type=int, default=8000)
    demo.add_argument("--port", type=int, default=7860, help="UI port")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console.configure_console(args.verbose)
    try:
        args.run(args)
    except USER_ERRORS as error:
        print(f"hrm: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
