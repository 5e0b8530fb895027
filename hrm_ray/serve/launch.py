"""Deploy a Serve config into a running Ray the way a user does (`hrm serve --non-blocking`), wait for it, and
follow its status (`hrm serve`: Serve's own console lines are off by default, hrm_ray/console.py).

Tests and benchmarks/serve_throughput.py use this, so what they measure is the app as users start it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
APP = "hrm"  # the application's name in serve_configs/


def deploy(config: dict, models: Path, port: int, ray_address: str, token: str | None = None) -> None:
    path = Path(tempfile.mkdtemp(prefix="hrm-deploy-")) / "serve.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    env = {key: value for key, value in os.environ.items() if key != "HRM_API_TOKEN"}
    env["RAY_ADDRESS"] = ray_address
    if token:
        env["HRM_API_TOKEN"] = token
    done = subprocess.run(
        [sys.executable, "-m", "hrm_ray.cli", "serve", "--config", str(path), "--models", str(models),
         "--port", str(port), "--non-blocking"],
        env=env, capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hrm serve failed:\n{done.stderr[-3000:]}")


def wait_until_serving(url: str, tasks: int, token: str | None = None, timeout_s: float = 240) -> None:
    """Until the app is RUNNING and /v1/models lists `tasks` models (every replica has loaded its model)."""
    from ray import serve

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = serve.status().applications.get(APP)
        if status is not None and status.status == "DEPLOY_FAILED":
            raise RuntimeError(f"the app failed to deploy: {status.message}")
        if status is not None and status.status == "RUNNING":
            answer = requests.get(url + "/v1/models", headers=headers, timeout=60)
            if answer.status_code == 200 and len(answer.json()["models"]) == tasks:
                return
        time.sleep(1)
    raise TimeoutError(f"the app did not come up in {timeout_s} s: {serve.status()}")


def app_summary() -> tuple[str, str]:
    """The app's status and a few words on it: how many deployments are up, and Serve's message where it failed."""
    from ray import serve

    app = serve.status().applications.get(APP)
    if app is None:
        return "NOT_STARTED", "not deployed yet"
    up = sum(each.status.value in ("HEALTHY", "UPSCALING", "DOWNSCALING") for each in app.deployments.values())
    words = f"{up} of {len(app.deployments)} deployments up" if app.deployments else "building the app"
    if app.status.value in ("DEPLOY_FAILED", "UNHEALTHY") and app.message:
        words += f": {app.message}"
    return app.status.value, words


def follow_app(url: str, poll_s: float = 2.0) -> None:
    """Print the app's status whenever it changes (deploying, running, failed and why) until Ctrl-C, which shuts
    Serve down: `hrm serve` in the foreground."""
    from ray import serve

    shown = None
    try:
        while True:
            status, words = app_summary()
            if (status, words) != shown:
                where = f" at {url}" if status == "RUNNING" else ""
                print(f"[hrm] app {APP}: {status}{where} ({words})", file=sys.stderr, flush=True)
                shown = status, words
            time.sleep(poll_s)
    except KeyboardInterrupt:
        print("[hrm] shutting down Serve", file=sys.stderr, flush=True)
        serve.shutdown()
