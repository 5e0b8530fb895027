"""`hrm demo` (and `make demo`): the whole product on one machine in one command.

1. Data: HRM_DATA_DIR when set, else a small generated sample (hrm_ray/synthetic.py) that the UI labels.
2. Models: every task the registry lacks is trained with a fast profile (a slice, one epoch; under
   15 minutes for all of them on a 2-core CPU). Real-data models go to models/, synthetic ones to
   models-synthetic/, so a synthetic demo never stands in for a real model.
3. Serve: serve_configs/local.yaml deployed as `hrm serve` would, with a bearer token (HRM_API_TOKEN,
   or one made up for this run and printed).
4. UI: Gradio on 127.0.0.1:7860, with the Ray Jobs API of this cluster for its Train tab.
Ctrl-C closes the UI, Serve and Ray, in that order.

It prints one `[hrm] demo N/4: ...` line per phase (models, Serve, UI, ready) and per task, hrm's training
progress, and errors; `hrm demo --verbose` also shows what Ray, Serve and the libraries print (hrm_ray/console.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from pathlib import Path

import yaml

from hrm_ray.config import TrainConfig
from hrm_ray.registry import LATEST_FILE
from hrm_ray.tasks import TASKS

REPO = Path(__file__).resolve().parents[1]


def prepare_data(models_root: Path) -> tuple[Path, bool]:
    data_dir = os.environ.get("HRM_DATA_DIR")
    if data_dir:
        return Path(data_dir).expanduser().resolve(), False
    from hrm_ray.synthetic import write_sample_data

    folder = models_root.parent / "demo-data-synthetic"
    print(f"[hrm] HRM_DATA_DIR is not set: generating a small synthetic sample in {folder}", flush=True)
    return write_sample_data(folder), True


def phase(number: int, text: str) -> None:
    """One progress line: 1 models, 2 Serve, 3 UI, 4 ready."""
    print(f"[hrm] demo {number}/4: {text}", flush=True)


def train_missing(data_dir: Path, models_root: Path) -> None:
    from hrm_ray.train.run import train

    for number, task in enumerate(TASKS, 1):
        of_all = f"(task {number} of {len(TASKS)})"
        if (models_root / task / LATEST_FILE).is_file():
            phase(1, f"{task}: using {models_root / task / 'latest'} {of_all}")
            continue
        phase(1, f"training {task} {of_all}")
        started = time.monotonic()
        # Each task's fast profile: enough to make its model useful in a demo, at a fraction of a full run's cost.
        fast = TASKS[task].profiles.get("fast", {})
        train(TrainConfig(task=task, data_dir=str(data_dir), output=str(models_root), **fast))
        print(f"[hrm] {task}: trained in {time.monotonic() - started:.0f} s", flush=True)


def run_demo(models: str = "models", api_port: int = 8000, ui_port: int = 7860) -> None:
    import ray
    from ray import serve

    from hrm_ray.ray_session import start_local_ray
    from hrm_ray.serve.launch import deploy, wait_until_serving
    from ui.app import build, launch

    os.environ.setdefault("RAY_AUTH_MODE", "token")
    data_dir, synthetic = prepare_data(Path(models).resolve())
    models_root = Path(models + ("-synthetic" if synthetic else "")).resolve()
    token = os.environ.get("HRM_API_TOKEN") or secrets.token_urlsafe(16)

    # The dashboard serves the Jobs API of the Train tab. Logical CPUs are twice the cores: the Serve
    # replicas hold ~1 CPU of reservations while idle, and a fine-tune from the Train tab needs 2 more.
    context = start_local_ray(include_dashboard=True, dashboard_host="127.0.0.1", num_cpus=2 * (os.cpu_count() or 1))
    try:
        train_missing(data_dir, models_root)
        phase(2, f"deploying the Serve app ({len(TASKS)} task models)")
        started = time.monotonic()
        config = yaml.safe_load((REPO / "serve_configs" / "local.yaml").read_text())
        deploy(config, models_root, api_port, context.address_info["gcs_address"], token)
        api_url = f"http://127.0.0.1:{api_port}"
        wait_until_serving(api_url, len(TASKS), token)
        phase(2, f"the Serve app is up in {time.monotonic() - started:.0f} s")
        phase(3, "starting the UI")
        page = build(api_url, token, jobs_address=f"http://{context.dashboard_url}", data_dir=str(data_dir),
                     models_dir=str(models_root), synthetic=synthetic)
        launch(page, ui_port, block=False)
        phase(4, "ready")
        print(f"\n[hrm] UI   http://127.0.0.1:{ui_port}\n[hrm] API  {api_url}/docs  (Authorization: Bearer {token})\n"
              f"[hrm] data {data_dir}{' (synthetic)' if synthetic else ''}; models {models_root}\n"
              "[hrm] Ctrl-C stops everything", flush=True)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):  # Ray and Gradio install handlers of their own
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:  # Ctrl-C while training or deploying
        pass
    finally:
        print("\n[hrm] shutting down", flush=True)
        try:
            import gradio as gr

            gr.close_all()
            serve.shutdown()
        finally:
            ray.shutdown()
