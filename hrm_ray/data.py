"""Reading HR data sets and splitting them: dedup, seeded stratified or grouped splits, clear errors.

Every task reads its raw files through `read_table`, turns them into a frame with `text`, `label` (and an
optional `group`), then `split_frame` makes train/validation/test. Splits depend only on the data and the
seed, so the same test rows come back on every run and on every machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


class DataError(ValueError):
    """Data that cannot be used as given; the message names the file, row and column."""


def resolve_data_dir(data_dir: str | Path) -> Path:
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise DataError(
            f"data folder not found: {path} (pass --data-dir or set HRM_DATA_DIR to a folder laid out like shared/data)"
        )
    return path


def read_table(path: Path, required_columns: list[str]) -> pd.DataFrame:
    """Read a CSV (plain, gzipped or with a BOM) as strings, checking that the named columns exist."""
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    try:
        # utf-8-sig strips the byte-order mark some HR exports (IBM's attrition file) start with;
        # reading everything as str keeps IDs like 00123 intact and lets each task parse its own columns.
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    missing = [c for c in required_columns if c not in frame.columns]
    if missing:
        raise DataError(f"{path} lacks column(s) {', '.join(missing)}; found {', '.join(frame.columns)}")
    return frame


def _label_key(value: str) -> str:
    """One spelling per label value: case and surrounding spaces ignored, and a whole number written as a
    float (4.0, as pandas writes an integer column that held a blank) read as the integer."""
    key = value.strip().casefold()
    try:
        number = float(key)
    except ValueError:
        return key
    return str(int(number)) if number.is_integer() else key


def parse_labels(frame: pd.DataFrame, column: str, mapping: dict[str, str], path: Path) -> pd.Series:
    """Map raw label values to label names; a value outside `mapping` is an error naming its row.

    Exports differ in spelling (Yes/yes, 4/4.0), so values are compared by `_label_key`."""
    raw = frame[column].str.strip()
    by_key = {_label_key(value): label for value, label in mapping.items()}
    labels = raw.map(lambda value: by_key.get(_label_key(value)))
    bad = labels.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        # +2: one for the header line, one because people count rows from 1.
        raise DataError(
            f"{path}, line {row + 2}: column {column} has {raw.iloc[row]!r}; expected one of {sorted(mapping)}"
        )
    return labels


def drop_empty_texts(frame: pd.DataFrame, source: str, id_column: str | None = None) -> pd.DataFrame:
    """Drop rows whose text is blank, saying which; a model cannot learn a label from nothing."""
    empty = frame["text"].str.strip() == ""
    if empty.any():
        ids = frame.loc[empty, id_column].tolist() if id_column else frame.index[empty].tolist()
        log.warning("%s: dropped %d row(s) with empty text: %s", source, int(empty.sum()), ids[:10])
    return frame.loc[~empty]


def drop_duplicate_texts(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Keep the first of each exact-duplicate text, so no text can sit in both train and test."""
    duplicated = frame["text"].duplicated(keep="first")
    if duplicated.any():
        log.info("%s: dropped %d exact-duplicate text(s)", source, int(duplicated.sum()))
    return frame.loc[~duplicated].reset_index(drop=True)


@dataclass(frozen=True)
class SplitSpec:
    validation: float = 0.1
    test: float = 0.1
    seed: int = 42


def split_frame(frame: pd.DataFrame, spec: SplitSpec = SplitSpec()) -> dict[str, pd.DataFrame]:
    """Seeded train/validation/test split: grouped by `group` when the frame has one, else stratified."""
    if len(frame) < 10:
        raise DataError(f"only {len(frame)} usable rows: too few to split into train, validation and test")
    if "group" in frame.columns:
        assignment = _grouped_assignment(frame["group"], spec)
    else:
        assignment = _stratified_assignment(frame["label"], spec)
    return {name: frame.loc[assignment == name].reset_index(drop=True) for name in SPLITS}


def _stratified_assignment(labels: pd.Series, spec: SplitSpec) -> np.ndarray:
    index = np.arange(len(labels))
    # Classes too rare to stratify (fewer than 3 rows) go to train rather than break the split.
    counts = labels.value_counts()
    rare = labels.map(counts).to_numpy() < 3
    assignment = np.full(len(labels), "train", dtype=object)
    pool = index[~rare]
    held_out = spec.validation + spec.test
    train_idx, rest_idx = train_test_split(
        pool, test_size=held_out, stratify=labels.iloc[pool], random_state=spec.seed
    )
    rest_labels = labels.iloc[rest_idx]
    stratify = rest_labels if rest_labels.value_counts().min() >= 2 else None
    val_idx, test_idx = train_test_split(
        rest_idx, test_size=spec.test / held_out, stratify=stratify, random_state=spec.seed
    )
    assignment[val_idx] = "validation"
    assignment[test_idx] = "test"
    return assignment


def _grouped_assignment(groups: pd.Series, spec: SplitSpec) -> np.ndarray:
    """Whole groups (firms) go to one split, so test groups are unseen in training.

    Groups are visited in a seeded order and given to test, then validation, while that split is under its
    share of rows; a group larger than 1.5x the share is left to train so one big firm cannot swallow test.
    """
    sizes = groups.value_counts()
    order = np.random.default_rng(spec.seed).permutation(sorted(sizes.index))
    targets = {"test": spec.test * len(groups), "validation": spec.validation * len(groups)}
    filled = {"test": 0, "validation": 0}
    owner: dict[str, str] = {}
    for group in order:
        size = sizes[group]
        for split in ("test", "validation"):
            if filled[split] < targets[split] and filled[split] + size <= 1.5 * targets[split]:
                owner[group] = split
                filled[split] += size
                break
        else:
            owner[group] = "train"
    missing = [split for split, rows in filled.items() if rows == 0]
    if missing:
        raise DataError(
            f"cannot form a grouped {' and '.join(missing)} split from {len(sizes)} group(s) of sizes "
            f"{sizes.to_dict()}: need smaller groups or more of them"
        )
    return groups.map(owner).to_numpy()


def stratified_subset(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """At most n rows keeping the label mix, for quick runs (`--max-train-samples`)."""
    if n >= len(frame):
        return frame
    counts = frame["label"].value_counts()
    stratify = frame["label"] if counts.min() >= 2 and n >= len(counts) else None
    subset, _ = train_test_split(frame, train_size=n, stratify=stratify, random_state=seed)
    return subset.reset_index(drop=True)
