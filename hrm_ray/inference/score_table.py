"""Offline scoring of a whole table (an applicant pool, a workforce) with Ray Data, streaming, into Parquet.

The input (a CSV or Parquet file, or a folder of them) is read in blocks, scored by a pool of actors that
each load the model once, and written as Parquet part files, so memory stays flat however large the file.
Every input column is kept beside the predictions: `predicted_label`, `prob_<label>` per class, `score` for
binary tasks, and `error`, which names the problem for a row that could not be scored (its predictions are
empty). Nothing is dropped: the output has exactly the input's rows, in no guaranteed order (keep an id column).

Text tasks read one column (`--text-column`, default `text`); tabular tasks read the task's feature columns
that the table has, and ignore the others (ids, the label).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.csv
import ray

from hrm_ray.inference.predict_file import PredictError, model_for_task
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.kinds import get_kind
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.ray_session import ensure_ray
from hrm_ray.tasks import InputError, get_task

ERROR = "error"
LABEL = "predicted_label"
ENTITIES = "entities"


def read_table(path: str) -> ray.data.Dataset:
    """CSV (values may span lines, as resumes do) or Parquet, by extension; a folder holds either."""
    source = Path(path)
    if not source.exists():
        raise PredictError(f"input not found: {path}")
    files = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [source]
    suffixes = {"".join(p.suffixes[-2:]) if p.suffix == ".gz" else p.suffix for p in files}
    if suffixes and suffixes <= {".parquet"}:
        return ray.data.read_parquet(path)
    if suffixes and suffixes <= {".csv", ".csv.gz"}:
        return ray.data.read_csv(path, parse_options=pyarrow.csv.ParseOptions(newlines_in_values=True))
    raise PredictError(f"{path}: expected .csv, .csv.gz or .parquet file(s), found {sorted(suffixes) or 'none'}")


def check_columns(task_name: str, columns: list[str], text_column: str) -> None:
    """Fail before scoring when no row could be scored, naming what is missing."""
    task = get_task(task_name)
    if isinstance(task, TabularTask):
        if not set(task.feature_columns) & set(columns):
            raise PredictError(f"the table has none of {task_name}'s columns {list(task.feature_columns)}; "
                               f"it has {columns}")
    elif text_column not in columns:
        raise PredictError(f"the table has no column {text_column!r} (set --text-column); it has {columns}")
    taken = {LABEL, ERROR, ENTITIES, "score"} | {c for c in columns if c.startswith("prob_")}
    clash = sorted(taken & set(columns))
    if clash:
        raise PredictError(f"the table already has column(s) {clash}, which the scores are written to")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class TableScorer:
    """A Ray Data actor: one model copy, scoring pandas batches row by row into prediction columns."""

    def __init__(self, model_dir: str, text_column: str):
        self.predictor = load_predictor(model_dir)
        self.task = self.predictor.task
        self.kind = get_kind(self.task.kind)
        self.text_column = text_column

    def record(self, row: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self.task, TabularTask):
            values = {c: row[c] for c in self.task.feature_columns if c in row and not _missing(row[c])}
            return {"record": values}
        text = row[self.text_column]
        return {"text": "" if _missing(text) else text}

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        records, errors = [], []
        for row in batch.to_dict("records"):  # native Python values, as the HTTP API receives them
            try:
                records.append(self.kind.check_record(self.task, self.record(row)))
                errors.append(None)
            except InputError as error:
                records.append(None)
                errors.append(str(error))
        valid = [r for r in records if r is not None]
        predictions = iter(self.predictor.predict(valid))
        rows = [next(predictions) if r is not None else None for r in records]
        out = batch.copy()
        if self.task.kind == "token_classification":
            # Spans are nested records: one JSON list per row, as `hrm predict` writes them.
            out[ENTITIES] = [json.dumps(p["entities"], ensure_ascii=False) if p else None for p in rows]
        else:
            out[LABEL] = [p["label"] if p else None for p in rows]
            for label in self.task.labels:
                out[f"prob_{label}"] = [p["probabilities"][label] if p else None for p in rows]
            if self.task.is_binary:
                out["score"] = [p["score"] if p else None for p in rows]
        out[ERROR] = errors
        return out


def score_table(task_name: str, model: str, input_path: str, output_dir: str, text_column: str = "text",
                num_actors: int = 1, batch_size: int = 256) -> dict[str, Any]:
    """Score every row of the input into Parquet under output_dir; returns rows written and rows in error."""
    model_dir = model_for_task(model, task_name)
    ensure_ray()
    dataset = read_table(input_path)
    check_columns(task_name, dataset.columns(), text_column)
    output = Path(output_dir)
    if output.exists() and any(output.iterdir()):
        raise PredictError(f"output folder {output_dir} is not empty; pick a new one")
    scored = dataset.map_batches(
        TableScorer,
        fn_constructor_args=(model_dir, text_column),
        batch_size=batch_size,
        batch_format="pandas",
        concurrency=num_actors,
        num_cpus=1,
    )
    scored.write_parquet(str(output))
    written = ray.data.read_parquet(str(output)).select_columns([ERROR]).to_pandas()[ERROR]
    errors = written.dropna()
    return {"rows": int(len(written)), "errors": int(len(errors)),
            "first_error": None if errors.empty else str(errors.iloc[0]), "output": str(output)}
