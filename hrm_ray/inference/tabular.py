"""Predictors of the tabular kind: gradient-boosted trees on the columns, or a transformer on serialised rows."""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hrm_ray.inference.classification import ClassifierPredictor, TransformerClassifier


class TabularColumns:
    """The columns a model was trained on; folders saved before `columns` existed read every column."""

    def columns_of(self, task, config) -> list[str]:
        return config.columns or list(task.feature_columns)

    def frame(self, records: Sequence[Any]) -> pd.DataFrame:
        rows = [record["record"] for record in records]
        return pd.DataFrame({"text": [self.task.serialise(row, self.columns) for row in rows], "record": rows})


class XGBoostPredictor(TabularColumns, ClassifierPredictor):
    def __init__(self, task, model_dir, config):
        import xgboost

        from hrm_ray.learners.xgboost_model import MODEL_FILE, SCHEMA_FILE

        super().__init__(task, model_dir, config)
        self.columns = self.columns_of(task, config)
        self.booster = xgboost.Booster(model_file=str(self.model_dir / MODEL_FILE))
        self.schema = json.loads((self.model_dir / SCHEMA_FILE).read_text())

    def outputs(self, frame: pd.DataFrame) -> np.ndarray:
        from hrm_ray.learners.tabular_features import encode
        from hrm_ray.learners.xgboost_model import predict_proba

        return predict_proba(self.booster, encode(frame["record"].tolist(), self.schema))


class RowTransformer(TabularColumns, TransformerClassifier):
    def __init__(self, task, model_dir, config, precision: str, device: str, max_tokens: int):
        super().__init__(task, model_dir, config, precision, device, max_tokens)
        self.columns = self.columns_of(task, config)
