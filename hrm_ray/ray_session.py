"""Starting or joining Ray the same way from every entrypoint (CLI, jobs, benchmarks, tests)."""

from __future__ import annotations

import math
import os
import socket

import ray
from ray._private import services

from hrm_ray import console


def set_train_driver_env() -> None:
    """Settings for the process that fits a Ray Train trainer; Train V2 passes them on to its controller."""
    # Train V2 tees workers' print() both to stdout and to its logger, so every progress line showed twice.
    os.environ.setdefault("RAY_TRAIN_ENABLE_PRINT_PATCH", "0")
    # The controller collects workers' reports when it polls them, every 2 s by default, and a reporting worker
    # waits for that: XGBoost reporting every 10 rounds for ASHA took 54.8 s at 2 s and 22.9 s at 0.2 s.
    os.environ.setdefault("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", "0.5")


def ensure_ray(**options) -> None:
    """Join the cluster in RAY_ADDRESS (or the job's, or the one `ray start` left here), else start a local Ray.
    `options` go to ray.init (`hrm serve` joins Serve's namespace)."""
    set_train_driver_env()
    if ray.is_initialized():
        return
    address = running_cluster()
    if address is not None:
        ray.init(address=address, runtime_env=_told(address), **{**console.ray_init_options(), **options})
        return
    start_local_ray(**options)


def running_cluster() -> str | None:
    """The cluster this process would join, by Ray's own rule: RAY_ADDRESS (set inside Ray jobs too), else
    the one last started on this machine; None when Ray would start a new instance here."""
    return services.canonicalize_bootstrap_address(None)


def cluster_capacity() -> dict[str, float]:
    """The most the connected cluster can hold: its autoscaler's maximum where its cluster config states one,
    else (a local Ray, nodes from `ray start`) what it has now. Work that does not fit would wait for ever."""
    from ray._private.state import state

    return state.get_max_resources_from_cluster_config() or ray.cluster_resources()


def copies_that_fit(need: dict[str, float], capacity: dict[str, float]) -> int:
    """How many copies of `need` (resource name -> amount) fit side by side in `capacity`."""
    return min(math.floor(capacity.get(name, 0) / amount + 1e-9) for name, amount in need.items() if amount > 0)


def _told(address: str, runtime_env: dict | None = None) -> dict:
    """This job's runtime env, with every process it starts told the cluster's address, and how much to print
    (hrm_ray/console.py: Ray's workers are as quiet as this process).

    Ray's tools inside workers look for "the" local instance when they are not told; with two on one machine
    (`hrm demo` beside `hrm tune`, or the tests' Ray beside their 2-node cluster) they fail. One of them is
    Train's placement-group cleaner: a trial that ASHA stopped then kept its workers' CPUs reserved, and the
    next trial waited for them forever. (Set for a whole `ray start` node instead, the address breaks the
    node's job agent: "No available agent to submit job".)
    """
    runtime_env = dict(runtime_env or {})
    runtime_env["env_vars"] = {**console.ray_worker_env(), **runtime_env.get("env_vars", {}), "RAY_ADDRESS": address}
    runtime_env.setdefault("worker_process_setup_hook", console.WORKER_SETUP_HOOK)
    return runtime_env


def free_port() -> int:
    """A TCP port nothing on this machine listens on now (on any interface)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def start_local_ray(**options):
    """A new local Ray instance (its GCS port fixed up front, so that its processes can be told it)."""
    port = free_port()
    address = f"{ray.util.get_node_ip_address()}:{port}"
    os.environ["RAY_GCS_SERVER_PORT"] = str(port)
    for key, value in console.local_ray_env().items():  # before Ray starts: its processes inherit them
        os.environ.setdefault(key, value)
    runtime_env = _told(address, options.pop("runtime_env", None))
    try:
        return ray.init(address="local", runtime_env=runtime_env, **{**console.ray_init_options(), **options})
    finally:
        os.environ.pop("RAY_GCS_SERVER_PORT", None)
