"""Which tree settings a tabular task should default to, chosen by cross-validation, never by the test split.

    python benchmarks/xgboost_cv.py --task attrition --data-dir $HRM_DATA_DIR
    python benchmarks/xgboost_cv.py --task attrition --depths 2 --etas 0.1 --folds 3 --repeats 1   (a smoke run)

The validation split of a tabular task is ~120 rows (attrition: ~20 employees who left), too few to choose
settings on: one run's validation score moves by several points with the seed. So every setting of a small
grid (depth x learning rate) is scored by k-fold cross-validation on train + validation together, repeated
with reshuffled folds, each fold's model trained the way `hrm train --learner xgboost` trains it: XGBoost's
early stopping on a stratified inner split of the fold's training part, as large a share of it as validation
is of train + validation in hrm's split. The held-out fold is only scored, never stopped on (stopping on it
would pick each fold's best round by the very score reported). Prints the mean and standard error per
setting, best first, with the task's current default marked; then, for the best setting and the default,
the test score of the recipe as `hrm train` runs it (train split, early stopping on validation), one process.
"""

from __future__ import annotations

import argparse
import itertools
import os

import numpy as np
import pandas as pd
import xgboost
from sklearn.model_selection import StratifiedKFold, train_test_split

from hrm_ray.config import TrainConfig
from hrm_ray.data import SplitSpec
from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.learners.tabular_features import encode, feature_schema
from hrm_ray.tasks import get_task
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.train.run import resolve_task_defaults
from hrm_ray.kinds import task_splits
from hrm_ray.learners.xgboost_model import predict_proba
from hrm_ray.train.xgboost_loop import xgboost_params

MAX_ROUNDS = 2000  # a ceiling: early stopping ends every fit long before it at these learning rates


# The stopping rows' share of a fold's training part: validation's share of train + validation in hrm's split.
STOPPING_SHARE = SplitSpec.validation / (1 - SplitSpec.test)


def fit(params: dict, train: tuple, stopping: tuple, early_stopping_rounds: int) -> xgboost.Booster:
    """Fit on `train`, stopping when the loss on `stopping` has not improved for `early_stopping_rounds`."""
    return xgboost.train(params, xgboost.DMatrix(train[0], label=train[1]), num_boost_round=MAX_ROUNDS,
                         evals=[(xgboost.DMatrix(stopping[0], label=stopping[1]), "stopping")],
                         early_stopping_rounds=early_stopping_rounds, verbose_eval=False)


def fit_on_fold(params: dict, training_part: tuple, early_stopping_rounds: int, seed: int) -> xgboost.Booster:
    """Fit on a fold's training part the way hrm train fits on its train split: early stopping on a stratified
    inner split of those rows, so the held-out fold stays unseen until it is scored."""
    fit_x, stop_x, fit_y, stop_y = train_test_split(*training_part, test_size=STOPPING_SHARE,
                                                    stratify=training_part[1], random_state=seed)
    return fit(params, (fit_x, fit_y), (stop_x, stop_y), early_stopping_rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="attrition", choices=["attrition", "performance"])
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3, 4, 6])
    parser.add_argument("--etas", type=float, nargs="+", default=[0.02, 0.05, 0.1])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2, help="cross-validations with reshuffled folds")
    args = parser.parse_args()

    task = get_task(args.task)
    assert isinstance(task, TabularTask)
    config = TrainConfig(task=task.name, learner="xgboost", data_dir=args.data_dir, cpus_per_worker=1)
    resolve_task_defaults(config)
    default = (config.xgboost.max_depth, config.xgboost.eta)  # before the grid overwrites them
    splits = task_splits(task, config)
    schema = feature_schema(task, splits["train"]["record"].tolist())

    def matrix(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return encode(frame["record"].tolist(), schema).to_numpy(), np.asarray(task.label_index(frame))

    def score(booster: xgboost.Booster, data: tuple) -> float:
        return classification_metrics(task.labels, data[1], predict_proba(booster, data[0]))[task.primary_metric]

    train, validation, test = (matrix(splits[name]) for name in ("train", "validation", "test"))
    pool = (np.vstack([train[0], validation[0]]), np.concatenate([train[1], validation[1]]))
    metric = task.primary_metric
    print(f"[xgb-cv] {task.name}: {len(pool[1])} train + validation rows, {args.repeats} x {args.folds}-fold, "
          f"{metric}; the default: depth {default[0]}, eta {default[1]}")

    rows = []
    for depth, eta in itertools.product(args.depths, args.etas):
        config.xgboost.max_depth, config.xgboost.eta = depth, eta
        params = xgboost_params(config, len(task.labels))
        scores, rounds = [], []
        for repeat in range(args.repeats):
            folds = StratifiedKFold(args.folds, shuffle=True, random_state=repeat).split(*pool)
            for fold, (training_rows, held_rows) in enumerate(folds):
                booster = fit_on_fold(params, (pool[0][training_rows], pool[1][training_rows]),
                                      config.xgboost.early_stopping_rounds, seed=repeat * args.folds + fold)
                scores.append(score(booster, (pool[0][held_rows], pool[1][held_rows])))
                rounds.append(booster.best_iteration + 1)
        rows.append(dict(depth=depth, eta=eta, mean=float(np.mean(scores)),
                         sem=float(np.std(scores) / np.sqrt(len(scores))), rounds=int(np.median(rounds)), params=params))

    rows.sort(key=lambda row: -row["mean"])
    for row in rows:
        is_default = (row["depth"], row["eta"]) == default
        print(f"[xgb-cv] depth {row['depth']} eta {row['eta']:<5g} cv {metric} {row['mean']:.4f} +- {row['sem']:.4f} "
              f"(median {row['rounds']} rounds){'  <- the default' if is_default else ''}")
    best = rows[0]
    chosen = [best] + [r for r in rows if (r["depth"], r["eta"]) == default and r is not best]
    for row in chosen:
        booster = fit(row["params"], train, validation, config.xgboost.early_stopping_rounds)
        print(f"[xgb-cv] depth {row['depth']} eta {row['eta']:g} as hrm train fits it: validation {metric} "
              f"{score(booster, validation):.4f}, test {score(booster, test):.4f} ({booster.best_iteration + 1} rounds)")


if __name__ == "__main__":
    main()
