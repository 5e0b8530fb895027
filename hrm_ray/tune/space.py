"""Search spaces: which TrainConfig keys a search varies, and over what.

A space maps dotted config keys to one distribution each, in the same form in code and in a `--space` YAML:

    lr: {loguniform: [1.0e-5, 3.0e-4]}
    batch_size: {choice: [8, 16, 32]}
    xgboost.max_depth: {grid: [3, 5, 7]}     # every value, in every combination (tune.grid_search)

Kinds: uniform, loguniform, randint (upper bound exclusive), choice, grid.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import yaml
from ray import tune

from hrm_ray.config import ConfigError, TrainConfig

# Around each task's tested defaults; "epochs" is also the most ASHA lets a trial run.
TRANSFORMER_SPACE: dict[str, dict[str, list]] = {
    "lr": {"loguniform": [2e-5, 3e-4]},
    "batch_size": {"choice": [8, 16, 32]},
    "weight_decay": {"uniform": [0.0, 0.1]},
    "warmup_ratio": {"uniform": [0.0, 0.2]},
    "epochs": {"choice": [2, 3, 4]},
}
XGBOOST_SPACE: dict[str, dict[str, list]] = {
    "xgboost.max_depth": {"randint": [1, 9]},  # from stumps, attrition's default
    "xgboost.eta": {"loguniform": [0.01, 0.3]},
    "xgboost.num_boost_round": {"choice": [100, 200, 400, 800]},
}
DEFAULT_SPACES = {"transformer": TRANSFORMER_SPACE, "xgboost": XGBOOST_SPACE}

_RANGES = {"uniform": tune.uniform, "loguniform": tune.loguniform, "randint": tune.randint}
_LISTS = {"choice": tune.choice, "grid": tune.grid_search}

# What a search optimises: the task's primary metric on the validation split (ROC-AUC or macro-F1), the metric
# the task is judged by, for both learners (XGBoost's training itself still stops on log-loss).
OBJECTIVE = {"metric": "eval_{primary}", "mode": "max"}
# What it counts time in, per learner: transformers report every epoch, XGBoost every `xgboost.report_every`
# boosting rounds.
BUDGETS = {
    "transformer": {"time_attr": "epoch", "budget_key": "epochs"},
    "xgboost": {"time_attr": "round", "budget_key": "xgboost.num_boost_round"},
}


def objective(config: TrainConfig, primary_metric: str) -> dict[str, str]:
    return {"metric": OBJECTIVE["metric"].format(primary=primary_metric), "mode": OBJECTIVE["mode"],
            **BUDGETS[config.learner]}


def read_space(path: str | Path) -> dict[str, dict[str, list]]:
    try:
        space = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"search space file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"search space file {path} is not valid YAML: {error}") from None
    if not isinstance(space, dict) or not space:
        raise ConfigError(f"search space file {path} must map config keys to distributions")
    return space


def check_space(space: dict[str, Any], base: TrainConfig) -> None:
    """Every key is a config field and every value a distribution of a known kind; every value it can take
    must be accepted by the field (checked by setting it on a copy), so a trial never fails on a typo."""
    for key, spec in space.items():
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ConfigError(f"search space {key}: expected one of {{kind: values}}, got {spec!r}")
        (kind, values), = spec.items()
        if kind not in _RANGES and kind not in _LISTS:
            raise ConfigError(f"search space {key}: unknown kind {kind!r}; use one of {[*_RANGES, *_LISTS]}")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"search space {key}: {kind} needs a non-empty list, got {values!r}")
        if kind in _RANGES and (len(values) != 2 or not all(isinstance(v, (int, float)) for v in values)
                                or values[0] >= values[1]):
            raise ConfigError(f"search space {key}: {kind} needs [low, high] with low < high, got {values}")
        if kind == "loguniform" and values[0] <= 0:
            raise ConfigError(f"search space {key}: loguniform needs a positive lower bound, got {values[0]}")
        probe = TrainConfig.from_dict(base.to_dict())
        for value in values:
            try:
                probe.set(key, value)
            except ConfigError as error:  # an unknown key, or a value of the wrong type
                raise ConfigError(f"search space {key}: {error}") from None


def to_param_space(space: dict[str, dict[str, list]]) -> dict[str, Any]:
    """The space as Tune's param_space (the keys stay dotted config keys)."""
    params = {}
    for key, spec in space.items():
        (kind, values), = spec.items()
        params[key] = _RANGES[kind](*values) if kind in _RANGES else _LISTS[kind](values)
    return params


def grid_points(space: dict[str, dict[str, list]], num_samples: int, seed: int) -> list[dict[str, Any]]:
    """Every combination of the space's grid values, `num_samples` times, in an order shuffled by `seed`.

    Tune would run a grid in a fixed order (the first key slowest), and with one trial at a time ASHA stops a
    trial only by comparing it with the trials before it: a grid that starts with its slow learners lets them
    all run in full. A seeded shuffle makes that order a draw instead of a property of how the grid is written.
    """
    grid = {key: spec["grid"] for key, spec in space.items() if "grid" in spec}
    if not grid:
        return []
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())] * num_samples
    random.Random(seed).shuffle(points)
    return points


def largest_budget(space: dict[str, dict[str, list]], key: str, default: float) -> float:
    """The most epochs (or boosting rounds) any trial may run: ASHA's max_t."""
    spec = space.get(key)
    if spec is None:
        return default
    (kind, values), = spec.items()
    return max(values) if kind != "randint" else max(values) - 1
