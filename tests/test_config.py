import pytest

from hrm_ray.config import ConfigError, TrainConfig


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
