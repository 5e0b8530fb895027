"""Each task's fine-tuned models against a classical baseline on the same test split.

    python benchmarks/quality.py --models models --data-dir $HRM_DATA_DIR

For every task it takes the newest full-data model of each learner in the registry (train them first with
`hrm train TASK` and, for tabular tasks, `hrm train TASK --learner xgboost`), scores it on the task's test
split, and fits the baseline on the same train split: TF-IDF + logistic regression for text tasks (the
tabular tasks get it too, on their serialised rows). Prints a Markdown table for README.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from hrm_ray.baselines import fit_tfidf_baseline
from hrm_ray.config import TrainConfig
from hrm_ray.evaluate import evaluate
from hrm_ray.metrics import classification_metrics
from hrm_ray.tasks import TASKS, get_task
from hrm_ray.train.splits import task_splits

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


def tfidf_baseline(task_name: str, data_dir: str) -> dict:
    task = get_task(task_name)
    splits = task_splits(task, TrainConfig(task=task_name, data_dir=data_dir))
    predict_proba = fit_tfidf_baseline(splits["train"]["text"].tolist(), task.label_index(splits["train"]))
    probs = predict_proba(splits["test"]["text"].tolist())
    return classification_metrics(task.labels, np.asarray(task.label_index(splits["test"])), probs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="models")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    args = parser.parse_args()

    rows = ["| task | model | n | accuracy | macro-F1 | ROC-AUC | bar | train time |", "|---|---|---|---|---|---|---|---|"]
    for task_name in args.tasks:
        metric, bar = BARS[task_name]
        results = {"TF-IDF + logistic regression": (tfidf_baseline(task_name, args.data_dir), None)}
        for learner, folder in newest_full_models(Path(args.models), task_name).items():
            started = time.time()
            metrics = evaluate(str(folder), args.data_dir, "test")
            run_info = folder / "run_info.json"
            minutes = None
            if run_info.is_file():
                import json

                minutes = json.loads(run_info.read_text()).get("train_runtime", 0) / 60
            results[f"{learner} `{folder.name}`"] = (metrics, minutes)
            print(f"[quality] {task_name} {learner}: scored in {time.time() - started:.0f}s", flush=True)
        for name, (m, minutes) in results.items():
            auc = f"{m['roc_auc']:.3f}" if m.get("roc_auc") is not None else "-"
            passed = "yes" if m.get(metric) is not None and m[metric] >= bar else "no"
            when = f"{minutes:.1f} min" if minutes else "-"
            rows.append(f"| {task_name} | {name} | {m['n']} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {auc} | "
                        f"{metric} >= {bar}: {passed} | {when} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
