import pytest

from hrm_ray.train.deepspeed_config import deepspeed_config


@pytest.mark.parametrize("stage", [2, 3])
def test_batch_and_precision_stay_auto_so_training_arguments_decide(stage):
    config = deepspeed_config(stage)
    assert config["zero_optimization"]["stage"] == stage
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "gradient_clipping"):
        assert config[key] == "auto"
    assert config["bf16"]["enabled"] == "auto" and config["fp16"]["enabled"] == "auto"
    assert "offload_optimizer" not in config["zero_optimization"]


def test_stage3_gathers_weights_on_save_so_plain_transformers_can_load_the_model():
    assert deepspeed_config(3)["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True


def test_offload_moves_optimizer_and_for_stage3_parameters_to_cpu():
    assert deepspeed_config(2, offload=True)["zero_optimization"]["offload_optimizer"]["device"] == "cpu"
    assert "offload_param" not in deepspeed_config(2, offload=True)["zero_optimization"]
    assert deepspeed_config(3, offload=True)["zero_optimization"]["offload_param"]["device"] == "cpu"


def test_stage_zero_is_plain_ddp_and_bad_stages_are_refused():
    assert deepspeed_config(0) is None
    with pytest.raises(ValueError, match="one of"):
        deepspeed_config(1)
    with pytest.raises(ValueError, match="needs DeepSpeed"):
        deepspeed_config(0, offload=True)
