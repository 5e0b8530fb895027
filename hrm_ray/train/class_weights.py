"""Class weights for the loss: each class counts as much as in a balanced training set (macro-F1 weighs classes
alike). Kept free of Ray so that a bare training loop (experiments/recipe_sweep.py) uses the same weights."""

from __future__ import annotations

import numpy as np
import torch


def balanced_class_weights(labels: list[int], n_classes: int) -> torch.Tensor:
    """n / (classes x count) per class: each class weighs as much in the loss as a balanced set would give it."""
    counts = np.bincount(np.asarray(labels), minlength=n_classes).astype(np.float64)
    return torch.tensor(len(labels) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)
