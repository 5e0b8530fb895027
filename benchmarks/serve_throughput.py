"""Serving throughput and latency on one model and one set of texts, single-text requests, three ways:

  (a) the limit: in-process forward passes over batches of `concurrency` texts (hrm's Predictor, no HTTP);
  (b) hrm's Serve app over HTTP (`hrm serve`, serve_configs/local.yaml, one replica);
  (c) what a user would write instead: FastAPI + transformers, an async route, one forward pass per request
      (benchmarks/plain_fastapi_server.py under uvicorn).

    python benchmarks/serve_throughput.py --models models --data-dir $HRM_DATA_DIR    (3 pairs, 200 requests a level)
    python benchmarks/serve_throughput.py --device cuda ...    (all three on the GPU: serve_configs/gpu.yaml's
                                                                deployment, fast path bf16 instead of int8)
    python benchmarks/serve_throughput.py --pairs 2 --requests 20 --concurrency 1 8    (a smoke run)

Every comparison is like for like. Each precision (fp32, and the fast path, int8 on CPU or bf16 on a GPU,
where the model's fast-path check passed) runs on all three sides, prepared by the same code; all three read
a text the same way (chunks of the model's max_length tokens, up to its max_chunks, logits averaged) with the
same torch thread count (every core, as the replica's `torch_threads: 0`). The load generator shares the
machine's cores with the server, on every side alike.

Protocol (benchmarks/ab.py): --pairs alternating pairs of hrm (b) and the Ray-free side ((a), then (c)),
--requests requests per concurrency level and side (200 by default, so that a p99 rests on two requests or
more). Ray runs only while (b) is measured: it starts before and stops after, so its idle cost never lands
on (a) or (c). Each pair's figures are printed, then per ratio its median over the pairs and min-max:
(b)/(c) requests/s at each level and precision, (b)/(a) at the highest level (target >= 0.8 for fp32),
(b) p50 - (a) p50 at c=1 (target <= 10 ms), and what the fast path is worth inside hrm, (b) fast / (b) fp32.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ab import alternating_pairs, side_order, spread  # noqa: E402
from hrm_ray.inference.precision import allowed_precision  # noqa: E402
from hrm_ray.inference.predictor import load_predictor  # noqa: E402
from hrm_ray.ray_session import free_port  # noqa: E402
from hrm_ray.serve.launch import deploy, wait_until_serving  # noqa: E402
from hrm_ray.serve.loadgen import run_load, summary  # noqa: E402
from hrm_ray.tasks import get_task  # noqa: E402

SIDES = {"limit": "(a) in-process", "hrm": "(b) hrm Serve", "plain": "(c) plain FastAPI"}
CHECKED_TEXTS = 32  # texts whose answers are compared across sides: they must do the same work


def served_precisions(model_dir: Path, device: str) -> list[str]:
    """fp32, and the fast path where the model's check allows it (else Serve would quietly run fp32)."""
    fast = "bf16" if device == "cuda" else "int8"
    precision, why = allowed_precision(model_dir, fast)
    print(f"fast path: {why}", flush=True)
    return ["fp32"] + ([fast] if precision == fast else [])


# ---- measuring one side at every concurrency level ----


def in_process(predictor: Predictor, texts: list[str], concurrency: int, total: int) -> dict:
    """(a): `concurrency` texts per forward pass; each text's latency is its batch's time."""
    predictor.text_probabilities(texts[:concurrency])  # warm-up
    latencies, done, start = [], 0, time.perf_counter()
    while done < total:
        batch = [texts[(done + i) % len(texts)] for i in range(concurrency)]
        began = time.perf_counter()
        predictor.text_probabilities(batch)
        latencies += [time.perf_counter() - began] * concurrency
        done += concurrency
    span = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {"requests": done, "errors": 0, "rps": done / span, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99))}


def over_http(url: str, texts: list[str], concurrency: int, total: int) -> dict:
    bodies = [{"inputs": [{"text": text}]} for text in texts]
    run_load(url, bodies, concurrency, total=max(concurrency * 2, 16))  # warm-up: batches, connections
    return summary(run_load(url, bodies, concurrency, total=total))


def answers(url: str, texts: list[str]) -> np.ndarray:
    """Class probabilities a server gives for `texts`, one request."""
    reply = requests.post(url, json={"inputs": [{"text": text} for text in texts]}, timeout=120)
    reply.raise_for_status()
    return np.array([list(p["probabilities"].values()) for p in reply.json()["predictions"]])


def http_side(url: str, texts: list[str], args: argparse.Namespace) -> dict:
    return {"levels": {c: over_http(url, texts, c, args.requests) for c in args.concurrency},
            "answers": answers(url, texts[:CHECKED_TEXTS])}


# ---- the two sides of a pair ----


def hrm_side(args: argparse.Namespace, models: Path, texts: list[str], precisions: list[str]) -> dict:
    """(b) at every precision, with a Ray started for it and stopped after it."""
    import ray
    from ray import serve

    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        measured = {}
        for precision in precisions:
            deploy(serve_config(precision, args.device), models, port, ray.get_runtime_context().gcs_address)
            wait_until_serving(base, 1)
            wait_for_precision(base, precision)  # a redeploy swaps the model in place, a moment later
            measured[("hrm", precision)] = http_side(f"{base}/v1/sentiment/predict", texts, args)
        return measured
    finally:
        serve.shutdown()
        ray.shutdown()


def ray_free_side(args: argparse.Namespace, model_dir: Path, texts: list[str], precisions: list[str]) -> dict:
    """(a) and (c) at every precision, no Ray running."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)  # as the replica's torch_threads: 0
    measured = {}
    for precision in precisions:
        predictor = load_predictor(model_dir, precision=precision, device=args.device)
        measured[("limit", precision)] = {
            "levels": {c: in_process(predictor, texts, c, args.requests) for c in args.concurrency},
            "answers": predictor.text_probabilities(texts[:CHECKED_TEXTS])}
        del predictor
    for precision in precisions:
        with plain_server(model_dir, precision, args.device) as url:
            measured[("plain", precision)] = http_side(url, texts, args)
    return measured


# ---- servers ----


def serve_config(precision: str, device: str) -> dict:
    config = yaml.safe_load((REPO / "serve_configs" / ("gpu.yaml" if device == "cuda" else "local.yaml")).read_text())
    app = config["applications"][0]
    app["args"]["tasks"] = ["sentiment"]
    for deployment in app["deployments"]:
        if deployment["name"] == "sentiment":
            deployment["user_config"]["precision"] = precision
            deployment.pop("autoscaling_config", None)  # one replica: the same model copy as (a) and (c)
    return copy.deepcopy(config)


def wait_for_precision(base: str, precision: str, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        served = requests.get(f"{base}/v1/models", timeout=60).json()["models"]
        if served and served[0]["precision"] == precision:
            return
        time.sleep(1)
    raise TimeoutError(f"Serve did not switch to {precision} in {timeout_s} s: {served}")


@contextlib.contextmanager
def plain_server(model_dir: Path, precision: str, device: str):
    """(c) under uvicorn in its own process, reading texts as the model was trained to (hrm_config.yaml)."""
    trained = yaml.safe_load((model_dir / "hrm_config.yaml").read_text())
    port = free_port()
    env = {**os.environ, "HRM_BENCH_MODEL": str(model_dir), "HRM_BENCH_MAX_LENGTH": str(trained["max_length"]),
           "HRM_BENCH_MAX_CHUNKS": str(trained.get("max_chunks") or 1), "HRM_BENCH_DEVICE": device,
           "HRM_BENCH_PRECISION": precision, "HRM_BENCH_THREADS": "0"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "benchmarks.plain_fastapi_server:app", "--port",
                               str(port), "--log-level", "warning"], cwd=REPO, env=env)
    try:
        url = f"http://127.0.0.1:{port}/v1/sentiment/predict"
        wait_for(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.post(url, json={"inputs": [{"text": "warm up"}]}, timeout=10).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up")


# ---- reporting ----


def print_pair(pair: int, hrm: dict, ray_free: dict) -> None:
    first = "hrm" if side_order(pair)[0] == "A" else "Ray-free sides"
    print(f"\npair {pair + 1} ({first} first)\n{'server':30} {'c':>3} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'n':>5} {'errors':>6}")
    for (side, precision), result in sorted({**ray_free, **hrm}.items()):
        for c, row in result["levels"].items():
            print(f"{SIDES[side] + ' ' + precision:30} {c:>3} {row['rps']:8.1f} {row['p50_ms']:8.1f} "
                  f"{row['p99_ms']:8.1f} {row['requests']:>5} {row['errors']:>6}", flush=True)


def print_agreement(measured: dict, precisions: list[str]) -> None:
    """The sides must do the same work: their answers on the same texts at the same precision agree."""
    for precision in precisions:
        hrm = measured[("hrm", precision)]["answers"]
        for side in ("limit", "plain"):
            other = measured[(side, precision)]["answers"]
            same = float(np.mean(hrm.argmax(1) == other.argmax(1)))
            print(f"answers, {SIDES['hrm']} vs {SIDES[side]} at {precision}, {len(hrm)} texts: same label "
                  f"{same:.0%}, largest probability gap {np.abs(hrm - other).max():.4f}")


def print_ratios(pairs: list[tuple[dict, dict]], precisions: list[str], levels: list[int]) -> None:
    measured = [{**hrm, **ray_free} for hrm, ray_free in pairs]

    def rps(pair: dict, side: str, precision: str, c: int) -> float:
        return pair[(side, precision)]["levels"][c]["rps"]

    print(f"\nratios: median over the pairs (min, max)")
    for precision in precisions:
        for c in levels:
            ratio = spread([rps(m, "hrm", precision, c) / rps(m, "plain", precision, c) for m in measured])
            print(f"(b)/(c) {precision} requests/s at c={c}: {ratio.format()}")
    top = max(levels)
    for precision in precisions:
        ratio = spread([rps(m, "hrm", precision, top) / rps(m, "limit", precision, top) for m in measured])
        target = "  (target >= 0.8)" if precision == "fp32" else ""
        print(f"(b)/(a) {precision} requests/s at c={top}: {ratio.format()}{target}")
    if 1 in levels:
        for precision in precisions:
            gap = spread([m[("hrm", precision)]["levels"][1]["p50_ms"] - m[("limit", precision)]["levels"][1]["p50_ms"]
                          for m in measured])
            print(f"(b) p50 - (a) p50 {precision} at c=1: {gap.format(1, ' ms')}  (target <= 10 ms)")
    for fast in precisions[1:]:
        for c in levels:
            ratio = spread([rps(m, "hrm", fast, c) / rps(m, "hrm", "fp32", c) for m in measured])
            print(f"(b) {fast} / (b) fp32 requests/s at c={c} (what the fast path is worth): {ratio.format()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models", help="registry with a trained sentiment model")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "../shared/data"))
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level and side")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs of hrm and the Ray-free sides")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()

    models = Path(args.models).resolve()
    model_dir = (models / "sentiment" / "latest").resolve()
    texts = get_task("sentiment").training_frame(Path(args.data_dir))["text"].sample(n=512, random_state=0).tolist()
    precisions = served_precisions(model_dir, args.device)
    trained = yaml.safe_load((model_dir / "hrm_config.yaml").read_text())
    gpu = ""
    if args.device == "cuda":
        import torch

        gpu = f", {torch.cuda.get_device_name()}"
    # Ray's experimental HAProxy ingress, when the caller's environment switches it on (docs/results.md, "Serving").
    haproxy = all(os.environ.get(f"RAY_SERVE_ENABLE_{switch}") == "1" for switch in ("HA_PROXY", "DIRECT_INGRESS"))
    print(f"model {model_dir} (max_length {trained['max_length']}, max_chunks {trained.get('max_chunks') or 1}); "
          f"{len(texts)} real reviews, mean {np.mean([len(t) for t in texts]):.0f} characters; {os.cpu_count()} cores"
          f"{gpu}; precisions {precisions}; {args.requests} requests a level; HTTP ingress: "
          f"{'HAProxy to the ingress replicas' if haproxy else 'the Serve proxy actor'}", flush=True)

    pairs = alternating_pairs(args.pairs, lambda: hrm_side(args, models, texts, precisions),
                              lambda: ray_free_side(args, model_dir, texts, precisions), on_pair=print_pair)
    print()
    print_agreement({**pairs[0][0], **pairs[0][1]}, precisions)
    print_ratios(pairs, precisions, args.concurrency)


if __name__ == "__main__":
    main()
