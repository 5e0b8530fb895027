"""What a kind is: everything about a shape of model that does not depend on which HR data it learns.

A kind owns its record and prediction schemas (pydantic, shared by the CLI, batch scoring and Serve), how a
record is checked, how a task's rows are split, which learners it offers and how each one trains (a Ray
Train trainer) and predicts (an inference.Predictor), and its metrics with the primary one. Training and
inference code is imported inside the methods, so a Serve replica that only predicts never loads trainers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from hrm_ray.kinds.records import InputError


class Kind(ABC):
    name: str
    primary_metric: str
    learners: tuple[str, ...]
    record_schema: type[BaseModel]  # one record of `POST /v1/{task}/predict`
    prediction_schema: type[BaseModel]  # one prediction in its answer

    @abstractmethod
    def check_record(self, task, record: Any) -> Any:
        """The record as the predictor reads it; InputError naming the field when it does not fit the task."""

    def check_records(self, task, records: list[Any], where: str = "inputs") -> list[Any]:
        """Every record checked, an error naming its position (`inputs[3]: ...`)."""
        checked = []
        for index, record in enumerate(records):
            try:
                checked.append(self.check_record(task, record))
            except InputError as error:
                raise InputError(f"{where}[{index}]: {error}") from None
        return checked

    @abstractmethod
    def splits(self, task, config) -> dict[str, pd.DataFrame]:
        """train / validation / test frames for a config: the same rows on every worker and every run."""

    def all_rows(self, task, config) -> pd.DataFrame:
        """Every row of every file the task reads, duplicates and all (`hrm evaluate --split all`)."""
        from hrm_ray.data import resolve_data_dir

        return task.load(resolve_data_dir(config.data_dir))

    @abstractmethod
    def metrics(self, task, frame: pd.DataFrame, outputs: Any) -> dict:
        """A split's metrics from a predictor's `outputs(frame)` (metrics.json, `hrm evaluate`)."""

    @abstractmethod
    def predictor(self, task, model_dir: Path, config, precision: str, device: str, max_tokens: int):
        """The inference.Predictor for a trained model folder of this kind."""

    @abstractmethod
    def trainer(self, task, config, scaling, run_config):
        """The Ray Train trainer for a prepared config (its learner is one of `learners`)."""

    def check_learner(self, task, learner: str) -> None:
        if learner not in self.learners:
            from hrm_ray.config import ConfigError

            raise ConfigError(f"--learner must be one of {self.learners} for {task.name} ({self.name}), got {learner!r}")
