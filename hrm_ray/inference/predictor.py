"""Load a trained model folder and score records: what `hrm evaluate`, `hrm predict`, batch scoring and Serve use.

`load_predictor(folder)` reads the folder's `hrm_config.yaml`, finds its task and asks the task's kind for
the predictor of its learner. Every predictor answers two calls:

- `predict(records)`: checked records (the kind's `check_record`, run once where records enter) -> the
  prediction records of the API, in order;
- `outputs(frame)`: a task frame -> what the kind's metrics read (class probabilities, entity lists).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from hrm_ray.config import TrainConfig
from hrm_ray.inference.buckets import MAX_TOKENS
from hrm_ray.kinds import get_kind
from hrm_ray.registry import resolve_model_dir
from hrm_ray.tasks import get_task


class Predictor(ABC):
    def __init__(self, task, model_dir: Path, config: TrainConfig):
        self.task, self.model_dir, self.config = task, Path(model_dir), config
        self.version = self.model_dir.name

    @abstractmethod
    def outputs(self, frame: pd.DataFrame) -> Any:
        """What the kind's metrics read, for every row of a task frame."""

    @abstractmethod
    def predict(self, records: Sequence[Any]) -> list[dict]:
        """Prediction records for checked records, in order."""


def load_predictor(model_location: str | Path, max_tokens: int = MAX_TOKENS, precision: str = "fp32",
                   device: str = "cpu") -> Predictor:
    """The predictor of a model folder (or of a registry task folder's latest version)."""
    model_dir = resolve_model_dir(str(model_location))
    config = TrainConfig.from_yaml(model_dir / "hrm_config.yaml")
    task = get_task(config.task)
    return get_kind(task.kind).predictor(task, model_dir, config, precision, device, max_tokens)
