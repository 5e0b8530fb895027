"""What every HR task declares, whatever its kind: its data, labels, default recipe, profiles and model-card text.

A task is one folder `hrm_ray/tasks/<name>/` whose `__init__.py` defines a subclass of its kind's task class
(hrm_ray.kinds.*) and registers an instance with `@register`. Everything else (CLI, training, evaluation,
inference, Serve, UI, demo, benchmarks, tests) finds it in the registry and asks its kind what to do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd


class Task(ABC):
    name: str
    kind: ClassVar[str]  # set by the kind's task class
    labels: tuple[str, ...] = ()
    # Files the task reads, relative to the data folder (shared/data layout).
    data_files: tuple[str, ...]
    # The language of its texts (ISO 639-1): pipelines route a text to the task of its detected language.
    language: str = "en"
    # What the task does in a composed pipeline, e.g. "feedback_sentiment": pipelines look tasks up by role
    # (and language), never by name. None: no pipeline uses it.
    role: str | None = None
    list_order: int = 100  # where lists of tasks show it (then by name)
    default_learner: str = "transformer"
    default_model: str = "minilm"
    default_max_length: int = 256
    default_max_chunks: int = 1
    default_epochs: float = 3.0
    default_lr: float = 5e-5
    default_batch_size: int = 16
    default_class_weighted_loss: bool = False
    default_attention_dropout: float | None = None  # None: the backbone's own
    # Settings over the defaults: "fast" for `hrm demo` (useful models in minutes), "small" for the tests
    # (a model that learns something in seconds).
    profiles: dict[str, dict[str, Any]] = {}
    # benchmarks/quality.py: the primary metric the default learner must reach on the test split.
    quality_bar: float | None = None
    # For the model card.
    split_description = "Exact-duplicate texts removed, then a seeded stratified 80/10/10 train/validation/test split"
    data_description: str
    intended_use: str
    limits: str

    @property
    def primary_metric(self) -> str:
        from hrm_ray.kinds import get_kind

        return get_kind(self.kind).primary_metric

    @property
    def is_binary(self) -> bool:
        return len(self.labels) == 2

    @abstractmethod
    def load(self, data_dir: Path) -> pd.DataFrame:
        """Every row of the task's files present in `data_dir` as a frame of the kind's columns."""

    def training_frame(self, data_dir: Path) -> pd.DataFrame:
        """The rows fit to learn from (the kind drops what cannot be learned from)."""
        return self.load(data_dir)

    @abstractmethod
    def write_synthetic(self, folder: Path, rng: np.random.Generator, rows: int) -> None:
        """Write an invented sample of the task's data files under `folder` (the demo without real data)."""

    def label_index(self, frame: pd.DataFrame) -> list[int]:
        lookup = {label: i for i, label in enumerate(self.labels)}
        return [lookup[label] for label in frame["label"]]

    def describe(self) -> dict[str, Any]:
        """The registry entry `hrm tasks` prints."""
        return {"name": self.name, "kind": self.kind, "data_files": list(self.data_files),
                "primary_metric": self.primary_metric, "language": self.language,
                "default_learner": self.default_learner}
