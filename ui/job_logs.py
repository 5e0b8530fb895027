"""A fine-tune job's logs, made readable: Ray's colour codes off, and the progress lines as curve points.

The progress lines are the ones the training loops print (hrm_ray/train/):
    [hrm] epoch 1.00 step 2/4 loss=1.093 grad_norm=0.3747 learning_rate=5e-05 epoch=1      (transformer, HF Trainer)
    [hrm] epoch 1.00 step 2/4 eval_loss=1.105 eval_macro_f1=0.2586 eval_runtime=0.5931 ...  (its evaluation)
    [10:25:20] [25]	validation-logloss:0.42110                                              (XGBoost, every 25 rounds)
"""

from __future__ import annotations

import re

from hrm_ray.console import strip_ansi

NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)"
TRANSFORMER_LINE = re.compile(r"\[hrm\] epoch (?P<epoch>[\d.]+) step \d+/\d+ (?P<values>.+)")
TRANSFORMER_VALUE = re.compile(rf"(\S+)=({NUMBER})(?!\S)")
XGBOOST_LINE = re.compile(r"\[(?P<round>\d+)\](?P<values>(?:\t\S+:\S+)+)\s*$")
XGBOOST_VALUE = re.compile(rf"\t(\w+)-(\S+):({NUMBER})(?!\S)")
CURVE_COLUMNS = ["Step", "Value", "Series"]  # the columns of the Models and Train tabs' line plots


def is_plotted(metric: str) -> bool:
    """Loss and validation scores are curves worth drawing; timings and throughputs are not."""
    if metric == "loss":
        return True
    return metric.startswith(("eval_", "validation_")) and "runtime" not in metric and "per_second" not in metric


def progress_points(logs: str) -> list[dict]:
    """Curve points ({"Step", "Value", "Series"}) from every progress line of the logs, in order, named and
    numbered as the model's saved training log names them (the Models tab's curve): Step is the epoch of a
    transformer and the boosting round (from 1) of XGBoost."""
    points = []
    for line in strip_ansi(logs).splitlines():
        if match := TRANSFORMER_LINE.search(line):
            step, values = float(match["epoch"]), TRANSFORMER_VALUE.findall(match["values"])
        elif match := XGBOOST_LINE.search(line):
            # XGBoost prints rounds from 0 and "validation-logloss"; the saved log says round 1, validation_logloss.
            step = int(match["round"]) + 1
            values = [(f"{data}_{metric}", value) for data, metric, value in XGBOOST_VALUE.findall(match["values"])]
        else:
            continue
        points += [{"Step": step, "Value": float(value), "Series": name} for name, value in values if is_plotted(name)]
    return points
