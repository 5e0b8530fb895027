"""`hrm evaluate`: score a trained model on a task's test split, or on every row of a data folder."""

from __future__ import annotations

import numpy as np

from hrm_ray.data import resolve_data_dir
from hrm_ray.metrics import report_metrics
from hrm_ray.predictor import Predictor
from hrm_ray.tasks import TabularTask
from hrm_ray.train.splits import task_splits

EVAL_SPLITS = ("test", "validation", "all")


def evaluate(model: str, data_dir: str, split: str = "test", precision: str = "fp32", device: str = "cpu") -> dict:
    if split not in EVAL_SPLITS:
        raise ValueError(f"--split must be one of {EVAL_SPLITS}, got {split!r}")
    predictor = Predictor(model, precision=precision, device=device)
    task = predictor.task
    if split == "all":
        # Every row of every file the task reads, duplicates and all: the scoring a held-out folder needs.
        frame = task.load(resolve_data_dir(data_dir))
        if isinstance(task, TabularTask):
            frame = task.with_columns(frame, predictor.columns)
    else:
        config = predictor.config
        config.data_dir = data_dir
        config.max_train_samples = config.max_eval_samples = None  # the whole split, whatever training read
        frame = task_splits(task, config)[split]
    probs = predictor.probabilities(frame)
    metrics = report_metrics(task.labels, np.asarray(task.label_index(frame)), probs, frame)
    return {"task": task.name, "model": str(predictor.model_dir), "split": split, "precision": precision, **metrics}
