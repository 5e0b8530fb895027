"""A small generated HR data set in the layout of shared/data, for `hrm demo` on a machine without real data.

Everything is invented (and the UI says so): each task writes its own files (`Task.write_synthetic`: resumes
from per-category phrases, reviews from per-rating phrases, tables whose labels follow a hidden rule), so the
demo's models have something to learn. Same seed, same files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hrm_ray.tasks import TASKS


def write_sample_data(folder: str | Path, seed: int = 0, rows: int = 360) -> Path:
    folder = Path(folder)
    for index, task in enumerate(TASKS.values()):
        task.write_synthetic(folder, np.random.default_rng([seed, index]), rows)
    return folder
