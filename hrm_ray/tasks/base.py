"""What every HR task declares: its labels, how it reads its raw data, how a record becomes model text.

A task is one small module in this package. Text tasks take `{"text": ...}` records; tabular tasks take
`{"record": {column: value}}` and are serialised as "column: value" lines for the transformer, or used as
columns by gradient-boosted trees.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hrm_ray.data import DataError, drop_duplicate_texts, drop_empty_texts, parse_labels, read_table

log = logging.getLogger(__name__)

# How exports write a missing value (pandas' own NA spellings, lower-cased).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-"})


def is_missing(value: Any) -> bool:
    """None, NaN, or a blank or NA-like string: a value the record does not have."""
    if isinstance(value, float):
        return value != value  # NaN, as pandas gives a table's empty cell
    return value is None or (isinstance(value, str) and value.strip().lower() in _MISSING)


class InputError(ValueError):
    """A prediction record that does not fit the task; the message names the field."""


# Beyond float32 a value overflows the trees' float32 matrix (XGBoost refuses it as "inf or too large").
_FLOAT32_MAX = float(np.finfo(np.float32).max)


# Valid ranges the tabular tasks share.
NON_NEGATIVE = (0.0, math.inf)  # amounts, counts, distances, years
WORKING_AGE = (14.0, 100.0)  # the youngest legal working age anywhere to a generous upper bound


def unicode_problem(text: str) -> str | None:
    """Why this string is not valid Unicode text (said after the field's name), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate such as "\ud800", which JSON can carry
        return f"has an unpaired surrogate at character {error.start}; send valid Unicode text"
    return None


def text_problem(text: str) -> str | None:
    """Why a model cannot read this text (said after the field's name), or None when it can."""
    problem = unicode_problem(text)
    if problem:
        return problem
    if all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "is empty or has only whitespace and control characters"
    return None


def check_text(field: str, text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise InputError(f"field {field!r} {problem}")
    return text


def check_number(field: str, value: Any, valid: tuple[float, float] | None) -> None:
    """A number (or a numeric string) that is finite, fits float32 and lies in the column's valid range."""
    if isinstance(value, bool):  # JSON true/false is no count or amount (Python would read it as 1/0)
        raise InputError(f"{field} must be a number, got {str(value).lower()}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be a number, got {value!r}") from None
    if not math.isfinite(number) or abs(number) > _FLOAT32_MAX:
        raise InputError(f"{field} must be a finite number of at most {_FLOAT32_MAX:.4g} in size, got {value!r}")
    if valid is not None and not valid[0] <= number <= valid[1]:
        low, high = (f"{bound:g}" for bound in valid)
        raise InputError(f"{field} must be in [{low}, {high}], got {value!r}")


class Task(ABC):
    name: str
    labels: tuple[str, ...]
    # The metric that picks the best checkpoint and that the acceptance bar is set on.
    primary_metric: str = "macro_f1"
    # Files the task reads, relative to the data folder (shared/data layout).
    data_files: tuple[str, ...]
    default_learner: str = "transformer"
    default_max_length: int = 256
    default_max_chunks: int = 1
    default_epochs: float = 3.0
    default_lr: float = 5e-5
    default_batch_size: int = 16
    default_class_weighted_loss: bool = False
    default_attention_dropout: float | None = None  # None: the backbone's own
    # For the model card.
    data_description: str
    intended_use: str
    limits: str

    @property
    def is_binary(self) -> bool:
        return len(self.labels) == 2

    @abstractmethod
    def load(self, data_dir: Path) -> pd.DataFrame:
        """Every row of the task's files as a frame with `text` and `label` (and `group` to split by)."""

    @abstractmethod
    def record_to_text(self, record: Any) -> str:
        """Check one prediction record and return the text the model reads."""

    def training_frame(self, data_dir: Path) -> pd.DataFrame:
        """The rows fit to learn from: no empty texts, no exact duplicates."""
        frame = drop_empty_texts(self.load(data_dir), self.name)
        return drop_duplicate_texts(frame, self.name)

    def label_index(self, frame: pd.DataFrame) -> list[int]:
        lookup = {label: i for i, label in enumerate(self.labels)}
        return [lookup[label] for label in frame["label"]]


class TextTask(Task):
    """Tasks whose records are `{"text": "..."}`."""

    max_chars: int = 100_000

    def record_to_text(self, record: Any) -> str:
        if not isinstance(record, dict) or "text" not in record:
            raise InputError(f"{self.name} expects a record {{\"text\": ...}}, got {_preview(record)}")
        text = record["text"]
        if not isinstance(text, str):
            raise InputError(f"field 'text' must be a string, got {type(text).__name__}")
        if len(text) > self.max_chars:
            raise InputError(f"field 'text' has {len(text)} characters; the limit is {self.max_chars}")
        return check_text("text", text)


class TabularTask(Task):
    """Tasks whose records are `{"record": {column: value}}` rows of an HR table."""

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
        frame = pd.DataFrame({"text": [self.serialise(r) for r in records.to_dict("records")], "label": labels})
        frame["record"] = records.to_dict("records")
        return frame

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

    def record_to_text(self, record: Any) -> str:
        return self.serialise(self.check_record(record))

    def check_record(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict) or not isinstance(record.get("record"), dict):
            raise InputError(f"{self.name} expects a record {{\"record\": {{column: value}}}}, got {_preview(record)}")
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


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
