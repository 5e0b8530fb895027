"""One Tune trial: a whole `hrm train` run (TorchTrainer or XGBoostTrainer) with the trial's hyperparameters.

Tune cannot wrap a Ray Train trainer directly (STACK.md gotcha 5); a function trainable that builds and fits
one, with `TuneReportCallback` forwarding every report (validation score per epoch or per N boosting rounds,
then the final model's checkpoint path) to Tune, is the supported pattern.
"""

from __future__ import annotations

from typing import Any

from ray import tune
from ray.train import CheckpointConfig, FailureConfig, RunConfig
from ray.tune.integration.ray_train import TuneReportCallback

from hrm_ray import console
from hrm_ray.config import TrainConfig
from hrm_ray.ray_session import set_train_driver_env
from hrm_ray.train.run import build_trainer


def trial_config(base: dict[str, Any], params: dict[str, Any]) -> TrainConfig:
    config = TrainConfig.from_dict(base)
    for key, value in params.items():
        config.set(key, value)
    return config


def run_trial(params: dict[str, Any], base: dict[str, Any], train_storage: str) -> None:
    set_train_driver_env()  # this process is the Train run's driver, on whichever node Tune placed it
    config = trial_config(base, params)
    # The run is named after the trial: a trial restarted by a resumed search finds its Train run and
    # continues from its last checkpoint instead of starting over.
    run_config = RunConfig(
        name=f"train-{tune.get_context().get_trial_id()}",
        storage_path=train_storage,
        failure_config=FailureConfig(max_failures=config.max_failures),
        checkpoint_config=CheckpointConfig(num_to_keep=2),
        callbacks=[TuneReportCallback()],
        logging_config=console.train_logging_config(),
    )
    result = build_trainer(config, run_config).fit()
    if result.error:
        raise result.error
