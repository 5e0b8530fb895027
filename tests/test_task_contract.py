"""The contract every registered task keeps, whatever its kind: one test per task, from the registry.

Each task reads its real data (and its own synthetic sample), its default learner trains a small model
(the serve registry's, trained once a session), the model predicts records of the kind's schema, `hrm
evaluate` scores it with the kind's primary metric, and the prediction round-trips through the API schema.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hrm_ray.cli import main
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.kinds import KINDS, get_kind
from hrm_ray.serve.schemas import PredictResponse
from hrm_ray.tasks import TASKS

TASK_NAMES = list(TASKS)


def sample_records(task, frame, count: int = 3) -> list[dict]:
    """Raw records as a client sends them, from the task's own rows."""
    rows = frame.head(count)
    if "record" in rows:
        return [{"record": row} for row in rows["record"]]
    return [{"text": text} for text in rows["text"]]


def test_every_task_is_one_folder_registered_with_a_known_kind():
    for name, task in TASKS.items():
        assert task.kind in KINDS, name
        assert type(task).__module__ == f"hrm_ray.tasks.{name.replace('-', '_')}", name
        assert task.default_learner in get_kind(task.kind).learners, name
        assert set(task.profiles) >= {"fast", "small"}, name


@pytest.mark.parametrize("name", TASK_NAMES)
def test_task_reads_its_data_and_its_synthetic_sample(name, data_dir, tmp_path):
    task = TASKS[name]
    frame = task.training_frame(data_dir)
    assert len(frame) > 100
    task.write_synthetic(tmp_path, np.random.default_rng(0), 60)
    sample = task.training_frame(tmp_path)
    assert len(sample) >= 15 and list(sample.columns) == list(frame.columns)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_task_trains_predicts_evaluates_and_round_trips_the_api_schema(name, serve_registry, data_dir, capsys):
    task = TASKS[name]
    kind = get_kind(task.kind)
    predictor = load_predictor(serve_registry / name)
    assert predictor.config.learner == task.default_learner

    # Predict: raw records through the kind's check, then the model, in order.
    split = kind.splits(task, predictor.config)["test"]
    raw = sample_records(task, split)
    predictions = predictor.predict(kind.check_records(task, raw))
    assert len(predictions) == len(raw)
    for prediction in predictions:
        kind.prediction_schema.model_validate(prediction)
    body = PredictResponse.model_validate({"predictions": predictions, "model": {"task": name, "version": "v"}})
    assert body.model_dump(exclude_none=True)["predictions"] == [
        {k: v for k, v in p.items() if v is not None} for p in predictions]
    if task.kind == "token_classification":
        for record, prediction in zip(raw, predictions):
            for entity in prediction["entities"]:
                assert record["text"][entity["start"]:entity["end"]] == entity["text"]
                assert entity["type"] in task.entity_types and 0 <= entity["score"] <= 1

    # Evaluate: the kind's metrics with its primary one, on the whole test split, as metrics.json has them.
    assert main(["evaluate", name, "--model", str(serve_registry / name), "--data-dir", str(data_dir)]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((predictor.model_dir / "metrics.json").read_text())
    assert printed["n"] == len(split) == saved["n"]
    assert printed[task.primary_metric] == pytest.approx(saved[task.primary_metric], abs=1e-6)
    if task.kind == "token_classification":
        assert set(printed["per_type_f1"]) <= set(task.entity_types) and printed["micro_f1"] > 0.2
