"""Gradient-boosted trees for the tabular tasks (`--learner xgboost`), data-parallel on Ray Train.

What a careful team compares a fine-tuned transformer against on HR tables. Each worker reads the (small)
table itself and trains on its shard of the rows, every world_size-th one; XGBoost's collective syncs the
histograms. Training stops when the validation loss stops improving; rank 0 scores the test split and
reports the model folder. (Ray Data shards would need CPUs of their own beside the workers: on a 2-core
machine they would wait for ones the workers hold.)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import ray.train
import xgboost

from hrm_ray.config import TrainConfig
from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.registry import TRAINING_LOG
from hrm_ray.learners.tabular_features import encode, feature_schema
from hrm_ray.learners.xgboost_model import MODEL_FILE, SCHEMA_FILE, class_probabilities, predict_proba
from hrm_ray.tasks import get_task
from hrm_ray.kinds import task_splits

VALIDATION_LOSS = "val_loss"  # what training stops on (XGBoost's early stopping)


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


class ReportRounds(xgboost.callback.TrainingCallback):
    """Report validation scores to Ray every `every` rounds, so Ray Tune's ASHA can stop a poor trial early:
    the log-loss, and `score(booster)`, the task's primary metric (what a search compares trials on). Every rank
    reports (Ray Train's report is collective); XGBoost already reduced the loss across them."""

    def __init__(self, every: int, score_name: str, score):
        self.every, self.score_name, self.score = every, score_name, score

    def after_iteration(self, model, epoch: int, evals_log) -> bool:
        if self.every and (epoch + 1) % self.every == 0:
            loss = next(iter(evals_log["validation"].values()))[-1]
            ray.train.report({"round": epoch + 1, VALIDATION_LOSS: float(loss), self.score_name: self.score(model)})
        return False  # keep training


def train_loop_per_worker(config_dict: dict) -> None:
    config = TrainConfig.from_dict(config_dict["config"])
    schema = config_dict["schema"]
    task = get_task(config.task)

    context = ray.train.get_context()
    rank, world_size = context.get_world_rank(), context.get_world_size()
    splits = task_splits(task, config)

    def shard(name: str) -> xgboost.DMatrix:
        rows = splits[name].iloc[rank::world_size]
        return xgboost.DMatrix(encode(rows["record"].tolist(), schema), label=task.label_index(rows))

    train, validation = shard("train"), shard("validation")
    # The primary metric needs every validation row, so each rank scores all of them (the same number on every
    # rank). Built here, beside the shards: inside XGBoost's collective every rank must build the same matrices.
    labels = np.asarray(task.label_index(splits["validation"]))
    whole_validation = xgboost.DMatrix(encode(splits["validation"]["record"].tolist(), schema))
    score_name = "eval_" + task.primary_metric  # named as the transformer learner's Trainer names it

    def validation_score(booster: xgboost.Booster, rounds: int | None = None) -> float:
        probs = class_probabilities(
            booster.predict(whole_validation, iteration_range=(0, rounds or booster.num_boosted_rounds())))
        return float(classification_metrics(task.labels, labels, probs)[task.primary_metric])

    curve: dict = {}
    booster = xgboost.train(
        xgboost_params(config, len(task.labels)),
        train,
        num_boost_round=config.xgboost.num_boost_round,
        evals=[(validation, "validation")],
        early_stopping_rounds=config.xgboost.early_stopping_rounds,
        verbose_eval=25 if rank == 0 else False,
        evals_result=curve,
        callbacks=[ReportRounds(config.xgboost.report_every, score_name, validation_score)],
    )

    # Every rank scores the test split: inside XGBoost's collective, building a DMatrix is a collective
    # step, so rank 0 alone would wait forever for the others.
    test = splits["test"]
    probs = predict_proba(booster, encode(test["record"].tolist(), schema))
    metrics = classification_metrics(task.labels, np.asarray(task.label_index(test)), probs)
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = None
        if rank == 0:
            model_dir = Path(tmp) / "model"
            model_dir.mkdir()
            booster.save_model(str(model_dir / MODEL_FILE))
            (model_dir / SCHEMA_FILE).write_text(json.dumps(schema, indent=1))
            (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
            (model_dir / "labels.json").write_text(json.dumps(list(task.labels)))
            # The training curve, shaped like the transformer's log: one entry per boosting round.
            (model_dir / TRAINING_LOG).write_text(json.dumps([
                {"round": i + 1, **{f"validation_{name}": values[i] for name, values in curve["validation"].items()}}
                for i in range(len(next(iter(curve["validation"].values()))))
            ]))
            checkpoint = ray.train.Checkpoint.from_directory(tmp)
        summary = {
            "final": 1,
            "round": booster.num_boosted_rounds(),
            "best_iteration": booster.best_iteration,
            VALIDATION_LOSS: float(min(next(iter(curve["validation"].values())))),
            score_name: validation_score(booster, booster.best_iteration + 1),  # the model as delivered
            "test_" + task.primary_metric: metrics.get(task.primary_metric),
        }
        ray.train.report(summary, checkpoint=checkpoint)


def xgboost_trainer(config: TrainConfig, task, scaling, run_config):
    """The XGBoostTrainer for a prepared config."""
    from ray.train.xgboost import XGBoostTrainer

    # The categories seen in training, fixed here so every worker one-hot encodes the same columns.
    schema = feature_schema(task, task_splits(task, config)["train"]["record"].tolist(), config.columns)
    return XGBoostTrainer(
        train_loop_per_worker,
        train_loop_config={"config": config.to_dict(), "schema": schema},
        scaling_config=scaling,
        run_config=run_config,
    )
