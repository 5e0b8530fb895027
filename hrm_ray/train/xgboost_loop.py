"""Gradient-boosted trees for the tabular tasks (`--learner xgboost`), data-parallel on Ray Train.

What a careful team compares a fine-tuned transformer against on HR tables. Each worker trains on its
shard of the training rows (XGBoost's collective syncs the histograms), stops when the validation loss
stops improving, and rank 0 scores the test split and reports the model folder.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import ray.train
import xgboost

from hrm_ray.config import TrainConfig
from hrm_ray.metrics import classification_metrics
from hrm_ray.tabular_features import encode
from hrm_ray.tasks import get_task
from hrm_ray.train.splits import task_splits

LABEL = "__label__"
MODEL_FILE = "model.json"
SCHEMA_FILE = "feature_schema.json"


def xgboost_params(config: TrainConfig, n_classes: int) -> dict:
    params = {
        "tree_method": "hist",
        "device": "cuda" if config.use_gpu else "cpu",
        "max_depth": config.xgboost.max_depth,
        "eta": config.xgboost.eta,
        "subsample": config.xgboost.subsample,
        "colsample_bytree": config.xgboost.colsample_bytree,
        "seed": config.seed,
        "nthread": config.cpus_per_worker,
    }
    if n_classes == 2:
        params.update(objective="binary:logistic", eval_metric="logloss")
    else:
        params.update(objective="multi:softprob", num_class=n_classes, eval_metric="mlogloss")
    return params


def predict_proba(booster: xgboost.Booster, features) -> np.ndarray:
    raw = booster.predict(xgboost.DMatrix(features), iteration_range=(0, booster.best_iteration + 1))
    return np.column_stack([1 - raw, raw]) if raw.ndim == 1 else raw


def train_loop_per_worker(config_dict: dict) -> None:
    config = TrainConfig.from_dict(config_dict["config"])
    schema = config_dict["schema"]
    task = get_task(config.task)

    def shard(name: str) -> xgboost.DMatrix:
        frame = ray.train.get_dataset_shard(name).materialize().to_pandas()
        return xgboost.DMatrix(frame.drop(columns=[LABEL]), label=frame[LABEL])

    train, validation = shard("train"), shard("validation")
    booster = xgboost.train(
        xgboost_params(config, len(task.labels)),
        train,
        num_boost_round=config.xgboost.num_boost_round,
        evals=[(validation, "validation")],
        early_stopping_rounds=config.xgboost.early_stopping_rounds,
        verbose_eval=25 if ray.train.get_context().get_world_rank() == 0 else False,
    )

    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = None
        metrics: dict = {}
        if ray.train.get_context().get_world_rank() == 0:
            test = task_splits(task, config)["test"]
            probs = predict_proba(booster, encode(test["record"].tolist(), schema))
            metrics = classification_metrics(task.labels, np.asarray(task.label_index(test)), probs)
            model_dir = Path(tmp) / "model"
            model_dir.mkdir()
            booster.save_model(str(model_dir / MODEL_FILE))
            (model_dir / SCHEMA_FILE).write_text(json.dumps(schema, indent=1))
            (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
            (model_dir / "labels.json").write_text(json.dumps(list(task.labels)))
            checkpoint = ray.train.Checkpoint.from_directory(tmp)
        ray.train.report({"final": 1, "best_iteration": booster.best_iteration}, checkpoint=checkpoint)
