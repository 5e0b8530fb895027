"""Fine-tunes started from the UI: Ray jobs (`jobs/finetune.py`) through the Ray Jobs API, with their logs."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
FINISHED = ("SUCCEEDED", "FAILED", "STOPPED")


def _client(address: str):
    os.environ.setdefault("RAY_AUTH_MODE", "token")  # Ray 2.60 clusters started by hrm have token auth on
    from ray.job_submission import JobSubmissionClient

    return JobSubmissionClient(address)


def submit_finetune(address: str, task: str, data_dir: str, models_dir: str, max_train_samples: int,
                    epochs: float) -> str:
    """Start `jobs/finetune.py TASK` on the cluster; returns the job id."""
    # The job runs this checkout with this interpreter: the UI's cluster is the one the demo started here.
    command = [sys.executable, str(REPO / "jobs" / "finetune.py"), task, "--data-dir", data_dir, "--output",
               models_dir, "--max-train-samples", str(int(max_train_samples)), "--epochs", str(epochs)]
    return _client(address).submit_job(entrypoint=shlex.join(command), metadata={"task": task, "by": "hrm-ui"})


def follow(address: str, job_id: str, poll_s: float = 1.0) -> Iterator[tuple[str, str]]:
    """(status, logs so far) until the job ends."""
    client = _client(address)
    while True:
        status = str(client.get_job_status(job_id).value)
        yield status, client.get_job_logs(job_id)
        if status in FINISHED:
            return
        time.sleep(poll_s)
