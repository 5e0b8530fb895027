"""One task's model as a Serve deployment: batched scoring, and a new version swapped in with no failed request.

The ingress binds one copy per task (`TaskModel.options(name=task)`). Requests are batched with
`@serve.batch`; each request carries a list of records, so a pipeline call for 50 resumes is one batch item.
The batches then go through the replica's inference lane (lane.py), which merges those that wait while
the model runs, in a thread of its own so the replica keeps taking requests meanwhile.

`user_config` (settings.ModelSettings) picks the version, the batch size and wait, and the precision.
`serve deploy` with a changed user_config calls `reconfigure` on the running replicas: the new model is
loaded beside the old one and swapped in with one assignment, and a batch already running keeps the
predictor it started with, so no request sees a half-loaded model.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ray import serve

from hrm_ray.config import TrainConfig
from hrm_ray.inference.precision import allowed_precision
from hrm_ray.inference.predictor import Predictor, load_predictor
from hrm_ray.registry import resolve_model_dir
from hrm_ray.serve.lane import InferenceLane
from hrm_ray.serve.settings import ModelSettings, resolve_device
from hrm_ray.tasks import get_task

logger = logging.getLogger("ray.serve")


@dataclass(frozen=True)
class Loaded:
    predictor: Predictor
    settings: ModelSettings
    info: dict


def load(task: str, models_root: str, settings: ModelSettings, device: str) -> Loaded:
    location = Path(models_root) / task
    if settings.version != "latest":
        location = location / settings.version
    model_dir = resolve_model_dir(str(location))
    learner = TrainConfig.from_yaml(model_dir / "hrm_config.yaml").learner
    if learner != "transformer":
        precision, why = "fp32", f"the {learner} learner is fast as it is"
    else:
        precision, why = allowed_precision(model_dir, settings.precision)
    predictor = load_predictor(model_dir, max_tokens=settings.max_tokens, precision=precision, device=device)
    metrics_file = model_dir / "metrics.json"
    info = {
        "task": task,
        "version": predictor.version,
        "learner": predictor.config.learner,
        "precision": precision,
        "precision_note": why,
        "metrics": json.loads(metrics_file.read_text()) if metrics_file.is_file() else None,
    }
    return Loaded(predictor, settings, info)


# max_ongoing_requests covers max_batch_size x max_concurrent_batches below, so batches can fill.
@serve.deployment(max_ongoing_requests=256, ray_actor_options={"num_cpus": 0.25})
class TaskModel:
    def __init__(self, task: str, models_root: str, device: str = "auto", torch_threads: int = 0):
        self.lane = InferenceLane(torch_threads)
        self.task = get_task(task)
        self.models_root = models_root
        self.device = resolve_device(device)
        self.loaded: Loaded | None = None

    async def reconfigure(self, user_config: dict) -> None:
        settings = ModelSettings(**user_config)
        self.score_batch.set_max_batch_size(settings.max_batch_size)
        self.score_batch.set_batch_wait_timeout_s(settings.batch_wait_timeout_s)
        current = self.loaded
        if current is not None and (current.settings.version, current.settings.precision) == (
                settings.version, settings.precision) and settings.version != "latest":
            if hasattr(current.predictor, "max_tokens"):
                current.predictor.max_tokens = settings.max_tokens
            self.loaded = Loaded(current.predictor, settings, current.info)
            return
        loaded = await asyncio.to_thread(load, self.task.name, self.models_root, settings, self.device)
        self.loaded = loaded  # the swap: one assignment, after the new model is ready
        logger.info("%s serving version %s (%s: %s)", self.task.name, loaded.info["version"],
                    loaded.info["precision"], loaded.info["precision_note"])

    def _current(self) -> Loaded:
        if self.loaded is None:  # deployed without user_config: the defaults
            self.loaded = load(self.task.name, self.models_root, ModelSettings(), self.device)
        return self.loaded

    async def predict(self, records: list[Any]) -> dict:
        """Score records the caller has checked (the ingress and the pipelines check each once, at the edge)."""
        return await self.score_batch(records)

    # Batches are handed to the lane as soon as they form (max_concurrent_batches), which merges them.
    @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.0, max_concurrent_batches=8)
    async def score_batch(self, requests: list[list[Any]]) -> list[dict]:
        loaded = self._current()  # one version for the whole batch, even if a swap lands meanwhile
        flat = [record for records in requests for record in records]
        predictions = await self.lane.run(loaded.predictor.predict, flat)
        model = {"task": self.task.name, "version": loaded.info["version"]}
        answers, start = [], 0
        for records in requests:
            answers.append({"predictions": predictions[start : start + len(records)], "model": model})
            start += len(records)
        return answers

    def info(self) -> dict:
        return self._current().info
