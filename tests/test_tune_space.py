"""Search spaces and search settings: what `hrm tune` accepts, and the errors for what it does not."""

from __future__ import annotations

import pytest
from ray import tune

from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.tune.search import SearchSettings, concurrent_trials, run_search
from hrm_ray.tune.space import (DEFAULT_SPACES, check_space, grid_points, largest_budget, objective, read_space,
                                to_param_space)


@pytest.mark.parametrize("learner", sorted(DEFAULT_SPACES))
def test_the_default_spaces_are_valid_and_become_tune_domains(learner):
    space = DEFAULT_SPACES[learner]
    check_space(space, TrainConfig(task="attrition"))
    params = to_param_space(space)
    assert set(params) == set(space)
    assert all(isinstance(p, tune.search.sample.Domain) for p in params.values())


@pytest.mark.parametrize("space,message", [
    ({"learning_rate": {"uniform": [0.1, 0.2]}}, "unknown config key: learning_rate"),
    ({"lr": {"normal": [0, 1]}}, "unknown kind 'normal'"),
    ({"lr": {"uniform": [0.2, 0.1]}}, "low < high"),
    ({"lr": {"loguniform": [0, 0.1]}}, "positive lower bound"),
    ({"lr": {"choice": []}}, "non-empty list"),
    ({"lr": [1e-4, 3e-4]}, "expected one of"),
    ({"batch_size": {"choice": [8, "big"]}}, "batch_size expects int"),
    ({"xgboost.max_depth": {"grid": [3.5]}}, "xgboost.max_depth expects int"),
])
def test_a_bad_space_is_an_error_naming_the_key(space, message):
    with pytest.raises(ConfigError, match=message):
        check_space(space, TrainConfig())


def test_a_space_file_round_trips_and_bad_files_are_named(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("lr: {loguniform: [1.0e-5, 1.0e-3]}\nxgboost.max_depth: {grid: [3, 5]}\n")
    assert read_space(path) == {"lr": {"loguniform": [1e-5, 1e-3]}, "xgboost.max_depth": {"grid": [3, 5]}}
    assert to_param_space(read_space(path))["xgboost.max_depth"] == {"grid_search": [3, 5]}
    with pytest.raises(ConfigError, match="not found"):
        read_space(tmp_path / "missing.yaml")
    path.write_text("- lr\n")
    with pytest.raises(ConfigError, match="must map config keys"):
        read_space(path)


def test_objectives_and_budgets_follow_the_learner():
    transformer = objective(TrainConfig(learner="transformer"), "macro_f1")
    assert transformer == {"metric": "eval_macro_f1", "mode": "max", "time_attr": "epoch", "budget_key": "epochs"}
    # Both learners are compared on the task's primary metric on validation, never on XGBoost's log-loss.
    assert objective(TrainConfig(learner="xgboost"), "roc_auc") == {
        "metric": "eval_roc_auc", "mode": "max", "time_attr": "round", "budget_key": "xgboost.num_boost_round"}
    assert largest_budget({"epochs": {"choice": [2, 5, 3]}}, "epochs", 1) == 5
    assert largest_budget({"xgboost.num_boost_round": {"randint": [10, 50]}}, "xgboost.num_boost_round", 1) == 49
    assert largest_budget({}, "epochs", 3) == 3


def test_a_grid_runs_every_combination_in_a_seeded_shuffled_order():
    space = {"xgboost.max_depth": {"grid": [2, 3, 4]}, "xgboost.eta": {"grid": [0.1, 0.3]}, "lr": {"uniform": [0, 1]}}
    in_written_order = [{"xgboost.max_depth": d, "xgboost.eta": e} for d in (2, 3, 4) for e in (0.1, 0.3)]
    points = grid_points(space, 2, seed=0)
    assert sorted(map(str, points)) == sorted(map(str, in_written_order * 2))  # each combination, twice
    assert points == grid_points(space, 2, seed=0)  # a resumed or repeated search runs the same order
    assert points != in_written_order * 2 and points != grid_points(space, 2, seed=1)
    assert grid_points({"lr": {"uniform": [0, 1]}}, 3, seed=0) == []  # no grid: Tune draws as before


def test_trials_that_cannot_fit_the_cluster_are_refused_before_any_starts(ray_session):
    cpus = ray_session.cluster_resources()["CPU"]
    wide = TrainConfig(num_workers=int(cpus) + 1)
    with pytest.raises(ConfigError, match=r"one trial needs .* CPUs .* lower --num-workers"):
        concurrent_trials(wide, SearchSettings())
    narrow = TrainConfig(num_workers=1)
    assert concurrent_trials(narrow, SearchSettings(trial_cpus=0.5)) == int(cpus // 1.5)
    assert concurrent_trials(narrow, SearchSettings(max_concurrent=1)) == 1


def test_resuming_a_search_whose_folder_lost_its_settings_names_the_folder(tmp_path):
    # The marker says which search was last; its saved settings (hrm_search.yaml) are gone.
    (tmp_path / ".tune").mkdir()
    (tmp_path / ".tune" / "attrition.last_run").write_text("attrition-xgboost-20260101-000000")
    config = TrainConfig(task="attrition", output=str(tmp_path), resume=True)
    with pytest.raises(ConfigError, match="attrition-xgboost-20260101-000000 holds no search to resume"):
        run_search(config, SearchSettings())
