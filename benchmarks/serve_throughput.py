"""Serving throughput and latency on one model and one set of texts, single-text requests, three ways:

  (a) the limit: in-process fp32 forward passes over batches of `concurrency` texts (length-sorted, no HTTP);
  (b) hrm's Serve app over HTTP (`hrm serve`, serve_configs/local.yaml), fp32 and the fast path (int8);
  (c) what a user would write instead: FastAPI + transformers, one fp32 forward pass per request
      (benchmarks/plain_fastapi_server.py under uvicorn).

    python benchmarks/serve_throughput.py --models models --data-dir $HRM_DATA_DIR
    python benchmarks/serve_throughput.py --device cuda ...    (all three on the GPU: serve_configs/gpu.yaml's
                                                                deployment, fast path bf16 instead of int8)

Prints requests/s, p50 and p99 at concurrency 1, 8 and 32, and the ratios the targets are set on:
Serve fp32 / (a) at c=32 (target >= 0.8), fast path / (c) at c=32 (target >= 2), Serve p50 - direct
forward p50 at c=1 (target <= 10 ms). The load generator shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
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

from hrm_ray.predictor import Predictor  # noqa: E402
from hrm_ray.ray_session import free_port  # noqa: E402
from hrm_ray.serve.launch import deploy, wait_until_serving  # noqa: E402
from hrm_ray.serve.loadgen import run_load, summary  # noqa: E402
from hrm_ray.tasks import get_task  # noqa: E402

CONCURRENCY = (1, 8, 32)


def requests_for(concurrency: int, scale: int) -> int:
    return scale * max(4, concurrency * 3)


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


def serve_config(precision: str, device: str) -> dict:
    config = yaml.safe_load((REPO / "serve_configs" / ("gpu.yaml" if device == "cuda" else "local.yaml")).read_text())
    app = config["applications"][0]
    app["args"]["tasks"] = ["sentiment"]
    for deployment in app["deployments"]:
        if deployment["name"] == "sentiment":
            deployment["user_config"]["precision"] = precision
            deployment.pop("autoscaling_config", None)  # one replica: the same model copy as (a) and (c)
    return copy.deepcopy(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models", help="registry with a trained sentiment model")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "../shared/data"))
    parser.add_argument("--scale", type=int, default=4, help="requests per level = scale x max(4, 3 x concurrency)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()

    import ray
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    models = Path(args.models).resolve()
    model_dir = (models / "sentiment" / "latest").resolve()
    frame = get_task("sentiment").training_frame(Path(args.data_dir))
    texts = frame["text"].sample(n=512, random_state=0).tolist()
    predictor = Predictor(model_dir, device=args.device)
    gpu = f", {torch.cuda.get_device_name()}" if args.device == "cuda" else ""
    # Ray's experimental HAProxy ingress, when the caller's environment switches it on (README, "Serving").
    haproxy = all(os.environ.get(f"RAY_SERVE_ENABLE_{switch}") == "1" for switch in ("HA_PROXY", "DIRECT_INGRESS"))
    print(f"model {model_dir} (max_length {predictor.max_length}); {len(texts)} real reviews, "
          f"mean {np.mean([len(t) for t in texts]):.0f} characters; {os.cpu_count()} cores{gpu}; "
          f"HTTP ingress: {'HAProxy to the ingress replicas' if haproxy else 'the Serve proxy actor'}")

    results: dict[str, dict[int, dict]] = {"(a) in-process fp32": {}}
    for c in CONCURRENCY:
        results["(a) in-process fp32"][c] = in_process(predictor, texts, c, requests_for(c, args.scale))
    del predictor

    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/sentiment/predict"
    fast_precision = "bf16" if args.device == "cuda" else "int8"
    for precision in ("fp32", fast_precision):
        deploy(serve_config(precision, args.device), models, port, ray.get_runtime_context().gcs_address)
        wait_until_serving(f"http://127.0.0.1:{port}", 1)
        served = requests.get(f"http://127.0.0.1:{port}/v1/models", timeout=60).json()["models"][0]
        name = f"(b) hrm Serve {served['precision']}"
        results[name] = {c: over_http(url, texts, c, requests_for(c, args.scale)) for c in CONCURRENCY}
    from ray import serve

    serve.shutdown()
    ray.shutdown()

    plain_port = free_port()
    env = {**os.environ, "HRM_BENCH_MODEL": str(model_dir), "HRM_BENCH_MAX_LENGTH": str(served_max_length(model_dir)),
           "HRM_BENCH_DEVICE": args.device}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "benchmarks.plain_fastapi_server:app", "--port",
                               str(plain_port), "--log-level", "warning"], cwd=REPO, env=env)
    try:
        plain_url = f"http://127.0.0.1:{plain_port}/v1/sentiment/predict"
        wait_for(plain_url)
        results["(c) plain FastAPI fp32"] = {c: over_http(plain_url, texts, c, requests_for(c, args.scale))
                                             for c in CONCURRENCY}
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\n{'server':28} {'c':>3} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for name, levels in results.items():
        for c, row in levels.items():
            print(f"{name:28} {c:>3} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors']:>6}")
    limit, plain = results["(a) in-process fp32"], results["(c) plain FastAPI fp32"]
    fp32 = next(v for k, v in results.items() if k.endswith("fp32") and k.startswith("(b)"))
    fast = results.get(f"(b) hrm Serve {fast_precision}")
    print(f"\nServe fp32 / (a) at c=32: {fp32[32]['rps'] / limit[32]['rps']:.2f}  (target >= 0.8)")
    if fast:
        print(f"Serve {fast_precision} / (c) at c=32: {fast[32]['rps'] / plain[32]['rps']:.2f}  (target >= 2)")
    else:
        print(f"Serve {fast_precision}: the model's fast-path check did not pass, so Serve ran fp32 twice")
    print(f"Serve fp32 p50 - direct forward p50 at c=1: {fp32[1]['p50_ms'] - limit[1]['p50_ms']:+.1f} ms  "
          f"(target <= 10 ms)")


def served_max_length(model_dir: Path) -> int:
    return int(yaml.safe_load((model_dir / "hrm_config.yaml").read_text())["max_length"])


def wait_for(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.post(url, json={"inputs": [{"text": "warm up"}]}, timeout=10).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up")


if __name__ == "__main__":
    main()
