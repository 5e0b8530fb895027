"""`hrm evaluate`: score a trained model on a task's test split, or on every row of a data folder."""

from __future__ import annotations

from hrm_ray.inference.predictor import load_predictor
from hrm_ray.kinds import get_kind

EVAL_SPLITS = ("test", "validation", "all")


def evaluate(model: str, data_dir: str, split: str = "test", precision: str = "fp32", device: str = "cpu") -> dict:
    if split not in EVAL_SPLITS:
        raise ValueError(f"--split must be one of {EVAL_SPLITS}, got {split!r}")
    predictor = load_predictor(model, precision=precision, device=device)
    task, config = predictor.task, predictor.config
    kind = get_kind(task.kind)
    config.data_dir = data_dir
    if split == "all":
        # Every row of every file the task reads, duplicates and all: the scoring a held-out folder needs.
        frame = kind.all_rows(task, config)
    else:
        config.max_train_samples = config.max_eval_samples = None  # the whole split, whatever training read
        frame = kind.splits(task, config)[split]
    metrics = kind.metrics(task, frame, predictor.outputs(frame))
    return {"task": task.name, "model": str(predictor.model_dir), "split": split, "precision": precision, **metrics}
