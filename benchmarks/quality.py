"""Each task's fine-tuned models against classical baselines on the same test split.

    python benchmarks/quality.py --models models --data-dir $HRM_DATA_DIR [--tasks attrition performance]

For every task it takes the newest full-data model of each learner in the registry (train them first with
`hrm train TASK` and, for tabular tasks, `hrm train TASK --learner xgboost`) and scores it on the task's test
split (hrm_ray/train/splits.py, the split training used). Beside them, on the same split, the baselines
(hrm_ray/baselines.py) fitted on the same train rows:
  - text tasks: TF-IDF + logistic regression, C chosen on the validation split;
  - tabular tasks: logistic regression (standard scaling + one-hot) and scikit-learn's histogram gradient
    boosting (categorical columns as categories), both on the columns a task model reads by default (those
    known before the task's decision), settings chosen by 5-fold cross-validation on the train split.
No setting is chosen on the test split: it is scored once per model. Prints a Markdown table (docs/results.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hrm_ray.baselines import Baseline, fit_tabular_baselines, fit_tuned_tfidf_baseline
from hrm_ray.config import TrainConfig
from hrm_ray.evaluation.evaluate import evaluate
from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.tasks import TASKS, Task, get_task
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.kinds import task_splits

BARS = {"screening": ("macro_f1", 0.70), "sentiment": ("macro_f1", 0.70), "attrition": ("roc_auc", 0.80),
        "performance": ("macro_f1", 0.90)}


def newest_full_models(registry: Path, task: str) -> dict[str, Path]:
    """learner -> newest model folder trained on the full data."""
    found: dict[str, Path] = {}
    for folder in sorted((registry / task).glob("2*")):
        config = TrainConfig.from_yaml(folder / "hrm_config.yaml")
        if config.max_train_samples is None and (folder / "metrics.json").is_file():
            found[config.learner] = folder
    return found


def fit_baselines(task: Task, splits: dict[str, pd.DataFrame]) -> list[Baseline]:
    """The task's baselines fitted on its train split (settings chosen on validation or by CV on train)."""
    train = splits["train"]
    if isinstance(task, TabularTask):
        return fit_tabular_baselines(task, train["record"].tolist(), task.label_index(train))
    validation = splits["validation"]
    return [fit_tuned_tfidf_baseline(task.labels, task.primary_metric, train["text"].tolist(), task.label_index(train),
                                     validation["text"].tolist(), task.label_index(validation))]


def baseline_results(task: Task, data_dir: str) -> dict[str, tuple[dict, float, str]]:
    """name -> (test metrics, seconds to fit incl. the settings search, the settings chosen)."""
    splits = task_splits(task, TrainConfig(task=task.name, data_dir=data_dir))
    test, truth = splits["test"], np.asarray(task.label_index(splits["test"]))
    results = {}
    for baseline in fit_baselines(task, splits):
        metrics = classification_metrics(task.labels, truth, baseline.predict_proba(test[baseline.column].tolist()))
        results[baseline.name] = (metrics, baseline.fit_seconds, baseline.chosen)
        print(f"[quality] {task.name} {baseline.name}: {baseline.chosen}", flush=True)
    return results


def model_results(task: Task, registry: Path, data_dir: str) -> dict[str, tuple[dict, float | None, str]]:
    """`learner folder` -> (test metrics, training seconds from run_info.json, its recipe's note)."""
    results = {}
    for learner, folder in newest_full_models(registry, task.name).items():
        started = time.time()
        metrics = evaluate(str(folder), data_dir, "test")
        run_info = folder / "run_info.json"
        seconds = json.loads(run_info.read_text()).get("train_runtime") if run_info.is_file() else None
        results[f"{learner} `{folder.name}`"] = (metrics, seconds, recipe_note(task, folder))
        print(f"[quality] {task.name} {learner}: scored in {time.time() - started:.0f}s", flush=True)
    return results


def recipe_note(task: Task, folder: Path) -> str:
    """Which columns a tabular model read, against the task's default ones (what the baselines read)."""
    columns = TrainConfig.from_yaml(folder / "hrm_config.yaml").columns
    if not isinstance(task, TabularTask) or not columns or set(columns) == set(task.default_columns()):
        return "the task's default recipe" + (" and columns" if isinstance(task, TabularTask) else "")
    added = sorted(set(columns) - set(task.default_columns()))
    dropped = sorted(set(task.default_columns()) - set(columns))
    return "columns: the default" + "".join(f" +{c}" for c in added) + "".join(f" -{c}" for c in dropped)


def table_row(task_name: str, name: str, metrics: dict, seconds: float | None, chosen: str) -> str:
    metric, bar = BARS[task_name]
    auc = f"{metrics['roc_auc']:.3f}" if metrics.get("roc_auc") is not None else "-"
    passed = "yes" if metrics.get(metric) is not None and metrics[metric] >= bar else "no"
    when = "-" if not seconds else f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
    return (f"| {task_name} | {name} | {metrics['n']} | {metrics['accuracy']:.3f} | {metrics['macro_f1']:.3f} | {auc} | "
            f"{metric} >= {bar}: {passed} | {when} | {chosen} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(BARS))
    args = parser.parse_args()

    rows = ["| task | model | n (test) | accuracy | macro-F1 | ROC-AUC | bar | train time | settings |",
            "|---|---|---|---|---|---|---|---|---|"]
    for task_name in args.tasks:
        task = get_task(task_name)
        results = {**baseline_results(task, args.data_dir), **model_results(task, Path(args.models), args.data_dir)}
        rows += [table_row(task_name, name, *result) for name, result in results.items()]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
