"""The metrics every task reports: n, accuracy, macro F1, per-class F1, and ROC/PR AUC for binary tasks."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score


def classification_metrics(labels: Sequence[str], y_true: np.ndarray, probs: np.ndarray) -> dict:
    """Metrics for integer labels `y_true` against class probabilities `probs` (n x len(labels))."""
    y_true = np.asarray(y_true)
    y_pred = probs.argmax(axis=1)
    classes = list(range(len(labels)))
    per_class = f1_score(y_true, y_pred, labels=classes, average=None, zero_division=0)
    metrics = {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        # Macro over every declared class, so a class the model never predicts counts as 0, not as absent.
        "macro_f1": float(np.mean(per_class)),
        "per_class_f1": {label: float(f1) for label, f1 in zip(labels, per_class)},
    }
    if len(labels) == 2:
        both_present = len(np.unique(y_true)) == 2
        metrics["roc_auc"] = float(roc_auc_score(y_true, probs[:, 1])) if both_present else None
        metrics["pr_auc"] = float(average_precision_score(y_true, probs[:, 1])) if both_present else None
    return metrics


def report_metrics(labels: Sequence[str], y_true: np.ndarray, probs: np.ndarray, frame) -> dict:
    """A split's metrics as hrm reports them (metrics.json, `hrm evaluate`): with the scores per group where
    the task's frame has groups."""
    metrics = classification_metrics(labels, y_true, probs)
    if "group" in frame:
        metrics["by_group"] = metrics_by_group(labels, y_true, probs, frame["group"])
    return metrics


def metrics_by_group(labels: Sequence[str], y_true: np.ndarray, probs: np.ndarray, groups: Sequence) -> dict:
    """n, accuracy and macro-F1 within each group (sentiment: each firm), largest group first: a split of
    few groups is several measurements, and one firm can carry most of a score."""
    y_true, groups = np.asarray(y_true), np.asarray(groups)
    names, counts = np.unique(groups, return_counts=True)
    by_group = {}
    for name in names[np.argsort(-counts, kind="stable")]:
        rows = groups == name
        scores = classification_metrics(labels, y_true[rows], probs[rows])
        by_group[str(name)] = {key: scores[key] for key in ("n", "accuracy", "macro_f1")}
    return by_group


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
