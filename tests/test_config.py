import pytest

from hrm_ray.config import ConfigError, TrainConfig
from hrm_ray.kinds import get_kind
from hrm_ray.tasks import TASKS


def test_yaml_round_trip_keeps_every_field(tmp_path):
    config = TrainConfig(task="attrition", lr=3e-5, max_length=200, deepspeed=3)
    config.xgboost.max_depth = 6
    config.save(tmp_path / "hrm_config.yaml")
    assert TrainConfig.from_yaml(tmp_path / "hrm_config.yaml") == config


def test_dotted_overrides_convert_to_the_field_type():
    config = TrainConfig()
    config.apply_overrides(["lr=1e-4", "xgboost.max_depth=7", "use_gpu=true", "max_length=none", "epochs=2"])
    assert config.lr == 1e-4 and isinstance(config.lr, float)
    assert config.xgboost.max_depth == 7
    assert config.use_gpu is True
    assert config.max_length is None
    assert config.epochs == 2.0


@pytest.mark.parametrize(
    "override, message",
    [
        ("nope=1", "unknown config key: nope"),
        ("xgboost.nope=1", "unknown config key: xgboost.nope"),
        ("batch_size=abc", "batch_size expects int"),
        ("use_gpu=maybe", "use_gpu expects bool"),
        ("lr", "not of the form key=value"),
        ("xgboost=3", "is a section"),
    ],
)
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig().apply_overrides([override])


def test_yaml_file_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        TrainConfig.from_yaml(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        TrainConfig.from_yaml(tmp_path / "list.yaml")


def test_task_defaults_fill_what_the_config_leaves_open_and_an_override_wins():
    from hrm_ray.train.run import resolve_task_defaults

    sentiment, screening, chosen = TrainConfig(task="sentiment"), TrainConfig(task="screening"), TrainConfig(task="sentiment")
    chosen.apply_overrides(["class_weighted_loss=false", "max_length=64", "attention_dropout=0.2"])
    for config in (sentiment, screening, chosen):
        resolve_task_defaults(config)
    assert sentiment.class_weighted_loss is True and screening.class_weighted_loss is False
    assert sentiment.attention_dropout is None and screening.attention_dropout == 0.0  # None: the backbone's own
    assert chosen.class_weighted_loss is False and chosen.max_length == 64 and chosen.attention_dropout == 0.2
    assert sentiment.max_chunks == 4 and sentiment.epochs == 3.0


@pytest.mark.parametrize("name", list(TASKS))
def test_the_backbone_and_learner_are_the_tasks_unless_the_config_sets_them(name):
    from hrm_ray.train.run import resolve_task_defaults

    task = TASKS[name]
    left_open, chosen = TrainConfig(task=name), TrainConfig(task=name, model="multilingual-e5-small-enpt")
    assert (left_open.model, left_open.learner) == (None, None)
    for config in (left_open, chosen):
        resolve_task_defaults(config)
    # An English-only vocabulary cannot read Chinese: those tasks default to the multilingual encoder.
    assert left_open.model == ("multilingual-e5-small" if task.language == "zh" else "minilm")
    assert left_open.learner == task.default_learner and left_open.learner in get_kind(task.kind).learners
    assert chosen.model == "multilingual-e5-small-enpt"


def test_tree_settings_come_from_the_task_unless_the_config_sets_them():
    from hrm_ray.train.run import resolve_task_defaults

    attrition, performance, chosen = (TrainConfig(task=t) for t in ("attrition", "performance", "attrition"))
    chosen.apply_overrides(["xgboost.max_depth=3"])
    for config in (attrition, performance, chosen):
        resolve_task_defaults(config)
    assert (attrition.xgboost.max_depth, attrition.xgboost.eta, attrition.xgboost.num_boost_round) == (1, 0.1, 1000)
    assert (performance.xgboost.max_depth, performance.xgboost.eta) == (4, 0.05)
    assert (chosen.xgboost.max_depth, chosen.xgboost.eta) == (3, 0.1)  # what is set wins; the rest is the task's


def test_balanced_class_weights_give_every_class_the_same_total_weight():
    from hrm_ray.train.class_weights import balanced_class_weights

    labels = [0, 0, 0, 0, 0, 0, 1, 1, 2]
    weights = balanced_class_weights(labels, 4).tolist()  # class 3 never occurs: a finite weight, no division by 0
    totals = [weights[c] * labels.count(c) for c in range(3)]
    assert totals == pytest.approx([9 / 4] * 3)  # n / classes, as in a balanced set of the same size
    assert weights[3] == pytest.approx(9 / 4)


@pytest.mark.parametrize("attention_dropout, expected", [(0.0, 0.0), (0.05, 0.05), (None, 0.1)])
def test_attention_dropout_replaces_the_backbones_own_and_none_keeps_it(attention_dropout, expected):
    from hrm_ray.backbones import load_classifier

    _, model = load_classifier("minilm", ("a", "b"), attention_dropout)
    assert model.config.attention_probs_dropout_prob == expected  # saved with the model: config.json
    assert {layer.attention.self.dropout.p for layer in model.base_model.encoder.layer} == {expected}
    assert model.config.hidden_dropout_prob == 0.1  # the other dropouts stay
