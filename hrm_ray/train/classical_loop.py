"""The classical learners (TF-IDF + logistic regression, CRF): one Ray task that fits, scores and packs a model.

They fit in one process, so one Ray task on the cluster does it (`ray job submit` runs them like the other
learners), and sends the model folder back packed as bytes (a few MB), so the driver publishes it the same
way wherever the task ran. A Ray task and not a one-worker Ray Train run: runs started back to back in one
Ray (the tests, `hrm demo`) lost the new run's worker when the previous run's placement group was cleaned up
(Ray 2.60), and a learner that never checkpoints mid-way gains nothing from Train. The kind fits the learner,
choosing its settings on validation (`Kind.fit_classical`); the test split is scored once, with the chosen model.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
import time
from pathlib import Path

from hrm_ray.config import TrainConfig
from hrm_ray.kinds import get_kind
from hrm_ray.tasks import get_task

FINAL_MODEL_DIR = "model"


def fit_and_pack(config_dict: dict) -> bytes:
    """Fit the learner, score its test split, and return the model folder as a tar archive."""
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
             "fit_seconds_with_selection": fit_seconds, "chosen_on_validation": chosen}, indent=2, default=str))
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as archive:
            archive.add(model_dir, arcname=FINAL_MODEL_DIR)
        return packed.getvalue()


def train_classical(config: TrainConfig, into: Path) -> Path:
    """Run `fit_and_pack` as a Ray task with the config's CPUs and unpack its folder under `into`."""
    import ray

    task = ray.remote(num_cpus=config.cpus_per_worker, max_retries=config.max_failures)(fit_and_pack)
    packed = ray.get(task.remote(config.to_dict()))
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
        archive.extractall(into, filter="data")
    return into
