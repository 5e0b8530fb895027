"""A trained XGBoost model folder: the booster and the feature schema it reads, and scoring with it.

Shared by training (hrm_ray/train/xgboost_loop.py) and inference, which must not import training code.
"""

from __future__ import annotations

import numpy as np
import xgboost

MODEL_FILE = "model.json"
SCHEMA_FILE = "feature_schema.json"


def class_probabilities(raw: np.ndarray) -> np.ndarray:
    """XGBoost's predictions as one probability column per class (binary objectives give P(class 1) alone)."""
    return np.column_stack([1 - raw, raw]) if raw.ndim == 1 else raw


def predict_proba(booster: xgboost.Booster, features) -> np.ndarray:
    return class_probabilities(
        booster.predict(xgboost.DMatrix(features), iteration_range=(0, booster.best_iteration + 1)))
