"""Speed of a resume-ner model (either learner, `crf` or `transformer`): in-process latency per 1,000 tokens,
and what hrm Serve delivers against the in-process limit.

    python benchmarks/ner_speed.py --model models/resume-ner/latest --data-dir $HRM_DATA_DIR
    python benchmarks/ner_speed.py --model DIR --device cuda    (a GPU: serve_configs/gpu.yaml's deployment)
    python benchmarks/ner_speed.py --model DIR --pairs 2 --requests 40 --latency-resumes 30    (a smoke run)

No model yet? `hrm train resume-ner --output models` (the CRF, minutes on a laptop) or
`hrm train resume-ner --learner transformer --output models`.

The texts are real resumes: the DataTurks train file (`resume_ner_dataturks_en/traindata.json`, read with
hrm_ray.spans.formats.read_dataturks), shuffled with a fixed seed, the ones longer than the Serve config's
`max_text_chars` left out (Serve would refuse them). Tokens are counted with the packaged MiniLM tokenizer
whatever the learner, so the CRF's and the transformer's figures share one unit.

1. Latency, in-process (hrm's predictor, `load_predictor(DIR).predict`), in a Ray-free process of its own:
   batch 1, each of --latency-resumes resumes timed alone; batch 8, one batch led by each of those resumes
   (it and the 7 after it). Each time is normalised by its batch's MiniLM tokens, so a figure is "ms per
   1,000 tokens"; the median and p90 are printed.
2. Serving, one resume per request: (b) `POST /v1/resume-ner/predict` at concurrency 8 against (a) the limit,
   in-process forward passes over the same resumes in batches of 8. The app is deployed as a user deploys it
   (hrm_ray.serve.launch.deploy, serve_configs/local.yaml with `args.tasks: [resume-ner]`) from a temporary
   registry holding a copy of this model alone, one replica. Both sides run at the precision Serve picks for
   the model (the CRF: fp32; a transformer: the config's, where the model's fast-path check passed, else fp32)
   with every core as torch threads (the replica's `torch_threads: 0`).

Protocol (benchmarks/ab.py): every side runs in a fresh process of its own, so the Ray that (b) starts is gone
before (a) runs. --pairs pairs alternate the order ((b) first, then (a) first, ...); --requests requests a side
(>= 200, so a p99 rests on two requests). Each pair's figures print as it ends, then the (b)/(a) ratio's median
over the pairs with its min-max, one Markdown table, and one JSON line of the raw numbers.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ab import alternating_pairs, print_result, run_in_own_process, side_order, spread  # noqa: E402
from hrm_ray.registry import RegistryError, publish, resolve_model_dir  # noqa: E402

TASK = "resume-ner"
DATA_FILE = "resume_ner_dataturks_en/traindata.json"
CONCURRENCY = 8  # requests in flight for (b), texts per forward pass for (a)
LATENCY_BATCHES = (1, 8)
CHECKED_RESUMES = 16  # resumes whose entities are compared between (a) and (b): they must do the same work
HOW_TO_TRAIN = ("no model given. Train one first:\n"
                "  hrm train resume-ner --output models                          (CRF, a few minutes)\n"
                "  hrm train resume-ner --learner transformer --output models    (fine-tuned MiniLM)\n"
                "then: python benchmarks/ner_speed.py --model models/resume-ner/latest")


class BenchmarkInputError(ValueError):
    """A --model or data folder this benchmark cannot use; the message says which and why."""


# ---- inputs: the model, its serving precision, the resumes ----


def model_folder(location: str) -> tuple[Path, dict]:
    """The resolved model folder (a registry task folder or `latest` link works) and its hrm_config.yaml."""
    try:
        model_dir = resolve_model_dir(location).resolve()
    except RegistryError as error:
        raise BenchmarkInputError(f"--model {location}: {error}") from None
    trained = yaml.safe_load((model_dir / "hrm_config.yaml").read_text()) or {}
    if trained.get("task") != TASK:
        raise BenchmarkInputError(f"--model {model_dir}: hrm_config.yaml says task {trained.get('task')!r}, "
                                  f"not {TASK!r}")
    return model_dir, trained


def serve_config(device: str) -> dict:
    """The shipped Serve config for this device, serving this task alone on one replica."""
    config = yaml.safe_load((REPO / "serve_configs" / ("gpu.yaml" if device == "cuda" else "local.yaml")).read_text())
    app = config["applications"][0]
    app["args"]["tasks"] = [TASK]
    app["args"]["kind_deployments"]["token_classification"].pop("autoscaling_config", None)  # one model copy, as (a)
    return copy.deepcopy(config)


def served_precision(model_dir: Path, learner: str, device: str) -> tuple[str, str]:
    """The precision Serve loads this model with, by the rule of hrm_ray/serve/task_model.py's `load`; the
    Serve side checks /v1/models reports the same one."""
    from hrm_ray.inference.precision import allowed_precision

    if learner != "transformer":
        return "fp32", f"the {learner} learner has no fast path"
    wanted = serve_config(device)["applications"][0]["args"]["kind_deployments"]["token_classification"][
        "user_config"].get("precision", "fp32")
    return allowed_precision(model_dir, wanted)


def real_resumes(data_dir: Path, max_chars: int, seed: int) -> tuple[list[str], int]:
    """The train file's non-empty resumes that Serve accepts, shuffled; and how many were left out as too long."""
    from hrm_ray.spans.formats import read_dataturks

    path = data_dir / DATA_FILE
    if not path.is_file():
        raise BenchmarkInputError(f"{path} not found: --data-dir (or $HRM_DATA_DIR) must hold {DATA_FILE}")
    examples, _fixes = read_dataturks(path)
    texts = [example["text"] for example in examples if example["text"].strip()]
    kept = [text for text in texts if len(text) <= max_chars]
    order = np.random.default_rng(seed).permutation(len(kept))
    return [kept[i] for i in order], len(texts) - len(kept)


def minilm_tokens(texts: list[str]) -> list[int]:
    from transformers import AutoTokenizer

    from hrm_ray.backbones import resolve_backbone

    tokenizer = AutoTokenizer.from_pretrained(resolve_backbone("minilm"))
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]]


def latency_batches(n: int, size: int) -> list[list[int]]:
    """Batch `size` led by each of the n resumes (it and the ones after it, wrapping round): n batches."""
    return [[(lead + k) % n for k in range(size)] for lead in range(n)]


# ---- the sides, each in a process of its own (--side) ----


def load_for_timing(args: argparse.Namespace):
    import torch

    from hrm_ray.inference.predictor import load_predictor

    torch.set_num_threads(os.cpu_count() or 1)  # as the replica's torch_threads: 0
    return load_predictor(args.model, precision=args.precision, device=args.device)


def entity_keys(predictions: list[dict]) -> list[list[tuple]]:
    return [sorted((e["type"], e["start"], e["end"]) for e in p["entities"]) for p in predictions]


def latency_side(args: argparse.Namespace, texts: list[str]) -> dict:
    """ms of each latency batch, in-process."""
    predictor = load_for_timing(args)
    sample = texts[:args.latency_resumes]
    predictor.predict([{"text": t} for t in sample[:max(LATENCY_BATCHES)]])  # warm-up: lazy init, allocator
    measured = {}
    for size in LATENCY_BATCHES:
        ms = []
        for batch in latency_batches(len(sample), size):
            records = [{"text": sample[i]} for i in batch]
            began = time.perf_counter()
            predictor.predict(records)
            ms.append((time.perf_counter() - began) * 1000)
        measured[str(size)] = ms
    return {"batch_ms": measured}


def limit_side(args: argparse.Namespace, texts: list[str]) -> dict:
    """(a): forward passes over batches of CONCURRENCY resumes, in-process; each resume's latency is its batch's."""
    predictor = load_for_timing(args)
    predictor.predict([{"text": t} for t in texts[:CONCURRENCY]])  # warm-up
    latencies, done, start = [], 0, time.perf_counter()
    while done < args.requests:
        records = [{"text": texts[(done + i) % len(texts)]} for i in range(CONCURRENCY)]
        began = time.perf_counter()
        predictor.predict(records)
        latencies += [time.perf_counter() - began] * CONCURRENCY
        done += CONCURRENCY
    span = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    # One resume a call, as the Serve side sends them for the check: int8's activation scale is set per
    # forward pass, so batch-mates could move a borderline entity and hide whether the sides do the same work.
    checked = [predictor.predict([{"text": text}])[0] for text in texts[:CHECKED_RESUMES]]
    return {"requests": done, "errors": 0, "rps": done / span, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)), "entities": entity_keys(checked)}


def serve_side(args: argparse.Namespace, texts: list[str]) -> dict:
    """(b): hrm Serve over HTTP, one resume a request, in a Ray started here and stopped after."""
    import ray
    import requests
    from ray import serve

    from hrm_ray.ray_session import free_port, start_local_ray
    from hrm_ray.serve.launch import deploy, wait_until_serving
    from hrm_ray.serve.loadgen import run_load, summary

    start_local_ray(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        deploy(serve_config(args.device), Path(args.registry), port, ray.get_runtime_context().gcs_address)
        wait_until_serving(base, 1)
        served = requests.get(f"{base}/v1/models", timeout=60).json()["models"][0]
        if served["precision"] != args.precision:
            raise RuntimeError(f"Serve runs {served['precision']} ({served['precision_note']}), the in-process "
                               f"side {args.precision}: the sides would not do the same work")
        url = f"{base}/v1/{TASK}/predict"
        bodies = [{"inputs": [{"text": text}]} for text in texts]
        run_load(url, bodies, CONCURRENCY, total=2 * CONCURRENCY)  # warm-up: batches, connections
        measured = summary(run_load(url, bodies, CONCURRENCY, total=args.requests))
        checked = []
        for text in texts[:CHECKED_RESUMES]:
            reply = requests.post(url, json={"inputs": [{"text": text}]}, timeout=120)
            reply.raise_for_status()
            checked += reply.json()["predictions"]
        return {**measured, "entities": entity_keys(checked), "precision_note": served["precision_note"]}
    finally:
        serve.shutdown()
        ray.shutdown()


SIDE_FUNCTIONS = {"latency": latency_side, "limit": limit_side, "serve": serve_side}


def side_command(args: argparse.Namespace, side: str, texts_file: Path, registry: Path) -> list[str]:
    return [__file__, "--side", side, "--model", str(args.model), "--texts-file", str(texts_file),
            "--registry", str(registry), "--precision", args.precision, "--device", args.device,
            "--requests", str(args.requests), "--latency-resumes", str(args.latency_resumes)]


# ---- reporting ----


def per_thousand_tokens(batch_ms: list[float], batches: list[list[int]], tokens: list[int]) -> list[float]:
    return [ms * 1000 / sum(tokens[i] for i in batch) for ms, batch in zip(batch_ms, batches)]


def print_pair(pair: int, serve: dict, limit: dict) -> None:
    first = "(b) Serve" if side_order(pair)[0] == "A" else "(a) in-process"
    print(f"pair {pair + 1} ({first} first): (b) hrm Serve c={CONCURRENCY} {serve['rps']:.2f} req/s "
          f"(p50 {serve['p50_ms']:.0f} ms, p99 {serve['p99_ms']:.0f} ms, {serve['requests']} requests, "
          f"{serve['errors']} errors); (a) in-process batches of {CONCURRENCY} {limit['rps']:.2f} req/s "
          f"(p50 {limit['p50_ms']:.0f} ms, p99 {limit['p99_ms']:.0f} ms, {limit['requests']} resumes); "
          f"ratio (b)/(a) {serve['rps'] / limit['rps']:.2f}", flush=True)


def markdown_table(latency: dict[str, list[float]], pairs: list[tuple[dict, dict]], n_latency: int) -> str:
    rows = ["| measure | median | spread | n |", "|---|---|---|---|"]
    for size, figures in latency.items():
        what = f"{n_latency} resumes, each alone" if size == "1" else f"{n_latency} batches of {size}"
        rows.append(f"| in-process latency, batch {size} (ms per 1,000 tokens) | {statistics.median(figures):.1f} | "
                    f"p90 {np.percentile(figures, 90):.1f} | {what} |")
    n_pairs = f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''}"
    n = f"{n_pairs} x {pairs[0][0]['requests']} requests"
    for label, index, key in (("(b) hrm Serve, c=8, requests/s", 0, "rps"),
                              (f"(a) in-process, batches of {CONCURRENCY}, requests/s", 1, "rps"),
                              ("(b) hrm Serve, c=8, p50 ms", 0, "p50_ms"), ("(b) hrm Serve, c=8, p99 ms", 0, "p99_ms")):
        figures = spread([pair[index][key] for pair in pairs])
        rows.append(f"| {label} | {figures.median:.1f} | min {figures.low:.1f}, max {figures.high:.1f} | {n} |")
    ratio = spread([serve["rps"] / limit["rps"] for serve, limit in pairs])
    rows.append(f"| (b)/(a) requests/s | {ratio.median:.2f} | min {ratio.low:.2f}, max {ratio.high:.2f} | {n_pairs} |")
    return "\n".join(rows)


def without_entities(side: dict) -> dict:
    return {key: value for key, value in side.items() if key != "entities"}


def agreement(serve: dict, limit: dict) -> str:
    same = sum(a == b for a, b in zip(serve["entities"], limit["entities"]))
    return (f"answers, (b) vs (a), {len(serve['entities'])} resumes: the same entities (type, start, end) on "
            f"{same} of them")


# ---- main ----


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a trained resume-ner model folder (or registry task folder)")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "../shared/data"))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--requests", type=int, default=200, help="requests (resumes) per side and pair")
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs of (b) Serve and (a) in-process")
    parser.add_argument("--latency-resumes", type=int, default=32, help="resumes timed for latency (>= 30)")
    parser.add_argument("--seed", type=int, default=0, help="the resumes' shuffle")
    # Internal: one side in its own process, its figures printed as an ab.py result line.
    for internal in ("--side", "--texts-file", "--registry", "--precision"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.side:
        texts = json.loads(Path(args.texts_file).read_text())
        print_result(SIDE_FUNCTIONS[args.side](args, texts))
        return
    if not args.model:
        print(HOW_TO_TRAIN, file=sys.stderr)
        sys.exit(2)
    if args.pairs < 1 or args.requests < CONCURRENCY or args.latency_resumes < max(LATENCY_BATCHES):
        sys.exit(f"--pairs must be >= 1, --requests >= {CONCURRENCY}, --latency-resumes >= {max(LATENCY_BATCHES)}")
    began = time.monotonic()
    try:
        model_dir, trained = model_folder(args.model)
        max_chars = serve_config(args.device)["applications"][0]["args"]["max_text_chars"]
        texts, too_long = real_resumes(Path(args.data_dir), max_chars, args.seed)
    except BenchmarkInputError as error:
        sys.exit(f"ner_speed: {error}")
    args.model = str(model_dir)
    args.precision, why = served_precision(model_dir, trained["learner"], args.device)
    args.latency_resumes = min(args.latency_resumes, len(texts))
    tokens = minilm_tokens(texts)
    print(f"model {model_dir} (learner {trained['learner']}, precision {args.precision}: {why}); device "
          f"{args.device}, {os.cpu_count()} cores; {len(texts)} real resumes ({too_long} longer than Serve's "
          f"max_text_chars {max_chars} left out), MiniLM tokens median {statistics.median(tokens):.0f}, "
          f"p90 {np.percentile(tokens, 90):.0f}; {args.requests} requests a side, {args.pairs} pairs", flush=True)

    with tempfile.TemporaryDirectory(prefix="hrm-ner-speed-") as scratch:
        scratch = Path(scratch)
        texts_file = scratch / "resumes.json"
        texts_file.write_text(json.dumps(texts))
        registry = scratch / "models"
        shutil.copytree(model_dir, scratch / "copy" / model_dir.name)
        publish(scratch / "copy" / model_dir.name, str(registry), TASK, model_dir.name)

        latency_raw = run_in_own_process(side_command(args, "latency", texts_file, registry))["batch_ms"]
        sample_tokens = tokens[:args.latency_resumes]
        latency = {size: per_thousand_tokens(ms, latency_batches(args.latency_resumes, int(size)), sample_tokens)
                   for size, ms in latency_raw.items()}
        for size, figures in latency.items():
            print(f"latency, batch {size}: median {statistics.median(figures):.1f} ms per 1,000 tokens, p90 "
                  f"{np.percentile(figures, 90):.1f} ({len(figures)} batches)", flush=True)
        pairs = alternating_pairs(
            args.pairs, lambda: run_in_own_process(side_command(args, "serve", texts_file, registry)),
            lambda: run_in_own_process(side_command(args, "limit", texts_file, registry)), on_pair=print_pair)

    ratio = spread([serve["rps"] / limit["rps"] for serve, limit in pairs])
    print(f"\n{agreement(*pairs[0])}")
    print(f"(b)/(a) requests/s at c={CONCURRENCY}: {ratio.format()}")
    print(f"whole benchmark: {(time.monotonic() - began) / 60:.1f} min\n")
    print(markdown_table(latency, pairs, args.latency_resumes))
    raw = {"model": args.model, "learner": trained["learner"], "precision": args.precision, "device": args.device,
           "cores": os.cpu_count(), "resumes": len(texts), "latency_tokens": sample_tokens,
           "latency_batch_ms": latency_raw, "latency_ms_per_1k_tokens": latency,
           "pairs": [{"first": "serve" if side_order(i)[0] == "A" else "limit", "serve": without_entities(serve),
                      "limit": without_entities(limit)} for i, (serve, limit) in enumerate(pairs)],
           "ratio_serve_over_limit": {"median": ratio.median, "min": ratio.low, "max": ratio.high}}
    print("\n" + json.dumps(raw))


if __name__ == "__main__":
    main()
