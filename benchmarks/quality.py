"""Every learner of each task on the same test split, with the validation score that chose the default.

    python benchmarks/quality.py --models models --data-dir $HRM_DATA_DIR [--tasks skills resume-ner-zh]

For every task it takes the newest full-data model of each of its kind's learners in the registry (train them
first: `hrm train TASK --learner L` for each L of `hrm tasks`' kinds) and scores it on the task's validation
and test splits (the splits training used). A task's default learner is the one that scores best on
validation (within the 30-minute CPU budget); the test split is scored once per model and never chooses.
Tabular tasks also get what a user would fit on the columns themselves (hrm_ray/baselines.py): logistic
regression and histogram gradient boosting, settings chosen by 5-fold cross-validation on train.
Prints a Markdown table (docs/results.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from hrm_ray.baselines import fit_tabular_baselines
from hrm_ray.config import TrainConfig
from hrm_ray.evaluation.evaluate import evaluate
from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.tasks import TASKS, Task, get_task
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.kinds import task_splits



def newest_full_models(registry: Path, task: str) -> dict[str, Path]:
    """learner -> newest model folder trained on the full data."""
    found: dict[str, Path] = {}
    for folder in sorted((registry / task).glob("2*")):
        config = TrainConfig.from_yaml(folder / "hrm_config.yaml")
        if config.max_train_samples is None and (folder / "metrics.json").is_file():
            found[config.learner] = folder
    return found


def baseline_results(task: Task, data_dir: str) -> dict[str, tuple[dict, dict | None, float, str]]:
    """Tabular tasks: name -> (test metrics, no validation score (CV chose), seconds to fit, settings chosen)."""
    if not isinstance(task, TabularTask):
        return {}
    splits = task_splits(task, TrainConfig(task=task.name, data_dir=data_dir, columns=task.default_columns()))
    train, test = splits["train"], splits["test"]
    results = {}
    for baseline in fit_tabular_baselines(task, train["record"].tolist(), task.label_index(train)):
        metrics = classification_metrics(task.labels, np.asarray(task.label_index(test)),
                                         baseline.predict_proba(test[baseline.column].tolist()))
        results[baseline.name] = (metrics, None, baseline.fit_seconds, baseline.chosen)
        print(f"[quality] {task.name} {baseline.name}: {baseline.chosen}", flush=True)
    return results


def model_results(task: Task, registry: Path, data_dir: str) -> dict[str, tuple[dict, dict, float | None, str]]:
    """`learner folder` -> (test metrics, validation metrics, training seconds from run_info.json, its recipe)."""
    results = {}
    for learner, folder in newest_full_models(registry, task.name).items():
        started = time.time()
        metrics = evaluate(str(folder), data_dir, "test")
        validation = evaluate(str(folder), data_dir, "validation")
        run_info = json.loads((folder / "run_info.json").read_text()) if (folder / "run_info.json").is_file() else {}
        seconds = run_info.get("train_runtime") or run_info.get("fit_seconds_with_selection")
        default = " (default)" if learner == task.default_learner else ""
        results[f"{learner}{default} `{folder.name}`"] = (metrics, validation, seconds, recipe_note(task, folder))
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


def table_row(task: Task, name: str, metrics: dict, validation: dict | None, seconds: float | None, chosen: str) -> str:
    metric = task.primary_metric
    value = metrics.get(metric)
    bar = "-" if task.quality_bar is None else f"{task.quality_bar:.2f}: {'yes' if value is not None and value >= task.quality_bar else 'no'}"
    val = "-" if validation is None or validation.get(metric) is None else f"{validation[metric]:.3f}"
    when = "-" if not seconds else f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
    shown = "-" if value is None else f"{value:.3f}"
    return f"| {task.name} | {name} | {metrics['n']} | {metric} | {val} | {shown} | {bar} | {when} | {chosen} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    args = parser.parse_args()

    rows = ["| task | model | n (test) | metric | validation | test | bar | train time | settings |",
            "|---|---|---|---|---|---|---|---|---|"]
    for task_name in args.tasks:
        task = get_task(task_name)
        results = {**baseline_results(task, args.data_dir), **model_results(task, Path(args.models), args.data_dir)}
        rows += [table_row(task, name, *result) for name, result in results.items()]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
