"""Record checks at the edge (numbers a model cannot read, impossible values, text that is not valid Unicode),
and which columns a tabular model reads (those known before its decision, unless the config says others)."""

from __future__ import annotations

import numpy as np
import pytest

from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.evaluation.metrics import metrics_by_group
from hrm_ray.kinds import get_kind
from hrm_ray.model_card import model_card
from hrm_ray.learners.tabular_features import feature_schema
from hrm_ray.tasks import InputError, get_task
from hrm_ray.train.run import check_config, resolve_task_defaults

ATTRITION = get_task("attrition")
SENTIMENT = get_task("sentiment")


def check_text_record(text):
    """What the API, `hrm predict` and batch scoring do with a text record before any model reads it."""
    return get_kind(SENTIMENT.kind).check_record(SENTIMENT, {"text": text})


@pytest.mark.parametrize("value,message", [
    (1e300, "must be a finite number"), (3.5e38, "must be a finite number"), (float("inf"), "must be a finite number"),
    ("-inf", "must be a finite number"), (True, "must be a number, got true"), ("old", "must be a number, got 'old'"),
    (-5, "must be in [14, 100], got -5"), (101, "must be in [14, 100], got 101"),
])
def test_an_age_no_model_can_read_or_no_person_has_is_refused_by_name(value, message):
    with pytest.raises(InputError, match=r"record\.Age " + message.replace("[", r"\[").replace("]", r"\]")):
        ATTRITION.check_record({"record": {"Age": value}})


@pytest.mark.parametrize("value", [14, 60.5, "33", 100, None, "NA", float("nan")])
def test_a_possible_age_or_a_missing_one_is_accepted(value):
    assert ATTRITION.check_record({"record": {"Age": value}}) == {"Age": value}


def test_ratings_and_amounts_have_their_scales():
    with pytest.raises(InputError, match=r"record\.JobSatisfaction must be in \[1, 4\], got 0"):
        ATTRITION.check_record({"record": {"JobSatisfaction": 0}})
    with pytest.raises(InputError, match=r"record\.MonthlyIncome must be in \[0, inf\], got -1000"):
        ATTRITION.check_record({"record": {"MonthlyIncome": -1000}})
    assert ATTRITION.check_record({"record": {"MonthlyIncome": 3.4e38}})  # the largest float32 still reads


@pytest.mark.parametrize("text,message", [
    ("\ud800", "unpaired surrogate at character 0"), ("Nurse \udfff", "unpaired surrogate at character 6"),
    ("\x00\x00", "only whitespace and control characters"), (" \u200b\t", "only whitespace and control characters"),
])
def test_text_that_is_not_valid_unicode_or_has_nothing_to_read_is_refused(text, message):
    with pytest.raises(InputError, match=f"field 'text' .*{message}"):
        check_text_record(text)


def test_a_record_value_that_is_not_valid_unicode_is_refused():
    with pytest.raises(InputError, match=r"record\.Department has an unpaired surrogate at character 5"):
        get_kind(ATTRITION.kind).check_record(ATTRITION, {"record": {"Department": "Sales\ud800"}})


@pytest.mark.parametrize("text", ["Café, naïve, 中文, 😀", "ok \x00 with a NUL inside"])
def test_real_text_passes_unchanged(text):
    checked = check_text_record(text)
    assert checked == {"text": text}
    assert SENTIMENT.record_to_text(checked) == text  # what the model reads


# ---- columns known before the decision ----

def test_performance_leaves_out_the_raise_and_attrition_by_default(data_dir):
    config = TrainConfig(task="performance", data_dir=str(data_dir))
    resolve_task_defaults(config)
    assert "EmpLastSalaryHikePercent" not in config.columns and "Attrition" not in config.columns
    assert len(config.columns) == len(get_task("performance").feature_columns) - 2
    schema = feature_schema(get_task("performance"), [{"EmpLastSalaryHikePercent": 20, "Attrition": "No"}],
                            config.columns)
    assert "EmpLastSalaryHikePercent" not in schema["numeric"] and "Attrition" not in schema["categories"]
    card = model_card(get_task("performance"), config, {"n": 1}, "v1")
    assert "Left out: Attrition, EmpLastSalaryHikePercent (known only after the decision)" in card


def test_a_config_can_put_a_column_back_and_the_card_says_so(data_dir):
    config = TrainConfig(task="performance", data_dir=str(data_dir))
    config.apply_overrides(["columns=Age, EmpLastSalaryHikePercent"])
    assert config.columns == ["Age", "EmpLastSalaryHikePercent"]
    resolve_task_defaults(config)
    assert config.columns == ["Age", "EmpLastSalaryHikePercent"]
    assert "Reads columns known only after the decision** (EmpLastSalaryHikePercent)" in model_card(
        get_task("performance"), config, {"n": 1}, "v1")
    text = get_task("performance").serialise({"Age": 40, "EmpJobLevel": 2, "EmpLastSalaryHikePercent": 20},
                                             config.columns)
    assert text == "Age: 40\nEmp Last Salary Hike Percent: 20"


def test_unknown_columns_and_columns_of_a_text_task_are_config_errors(data_dir):
    config = TrainConfig(task="performance", data_dir=str(data_dir), columns=["Shoe"])
    resolve_task_defaults(config)
    with pytest.raises(ConfigError, match=r"columns \['Shoe'\] are not performance columns"):
        check_config(config)
    with pytest.raises(ConfigError, match="columns is a setting of the tabular tasks, not of sentiment"):
        check_config(TrainConfig(task="sentiment", data_dir=str(data_dir), columns=["Age"], epochs=1, lr=1e-4,
                                 batch_size=8, learner="transformer"))


def test_attrition_reads_every_column():
    assert ATTRITION.default_columns() == list(ATTRITION.feature_columns)


# ---- scores per group ----

def test_scores_by_group_are_each_groups_own_largest_first():
    labels = ("negative", "neutral", "positive")
    y = np.array([0, 1, 2, 2, 2, 0])
    probs = np.eye(3)[[0, 1, 2, 0, 2, 0]]  # one mistake, in firm A
    groups = ["A", "A", "A", "A", "B", "B"]
    by_group = metrics_by_group(labels, y, probs, groups)
    assert list(by_group) == ["A", "B"]
    assert by_group["A"] == {"n": 4, "accuracy": 0.75, "macro_f1": pytest.approx((2 / 3 + 1 + 2 / 3) / 3)}
    assert by_group["B"]["n"] == 2 and by_group["B"]["accuracy"] == 1.0
