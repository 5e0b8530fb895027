"""Tabular records as a numeric matrix for gradient-boosted trees: numbers as they are, categories one-hot.

The schema (columns and the categories seen in training) is saved with the model, so inference encodes
new records exactly as training did; an unseen category encodes as all zeros rather than failing.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from hrm_ray.kinds.tabular import TabularTask


def feature_schema(task: TabularTask, records: Sequence[dict[str, Any]],
                   columns: Sequence[str] | None = None) -> dict[str, Any]:
    """The encoding of `columns` (the task's default ones: known before its decision) for these records."""
    columns = list(columns or task.default_columns())
    categorical = [c for c in columns if c not in task.numeric_columns]
    return {
        "numeric": [c for c in columns if c in task.numeric_columns],
        "categories": {c: sorted({str(r.get(c, "")).strip() for r in records} - {""}) for c in categorical},
    }


def encode(records: Sequence[dict[str, Any]], schema: dict[str, Any]) -> pd.DataFrame:
    columns: dict[str, np.ndarray] = {}
    for column in schema["numeric"]:
        columns[column] = pd.to_numeric(pd.Series([r.get(column) for r in records], dtype=object), errors="coerce").to_numpy(dtype=np.float32)
    for column, categories in schema["categories"].items():
        values = np.array([str(r.get(column, "")).strip() for r in records], dtype=object)
        for category in categories:
            columns[f"{column}={category}"] = (values == category).astype(np.float32)
    return pd.DataFrame(columns)
