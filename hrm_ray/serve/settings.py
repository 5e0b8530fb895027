"""The settings of the Serve application (the YAML's `args`) and of each model deployment (`user_config`).

Both are pydantic models, so a typo in a Serve YAML fails the deploy with the field named instead of
being ignored.
"""

from __future__ import annotations

import os
from typing import Literal

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hrm_ray.inference.buckets import MAX_TOKENS
from hrm_ray.inference.precision import PRECISIONS
from hrm_ray.kinds import KINDS
from hrm_ray.tasks import TASKS

Precision = Literal[PRECISIONS]  # type: ignore[valid-type]


class KindDeployment(BaseModel):
    """The Serve options of a task-model deployment (the fields of a YAML `deployments` entry)."""

    model_config = ConfigDict(extra="forbid")

    max_ongoing_requests: int = Field(256, ge=1)
    ray_actor_options: dict[str, Any] = Field(default_factory=lambda: {"num_cpus": 0.25})
    autoscaling_config: dict[str, Any] | None = None
    user_config: dict[str, Any] = Field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        options = self.model_dump(exclude_none=True)
        options["user_config"] = ModelSettings(**self.user_config).model_dump()  # a typo fails the deploy, named
        return options


class AppSettings(BaseModel):
    """`args` of the application in serve_configs/*.yaml."""

    model_config = ConfigDict(extra="forbid")

    # The model registry (hrm train --output). Relative paths are taken from the folder `serve run` /
    # `hrm serve` starts in; $HRM_MODELS overrides it.
    models_root: str = Field(default_factory=lambda: os.environ.get("HRM_MODELS", "models"))
    # Tasks to serve; empty: every task of the registry (`hrm tasks`). One without a trained model is skipped.
    tasks: list[str] = Field(default_factory=list)
    # Deployment options of the task models, by kind (what a model of that kind needs: CPUs, GPUs, replicas,
    # batch sizes). A `deployments` entry of the YAML named after a task overrides them for that task.
    kind_deployments: dict[str, KindDeployment] = Field(default_factory=dict)
    # The embedding model for job-resume fit: "minilm" (packaged), a HF id or a folder.
    encoder: str = "minilm"
    max_inputs: int = Field(64, ge=1, description="records per request")
    max_text_chars: int = Field(20_000, ge=1, description="characters per text (a long resume is ~15k)")
    max_body_bytes: int = Field(4_000_000, ge=1)
    request_timeout_s: float = Field(60.0, gt=0, description="a request waiting longer on a model gets 504")
    # Calls per task model under way at once from each ingress replica; requests arriving meanwhile wait and
    # then go as one call (coalesce.py). Set it to at least the task's replicas, or some would sit idle.
    max_calls_in_flight: int = Field(2, ge=1, description="handle calls per task model at once")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # Ray gives an actor with less than one CPU a single thread (OMP_NUM_THREADS=1); a model replica that
    # has the machine to itself between batches runs faster with all cores. 0: every core of the node.
    torch_threads: int = Field(0, ge=0)


class ModelSettings(BaseModel):
    """`user_config` of a task-model deployment: changing it with `serve deploy` swaps in place, no restart."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field("latest", description="a version folder of the registry, or 'latest'")
    max_batch_size: int = Field(32, ge=1, description="requests per batch")
    # 0: no waiting at all. A batch still forms from the requests that queue while the previous one runs,
    # and a lone request (concurrency 1) is not held back.
    batch_wait_timeout_s: float = Field(0.0, ge=0)
    max_tokens: int = Field(MAX_TOKENS, ge=16, description="tokens per forward pass (length buckets)")
    precision: Precision = Field("fp32", description="int8/bf16 only where the model's fast-path check passed")


def set_torch_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads or os.cpu_count() or 1)


def resolve_device(wanted: str) -> str:
    """"auto" is the GPU where the replica was given one, else the CPU."""
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def check_kinds(settings: AppSettings) -> None:
    unknown = sorted(set(settings.kind_deployments) - set(KINDS))
    if unknown:
        raise ValueError(f"kind_deployments names unknown kind(s) {unknown}; kinds: {sorted(KINDS)}")


def served_tasks(settings: AppSettings) -> list[str]:
    return settings.tasks or list(TASKS)
