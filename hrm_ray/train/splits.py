"""A task's train/validation/test frames for a config: the same rows on every worker and every run."""

from __future__ import annotations

import pandas as pd

from hrm_ray.config import TrainConfig
from hrm_ray.data import SplitSpec, resolve_data_dir, split_frame, stratified_subset
from hrm_ray.tasks import TabularTask, Task


def task_splits(task: Task, config: TrainConfig) -> dict[str, pd.DataFrame]:
    frame = task.training_frame(resolve_data_dir(config.data_dir))
    if isinstance(task, TabularTask) and config.columns:
        frame = task.with_columns(frame, config.columns)
    # The split seed is fixed, not config.seed: changing the training seed must not move test rows.
    splits = split_frame(frame, SplitSpec())
    if config.max_train_samples:
        splits["train"] = stratified_subset(splits["train"], config.max_train_samples, config.seed)
    if config.max_eval_samples:
        splits["validation"] = stratified_subset(splits["validation"], config.max_eval_samples, config.seed)
    return splits
