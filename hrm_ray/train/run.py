"""`hrm train`: check the config, run Ray Train, and put the finished model into the registry.

The same function backs the CLI and `jobs/finetune.py`: on a laptop it starts a local Ray; inside a Ray
job (or with RAY_ADDRESS set) it runs on the cluster. Workers read the data themselves from
`config.data_dir`, so on a multi-node cluster that path must be visible on every node.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig

from hrm_ray import console
from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.data import resolve_data_dir
from hrm_ray.model_card import model_card
from hrm_ray.backbones import check_backbone, resolve_backbone
from hrm_ray.kinds import get_kind
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.ray_session import cluster_capacity, copies_that_fit, ensure_ray
from hrm_ray.registry import is_remote, new_version, publish
from hrm_ray.tasks import get_task
from hrm_ray.train.deepspeed_config import deepspeed_config

# Learners that fit in one process (hrm_ray/train/classical_loop.py): one Ray task trains them.
SINGLE_PROCESS_LEARNERS = ("tfidf", "crf")


def check_config(config: TrainConfig) -> None:
    """Fail before any worker starts, with a message that names the bad setting."""
    task = get_task(config.task)
    get_kind(task.kind).check_learner(task, config.learner)
    if config.num_workers < 1:
        raise ConfigError(f"--num-workers must be at least 1, got {config.num_workers}")
    if config.epochs <= 0 or config.lr <= 0 or config.batch_size < 1:
        raise ConfigError("--epochs, --lr and --batch-size must be positive")
    subsets = {"--max-train-samples": config.max_train_samples, "--max-eval-samples": config.max_eval_samples}
    for flag, value in subsets.items():
        if value is not None and value < 1:
            raise ConfigError(f"{flag} must be at least 1, got {value}")
    if config.columns is not None:
        if not isinstance(task, TabularTask):
            raise ConfigError(f"columns is a setting of the tabular tasks, not of {task.name}")
        try:
            task.check_columns(config.columns)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    if config.attention_dropout is not None and not 0 <= config.attention_dropout < 1:
        raise ConfigError(f"attention_dropout must be in [0, 1), got {config.attention_dropout}")
    try:
        deepspeed_config(config.deepspeed, config.offload)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    # Read the data once here: a malformed row fails now, naming its line, not later inside every worker.
    task.training_frame(resolve_data_dir(config.data_dir))
    if config.learner == "transformer":
        check_backbone(config.model)


def run_name(config: TrainConfig, version: str, runs_root: Path) -> str:
    """A fresh name per run; --resume reuses the last one, and Ray Train restores its latest checkpoint.
    (`hrm tune` names its searches the same way, with the marker in its own folder.)"""
    marker = runs_root / f"{config.task}.last_run"
    if config.resume:
        if not marker.is_file():
            raise ConfigError(f"--resume: no earlier run of {config.task} under {runs_root}")
        return marker.read_text().strip()
    name = f"{config.task}-{config.learner}-{version}"
    runs_root.mkdir(parents=True, exist_ok=True)
    marker.write_text(name)
    return name


def resolve_task_defaults(config: TrainConfig) -> None:
    """Fill the settings left to the task, so workers and the saved hrm_config.yaml see concrete values."""
    task = get_task(config.task)
    config.learner = config.learner or task.default_learner
    config.model = config.model or task.default_model
    config.epochs = config.epochs or task.default_epochs
    config.lr = config.lr or task.default_lr
    config.batch_size = config.batch_size or task.default_batch_size
    config.max_length = config.max_length or task.default_max_length
    config.max_chunks = config.max_chunks or task.default_max_chunks
    if config.class_weighted_loss is None:
        config.class_weighted_loss = task.default_class_weighted_loss
    if config.attention_dropout is None:
        config.attention_dropout = task.default_attention_dropout
    if isinstance(task, TabularTask):
        config.columns = config.columns or task.default_columns()
        for key, value in task.default_xgboost.items():
            if getattr(config.xgboost, key) is None:
                setattr(config.xgboost, key, value)


def prepare(config: TrainConfig) -> None:
    """Resolve defaults, check the config, and make its paths absolute: workers may run in other folders."""
    resolve_task_defaults(config)
    if config.learner in SINGLE_PROCESS_LEARNERS:
        config.num_workers = 1
    check_config(config)
    config.data_dir = str(Path(config.data_dir).expanduser().resolve())
    if not is_remote(config.output):
        config.output = str(Path(config.output).expanduser().resolve())
    if config.learner == "transformer":
        config.model = resolve_backbone(config.model) if Path(config.model).expanduser().exists() else config.model


def scaling_config(config: TrainConfig) -> ScalingConfig:
    return ScalingConfig(
        num_workers=config.num_workers,
        use_gpu=config.use_gpu,
        resources_per_worker={"CPU": config.cpus_per_worker, **({"GPU": 1} if config.use_gpu else {})},
    )


def worker_group_needs(config: TrainConfig) -> dict[str, float]:
    """What all the workers of one run hold together."""
    return {"CPU": config.num_workers * config.cpus_per_worker, "GPU": config.num_workers if config.use_gpu else 0}


def check_cluster_fits(config: TrainConfig) -> None:
    """Fail now when the cluster can never hold the workers: Ray Train would wait for them, retrying, for ever
    (measured: `hrm train --use-gpu` on a machine without GPUs still waited after 5 minutes)."""
    have, need = cluster_capacity(), worker_group_needs(config)
    if copies_that_fit(need, have) < 1:
        gpus_short = need["GPU"] > have.get("GPU", 0)
        advice = "train without --use-gpu here, or on a cluster with GPUs" if gpus_short else "lower --num-workers"
        gpus = f" and {need['GPU']} GPUs" if config.use_gpu else ""
        raise ConfigError(
            f"{config.num_workers} worker(s) need {need['CPU']:g} CPUs{gpus}; this Ray cluster can hold at most "
            f"{have.get('CPU', 0):g} CPUs and {have.get('GPU', 0):g} GPUs: {advice}"
        )


def build_trainer(config: TrainConfig, run_config: RunConfig):
    """The Ray Train trainer for a prepared config, as the task's kind builds it for the config's learner."""
    task = get_task(config.task)
    return get_kind(task.kind).trainer(task, config, scaling_config(config), run_config)


def train(config: TrainConfig) -> str:
    """Train one model as configured; returns where the model folder was published."""
    prepare(config)
    task = get_task(config.task)
    ensure_ray()
    check_cluster_fits(config)  # before run_name: a run that never starts leaves no --resume marker
    version = new_version()
    runs_root = Path(config.output if not is_remote(config.output) else tempfile.gettempdir()) / ".runs"
    run_config = RunConfig(
        name=run_name(config, version, runs_root),
        storage_path=config.storage_path or str(runs_root),
        failure_config=FailureConfig(max_failures=config.max_failures),
        checkpoint_config=CheckpointConfig(num_to_keep=2),
        logging_config=console.train_logging_config(),
    )
    if config.learner in SINGLE_PROCESS_LEARNERS:
        location, metrics = _train_single_process(config, version)
    else:
        trainer = build_trainer(config, run_config)
        print(f"[hrm] training {task.name} ({config.learner}) with {config.num_workers} worker(s)", flush=True)
        result = trainer.fit()
        if result.error:
            raise result.error
        location, metrics = publish_checkpoint(result.checkpoint, config, version)
    if not config.storage_path:
        # The run's checkpoints only matter for resuming it; once its model is published they are dead weight.
        shutil.rmtree(Path(run_config.storage_path) / run_config.name, ignore_errors=True)
    print(f"[hrm] saved {location}", flush=True)
    print(f"[hrm] test metrics {json.dumps({k: v for k, v in metrics.items() if not isinstance(v, dict)})}", flush=True)
    return location


def _train_single_process(config: TrainConfig, version: str) -> tuple[str, dict]:
    from ray.train import Checkpoint

    from hrm_ray.train.classical_loop import train_classical

    print(f"[hrm] training {config.task} ({config.learner}) in one Ray task", flush=True)
    with tempfile.TemporaryDirectory() as unpacked:
        return publish_checkpoint(Checkpoint.from_directory(str(train_classical(config, Path(unpacked)))), config, version)


def publish_checkpoint(checkpoint, config: TrainConfig, version: str) -> tuple[str, dict]:
    """Put a finished run's model folder (its final checkpoint) into the registry: config, fast-path verdict
    and model card beside the weights. Returns the location and the test metrics."""
    task = get_task(config.task)
    with checkpoint.as_directory() as checkpoint_dir, tempfile.TemporaryDirectory() as staging:
        model_dir = Path(staging) / version
        shutil.copytree(Path(checkpoint_dir) / "model", model_dir)
        metrics = json.loads((model_dir / "metrics.json").read_text())
        config.save(model_dir / "hrm_config.yaml")
        if config.learner == "transformer" and config.fast_path_check:
            _check_fast_path(model_dir, config)
        (model_dir / "README.md").write_text(model_card(task, config, metrics, version))
        return publish(model_dir, config.output, task.name, version), metrics


def _check_fast_path(model_dir: Path, config: TrainConfig) -> None:
    import torch

    from hrm_ray.evaluation.fast_path import check_fast_path

    precision = "bf16" if config.use_gpu else "int8"
    device = "cuda" if torch.cuda.is_available() else "cpu"
    verdict = check_fast_path(model_dir, config.data_dir, precision, device)
    print(f"[hrm] fast path {precision}: {verdict['split']} {verdict['metric']} {verdict['fp32']:.4f} -> {verdict[precision]:.4f} "
          f"({'allowed' if verdict['passed'] else 'refused'} for serving)", flush=True)
