"""Deploy a Serve config into a running Ray the way a user does (`hrm serve --non-blocking`), and wait for it.

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
        status = serve.status().applications.get("hrm")
        if status is not None and status.status == "RUNNING":
            answer = requests.get(url + "/v1/models", headers=headers, timeout=60)
            if answer.status_code == 200 and len(answer.json()["models"]) == tasks:
                return
        time.sleep(1)
    raise TimeoutError(f"the app did not come up in {timeout_s} s: {serve.status()}")
