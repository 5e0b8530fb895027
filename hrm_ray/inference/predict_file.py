"""`hrm predict`: batch inference over a JSONL file with Ray Data, one output line per input line, in order.

Records are checked on the driver first, so a bad line fails the run at once with its line number instead
of deep inside an actor. Scoring runs in `map_batches` on a pool of actors, each loading the model once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import ray

from hrm_ray.config import TrainConfig
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.kinds import get_kind
from hrm_ray.ray_session import ensure_ray
from hrm_ray.registry import resolve_model_dir
from hrm_ray.tasks import InputError, get_task

ROW = "__row__"


class PredictError(ValueError):
    pass


def read_records(path: Path, task_name: str) -> list[Any]:
    """The file's records, each checked by the task's kind (the only check they get)."""
    task = get_task(task_name)
    kind = get_kind(task.kind)
    if not path.is_file():
        raise PredictError(f"input file not found: {path}")
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                raise PredictError(f"{path}, line {number}: empty line (one JSON record per line expected)")
            try:
                record = kind.check_record(task, json.loads(line))
            except json.JSONDecodeError as error:
                raise PredictError(f"{path}, line {number}: not valid JSON ({error.msg})") from None
            except InputError as error:
                raise PredictError(f"{path}, line {number}: {error}") from None
            records.append(record)
    if not records:
        raise PredictError(f"{path} holds no records")
    return records


class _ScoringActor:
    def __init__(self, model_dir: str):
        self.predictor = load_predictor(model_dir)

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        records = [json.loads(text) for text in batch["record"]]
        predictions = self.predictor.predict(records)
        return pd.DataFrame({ROW: batch[ROW], "prediction": [json.dumps(p) for p in predictions]})


def predict_file(task_name: str, model: str, input_path: str, output_path: str, num_actors: int = 1, batch_size: int = 64) -> int:
    predictor_dir = model_for_task(model, task_name)
    records = read_records(Path(input_path), task_name)
    ensure_ray()
    # Records travel as JSON strings: nested dicts of mixed types do not survive Arrow's schema inference.
    dataset = ray.data.from_pandas(pd.DataFrame({ROW: range(len(records)), "record": [json.dumps(r) for r in records]}))
    scored = dataset.map_batches(
        _ScoringActor,
        fn_constructor_args=(predictor_dir,),
        batch_size=batch_size,
        batch_format="pandas",
        concurrency=num_actors,
        num_cpus=1,
    )
    rows = sorted(scored.take_all(), key=lambda row: row[ROW])
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(row["prediction"] + "\n")
    return len(rows)


def model_for_task(model: str, task_name: str) -> str:
    """The model folder (a registry task folder means its latest), checked to be trained for this task."""
    model_dir = resolve_model_dir(model)
    trained_for = TrainConfig.from_yaml(model_dir / "hrm_config.yaml").task
    if trained_for != task_name:
        raise PredictError(f"model {model_dir} was trained for {trained_for!r}, not {task_name!r}")
    return str(model_dir)
