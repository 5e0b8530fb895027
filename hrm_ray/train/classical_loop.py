"""The classical learners (TF-IDF + logistic regression, CRF) as a one-worker Ray Train run.

They fit in one process, so one worker does it; running them through Ray Train anyway gives them what the
other learners have: the cluster runs them (`ray job submit`), the model folder is reported as a checkpoint to
the run's storage, and `hrm train` publishes it the same way. The kind fits the learner, choosing its
settings on validation (`Kind.fit_classical`); the test split is scored once, with the chosen model.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import ray.train

from hrm_ray.config import TrainConfig
from hrm_ray.kinds import get_kind
from hrm_ray.tasks import get_task

FINAL_MODEL_DIR = "model"


def train_loop_per_worker(config_dict: dict) -> None:
    from hrm_ray.inference.predictor import load_predictor

    config = TrainConfig.from_dict(config_dict)
    task = get_task(config.task)
    kind = get_kind(task.kind)

    # ---- setup and fit: settings chosen on validation ----
    splits = kind.splits(task, config)
    started = time.perf_counter()
    model, chosen = kind.fit_classical(task, config, splits)
    fit_seconds = time.perf_counter() - started
    print(f"[hrm] {config.learner} fitted in {fit_seconds:.0f} s; chosen on validation: {json.dumps(chosen)}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / FINAL_MODEL_DIR
        model_dir.mkdir()
        model.save(model_dir)
        config.save(model_dir / "hrm_config.yaml")  # read back by the predictor; publishing writes it again

        # ---- test: the saved model, scored as `hrm evaluate` would ----
        predictor = load_predictor(model_dir)
        metrics = kind.metrics(task, splits["test"], predictor.outputs(splits["test"]))
        (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
        (model_dir / "run_info.json").write_text(json.dumps(
            {"train_rows": len(splits["train"]), "validation_rows": len(splits["validation"]),
             "fit_seconds_with_selection": fit_seconds, "chosen_on_validation": chosen}, indent=2))
        summary = {"final": 1, "test_" + task.primary_metric: metrics.get(task.primary_metric)}
        ray.train.report(summary, checkpoint=ray.train.Checkpoint.from_directory(tmp))


def classical_trainer(config: TrainConfig, run_config):
    """A DataParallelTrainer of one worker (the learner is single-process), with the config's CPUs."""
    from ray.train import ScalingConfig
    from ray.train.v2.api.data_parallel_trainer import DataParallelTrainer  # Train V2, as TorchTrainer is

    scaling = ScalingConfig(num_workers=1, resources_per_worker={"CPU": config.cpus_per_worker})
    return DataParallelTrainer(train_loop_per_worker, train_loop_config=config.to_dict(), scaling_config=scaling,
                               run_config=run_config)
