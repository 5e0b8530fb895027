"""Starting or joining Ray the same way from every entrypoint (CLI, jobs, benchmarks)."""

from __future__ import annotations

import os

import ray


def ensure_ray() -> None:
    """Join the cluster in RAY_ADDRESS (or the job's), else start a local Ray for this process."""
    if ray.is_initialized():
        return
    # Ray Train V2 tees workers' print() both to stdout and to its logger, so every progress line showed twice.
    os.environ.setdefault("RAY_TRAIN_ENABLE_PRINT_PATCH", "0")
    ray.init(address=os.environ.get("RAY_ADDRESS"))
