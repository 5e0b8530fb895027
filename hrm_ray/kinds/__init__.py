"""The kinds: what a model does (classify a text, classify a table row, tag spans in a text).

`get_kind(task.kind)` is how generic code asks a task's kind for its schemas, splits, learners, metrics and
predictor. A new kind is one module here with its `KIND`, listed below, and its contract tests.
"""

from __future__ import annotations

from hrm_ray.kinds.base import Kind
from hrm_ray.kinds.records import InputError
from hrm_ray.kinds.sequence_classification import KIND as SEQUENCE_CLASSIFICATION
from hrm_ray.kinds.tabular import KIND as TABULAR
from hrm_ray.kinds.token_classification import KIND as TOKEN_CLASSIFICATION

KINDS: dict[str, Kind] = {kind.name: kind for kind in (SEQUENCE_CLASSIFICATION, TABULAR, TOKEN_CLASSIFICATION)}


def get_kind(name: str) -> Kind:
    return KINDS[name]


def task_splits(task, config):
    """A task's train / validation / test frames for a config (its kind decides how)."""
    return get_kind(task.kind).splits(task, config)


__all__ = ["KINDS", "Kind", "InputError", "get_kind", "task_splits"]
