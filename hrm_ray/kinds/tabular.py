"""Tabular: one employee's row of an HR table -> one of the task's labels (attrition, performance rating).

Records are `{"record": {column: value}}`; predictions as sequence classification's. Learners: `xgboost`
(gradient-boosted trees on the columns, numbers as they are and categories one-hot) and `transformer` (the
row serialised as "Column Name: value" lines, read by a fine-tuned encoder). A task declares which columns
follow from its decision (`after_decision_columns`): a model leaves them out unless its config puts them back.
Primary metric: macro-F1 (a binary task may declare ROC-AUC).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from hrm_ray.data import DataError, drop_duplicate_texts, drop_empty_texts, parse_labels, read_table, resolve_data_dir
from hrm_ray.kinds.base import Kind
from hrm_ray.kinds.records import InputError, Scalar, Strict, Unicode, check_number, is_missing, preview, unicode_problem
from hrm_ray.kinds.sequence_classification import ClassPrediction, labelled_splits
from hrm_ray.kinds.task import Task

log = logging.getLogger(__name__)


class TableRecord(Strict):
    record: dict[Unicode, Scalar] = Field(min_length=1, description="HR columns of one employee (the task's columns)")


class TabularTask(Task):
    """A task of this kind: `load` gives a frame with `record` (a dict per row) and `label`."""

    kind = "tabular"
    default_learner = "xgboost"

    target_column: str
    label_map: dict[str, str]
    # Identifiers and constant columns carry no signal; they are accepted in records and ignored.
    ignored_columns: tuple[str, ...] = ()
    feature_columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    # The range a numeric column can take in the domain (ages, amounts and counts >= 0, ratings on their
    # scale): a record outside it is refused by name instead of scored. Columns not listed: any finite number.
    valid_ranges: dict[str, tuple[float, float]] = {}
    # Columns that follow from the decision the model predicts, or from its outcome (a raise given for the
    # rating): a model that reads them learns the answer, not what comes before it. Left out by default;
    # the config's `columns` can put one back.
    after_decision_columns: tuple[str, ...] = ()
    # The XGBoost learner's settings where the config leaves them unset (XGBoostConfig's None).
    default_xgboost: dict[str, Any] = {"num_boost_round": 300, "max_depth": 4, "eta": 0.05}

    def load(self, data_dir: Path) -> pd.DataFrame:
        path = data_dir / self.data_files[0]
        table = read_table(path, [self.target_column, *self.feature_columns])
        labels = parse_labels(table, self.target_column, self.label_map, path)
        records = table[list(self.feature_columns)].copy()
        for column in self.numeric_columns:
            cells = records[column].str.strip()
            # A blank cell (or NA, null, ...) is a missing value, as a record without the column is at inference
            # (trees read it as missing, the text leaves the line out); any other cell that is no number is an error.
            blank = cells.map(is_missing)
            if blank.any():
                log.warning("%s: column %s has %d empty cell(s), read as missing", path, column, int(blank.sum()))
                records.loc[blank, column] = ""
            malformed = pd.to_numeric(cells, errors="coerce").isna() & ~blank
            if malformed.any():
                row = int(malformed.to_numpy().nonzero()[0][0])
                raise DataError(
                    f"{path}, line {row + 2}: column {column} has {records[column].iloc[row]!r}; expected a number"
                )
        return pd.DataFrame({"record": records.to_dict("records"), "label": labels})

    def training_frame(self, data_dir: Path) -> pd.DataFrame:
        """The rows fit to learn from: none without a value, no row that repeats another's values (ids aside),
        which could sit in both train and test."""
        frame = self.with_columns(self.load(data_dir), list(self.feature_columns))
        frame = drop_duplicate_texts(drop_empty_texts(frame, self.name), self.name)
        return frame.drop(columns="text")

    def default_columns(self) -> list[str]:
        """The columns known before the task's decision: what a model reads unless its config says otherwise."""
        return [c for c in self.feature_columns if c not in self.after_decision_columns]

    def check_columns(self, columns: list[str]) -> None:
        unknown = [c for c in columns if c not in self.feature_columns]
        if unknown:
            raise InputError(f"columns {unknown} are not {self.name} columns; its columns: {list(self.feature_columns)}")

    def with_columns(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """The frame with each row's text serialised from `columns` only."""
        return frame.assign(text=[self.serialise(record, columns) for record in frame["record"]])

    def check_record(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict) or not isinstance(record.get("record"), dict):
            raise InputError(f"{self.name} expects a record {{\"record\": {{column: value}}}}, got {preview(record)}")
        row = record["record"]
        known = set(self.feature_columns) | set(self.ignored_columns) | {self.target_column}
        unknown = sorted(set(row) - known)
        if unknown:
            raise InputError(f"record has unknown column(s) {unknown}; known columns: {list(self.feature_columns)}")
        present = [c for c in self.feature_columns if c in row]
        if not present:
            raise InputError(f"record has none of the columns {list(self.feature_columns)}")
        for column in present:
            value = row[column]
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise InputError(f"record.{column} must be a string or number, got {type(value).__name__}")
            if isinstance(value, str) and (problem := unicode_problem(value)):
                raise InputError(f"record.{column} {problem}")
            if column in self.numeric_columns and not is_missing(value):
                check_number(f"record.{column}", value, self.valid_ranges.get(column))
        return row

    # Categories the synthetic demo data draws from, per categorical column (others: "A", "B", "C").
    synthetic_categories: dict[str, tuple[str, ...]] = {}

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        """Invented rows whose label follows a hidden linear rule over the numeric columns, so a model can learn it."""
        import numpy as np

        frame = {}
        for column in self.feature_columns:
            if column in self.numeric_columns:
                low, high = self.valid_ranges.get(column, (0, 40))
                high = min(high, low + 40)
                frame[column] = rng.integers(int(low), int(high) + 1, size=rows)
            else:
                frame[column] = rng.choice(self.synthetic_categories.get(column, ("A", "B", "C")), size=rows)
        frame = pd.DataFrame(frame)
        numeric = frame[list(self.numeric_columns)].astype(float)
        signal = ((numeric - numeric.mean()) / numeric.std().replace(0, 1)) @ rng.normal(size=len(self.numeric_columns))
        signal = signal + rng.normal(scale=0.5 * signal.std(), size=rows)
        # Labels by quantile of the signal: the first label is the commonest, as in HR tables.
        cuts = np.quantile(signal, np.linspace(0, 1, len(self.labels) + 1)[1:-1] ** 0.7)
        raw_value = {label: raw for raw, label in self.label_map.items()}
        frame[self.target_column] = [raw_value[self.labels[i]] for i in np.searchsorted(cuts, signal)]
        path = folder / self.data_files[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)

    def serialise(self, row: dict[str, Any], columns: list[str] | None = None) -> str:
        """One "Column Name: value" line per column (all known ones by default), in a fixed order; missing
        values are left out."""
        lines = []
        for column in columns or self.feature_columns:
            value = row.get(column)
            if is_missing(value):
                continue
            lines.append(f"{_words(column)}: {str(value).strip().replace('_', ' ')}")
        return "\n".join(lines)


def _words(column: str) -> str:
    # "YearsSinceLastPromotion" -> "Years Since Last Promotion": the pretrained vocabulary knows the words.
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", column)


class Tabular(Kind):
    name = "tabular"
    primary_metric = "macro_f1"
    learners = ("xgboost", "transformer")
    record_schema = TableRecord
    prediction_schema = ClassPrediction

    def check_record(self, task, record: Any) -> dict:
        return {"record": task.check_record(record)}

    def splits(self, task, config) -> dict[str, pd.DataFrame]:
        frame = task.training_frame(resolve_data_dir(config.data_dir))
        # Training resolves `columns` to the task's default; a model folder saved before the setting read them all.
        return labelled_splits(task, config, task.with_columns(frame, config.columns or list(task.feature_columns)))

    def all_rows(self, task, config) -> pd.DataFrame:
        frame = task.load(resolve_data_dir(config.data_dir))
        return task.with_columns(frame, config.columns or list(task.feature_columns))

    def metrics(self, task, frame: pd.DataFrame, outputs) -> dict:
        import numpy as np

        from hrm_ray.evaluation.metrics import report_metrics

        return report_metrics(task.labels, np.asarray(task.label_index(frame)), outputs, frame)

    def predictor(self, task, model_dir, config, precision, device, max_tokens):
        if config.learner == "xgboost":
            from hrm_ray.inference.tabular import XGBoostPredictor

            return XGBoostPredictor(task, model_dir, config)
        from hrm_ray.inference.tabular import RowTransformer

        return RowTransformer(task, model_dir, config, precision, device, max_tokens)

    def trainer(self, task, config, scaling, run_config):
        if config.learner == "xgboost":
            from hrm_ray.train.xgboost_loop import xgboost_trainer

            return xgboost_trainer(config, task, scaling, run_config)
        from hrm_ray.train.transformer_loop import transformer_trainer

        return transformer_trainer(config, scaling, run_config)


KIND = Tabular()
