"""Fine-tunes started from the UI: Ray jobs (`jobs/finetune.py`) through the Ray Jobs API, with their logs.

The one place that turns the Train tab's choices into a job: the page shows `shell_command(...)` and
submits `job_request(...)`, and both are built from the same `finetune_arguments(...)`.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from hrm_ray.kinds import get_kind
from hrm_ray.tasks import get_task

REPO = Path(__file__).resolve().parents[1]
FINISHED = ("SUCCEEDED", "FAILED", "STOPPED")


@dataclass(frozen=True)
class Finetune:
    """One fine-tune, in the terms of `hrm train` / jobs/finetune.py flags."""

    task: str
    learner: str
    # The transformer's settings; XGBoost has none of them, and its command leaves them out.
    model: str
    lr: float | None
    epochs: float | None
    deepspeed: int
    max_train_samples: int
    data_dir: str  # "" leaves it to the job's $HRM_DATA_DIR
    output: str


def learners(task: str) -> list[str]:
    """What can learn the task: its kind's learners (hrm_ray/kinds), the task's default first."""
    spec = get_task(task)
    return sorted(get_kind(spec.kind).learners, key=lambda learner: learner != spec.default_learner)


def finetune_arguments(run: Finetune) -> list[str]:
    arguments = [run.task, "--learner", run.learner]
    if run.learner == "transformer":
        arguments += ["--model", run.model, "--lr", f"{run.lr:g}", "--epochs", f"{run.epochs:g}",
                      "--deepspeed", str(run.deepspeed)]
    arguments += ["--max-train-samples", str(run.max_train_samples)]
    if run.data_dir:
        arguments += ["--data-dir", run.data_dir]
    return arguments + ["--output", run.output]


def job_request(run: Finetune) -> dict:
    """The keyword arguments of JobSubmissionClient.submit_job for this fine-tune."""
    # This interpreter, not `python`: the UI's cluster is the one `hrm demo` started here, from a venv that
    # need not be on the cluster's PATH. The working dir is this checkout, uploaded as `ray job submit` does.
    entrypoint = shlex.join([sys.executable, "jobs/finetune.py", *finetune_arguments(run)])
    return {"entrypoint": entrypoint, "runtime_env": {"working_dir": str(REPO)},
            "metadata": {"task": run.task, "by": "hrm-ui"}}


def shell_command(address: str, run: Finetune) -> str:
    """The `ray job submit` command that submits the same job from a shell."""
    request = job_request(run)
    # Ray 2.60 clusters started by hrm have token auth on; the CLI needs to be told.
    submit = ["ray", "job", "submit", "--address", address, "--working-dir", request["runtime_env"]["working_dir"]]
    return f"RAY_AUTH_MODE=token {shlex.join(submit)} -- {request['entrypoint']}"


def _client(address: str):
    os.environ.setdefault("RAY_AUTH_MODE", "token")  # Ray 2.60 clusters started by hrm have token auth on
    from ray.job_submission import JobSubmissionClient

    return JobSubmissionClient(address)


def submit_finetune(address: str, run: Finetune) -> str:
    """Start the fine-tune on the cluster; returns the job id."""
    return _client(address).submit_job(**job_request(run))


def stop(address: str, job_id: str) -> None:
    """Ask Ray to stop the job (SIGTERM to its entrypoint, then SIGKILL); `follow` then sees it STOPPED."""
    _client(address).stop_job(job_id)


def follow(address: str, job_id: str, poll_s: float = 1.0) -> Iterator[tuple[str, str]]:
    """(status, logs so far) until the job ends."""
    client = _client(address)
    while True:
        status = str(client.get_job_status(job_id).value)
        yield status, client.get_job_logs(job_id)
        if status in FINISHED:
            return
        time.sleep(poll_s)
