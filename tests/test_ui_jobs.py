"""The Train tab's command: what the page shows is what it submits, and every flag is a real jobs/finetune.py flag."""

import argparse
import shlex

import pytest

from hrm_ray.cli import add_train_arguments, config_from_args
from hrm_ray.kinds import get_kind
from hrm_ray.tasks import TASKS
from ui.jobs import REPO, Finetune, finetune_arguments, job_request, learners, shell_command

RUN = Finetune(task="sentiment", learner="transformer", model="multilingual-e5-small", lr=5e-5, epochs=1.5,
               deepspeed=3, max_train_samples=400, data_dir="/data/hr files", output="/srv/models")


def test_the_shown_command_submits_exactly_the_job_the_page_submits():
    from ray.dashboard.modules.dashboard_sdk import parse_runtime_env_args
    from ray.dashboard.modules.job.cli import submit

    shown = shlex.split(shell_command("http://127.0.0.1:8265", RUN))
    assert shown[:4] == ["RAY_AUTH_MODE=token", "ray", "job", "submit"]
    # Ray's own `ray job submit` parser, and what it then passes to JobSubmissionClient.submit_job.
    params = submit.make_context("submit", shown[4:]).params
    request = job_request(RUN)
    assert params["address"] == "http://127.0.0.1:8265"
    assert shlex.join(params["entrypoint"]) == request["entrypoint"]
    runtime_env = parse_runtime_env_args(working_dir=params["working_dir"])
    assert runtime_env == request["runtime_env"] == {"working_dir": str(REPO)}
    assert shlex.split(request["entrypoint"])[1] == "jobs/finetune.py"
    assert (REPO / "jobs" / "finetune.py").is_file()


def _config(arguments):
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    return config_from_args(parser.parse_args(arguments))


def test_each_choice_becomes_the_train_flag_that_sets_it():
    config = _config(finetune_arguments(RUN))
    assert (config.task, config.learner, config.model, config.lr, config.epochs, config.deepspeed) == \
        ("sentiment", "transformer", "multilingual-e5-small", 5e-5, 1.5, 3)
    assert (config.max_train_samples, config.data_dir, config.output) == (400, "/data/hr files", "/srv/models")


def test_trees_get_no_transformer_flags_and_an_empty_data_dir_is_left_to_the_job():
    trees = Finetune(task="attrition", learner="xgboost", model="minilm", lr=None, epochs=None, deepspeed=2,
                     max_train_samples=300, data_dir="", output="/srv/models")
    assert finetune_arguments(trees) == ["attrition", "--learner", "xgboost", "--max-train-samples", "300",
                                         "--output", "/srv/models"]
    config = _config(finetune_arguments(trees))
    assert (config.learner, config.model, config.lr, config.epochs) == ("xgboost", None, None, None)


@pytest.mark.parametrize("learner", ["tfidf", "crf"])
def test_the_other_classical_learners_get_no_transformer_flags_either(learner):
    task = next(name for name, task in TASKS.items() if learner in get_kind(task.kind).learners)
    run = Finetune(task=task, learner=learner, model="minilm", lr=None, epochs=None, deepspeed=2,
                   max_train_samples=300, data_dir="", output="/srv/models")
    assert finetune_arguments(run) == [task, "--learner", learner, "--max-train-samples", "300",
                                       "--output", "/srv/models"]
    assert _config(finetune_arguments(run)).learner == learner


def test_the_learners_offered_are_the_kinds_with_the_tasks_default_first():
    assert learners("attrition") == ["xgboost", "transformer"]
    assert learners("sentiment") == ["transformer", "tfidf"]
    for name, task in TASKS.items():
        offered = learners(name)
        assert offered[0] == task.default_learner, name
        assert sorted(offered) == sorted(get_kind(task.kind).learners), name


def test_the_page_explains_a_command_it_cannot_make_yet():
    from ui.app import preview

    choices = ("sentiment", "transformer", "minilm", None, 3.0, 2, 400)  # the learning rate box emptied
    assert preview(None, "", "/srv/models", *choices) == "# Learning rate must be a positive number."
    trees = ("attrition", "xgboost", "minilm", None, None, 2, 400)  # XGBoost needs no learning rate
    assert preview("http://head:8265", "", "/srv/models", *trees).endswith(
        "jobs/finetune.py attrition --learner xgboost --max-train-samples 400 --output /srv/models")
