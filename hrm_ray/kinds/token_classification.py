"""Token classification: one text -> entity spans with character offsets (resume parsing, skill extraction).

Records are `{"text": ...}`; predictions `{"entities": [{"type", "text", "start", "end", "score"}]}` with
`text[start:end]` the entity's text (Python string offsets, so Chinese and emoji count one each). Learners:
`crf` (a linear-chain CRF on word and character features) and `transformer` (a fine-tuned encoder tagging
sub-tokens, long texts read in overlapping windows). Primary metric: entity-level micro-F1 with strict
spans (seqeval), per-type F1 beside it.

A task's data comes as files per split (`split_files`); a split whose file is absent (the official test
files are kept aside for acceptance) is carved from train with a fixed seed.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from hrm_ray.data import DataError, SPLITS, resolve_data_dir
from hrm_ray.kinds.base import Kind
from hrm_ray.kinds.sequence_classification import TextRecord, check_text_record
from hrm_ray.kinds.task import Task

SPLIT_SEED = 0
CARVED_SHARE = 0.1  # of train, for each missing split


class Entity(BaseModel):
    type: str
    text: str = Field(description="the entity's text: the input's text[start:end]")
    start: int = Field(description="character offset of its first character")
    end: int = Field(description="character offset after its last character")
    score: float = Field(description="the model's confidence, 0..1")


class EntitiesPrediction(BaseModel):
    entities: list[Entity]


class TokenClassificationTask(Task):
    """A task of this kind: `read_file` turns one of its files into examples {"text", "entities"}."""

    kind = "token_classification"
    default_learner = "crf"
    split_description = "The data set's own split files; a split whose file is absent is a seeded tenth of train"
    entity_types: tuple[str, ...]
    # Split name -> file (relative to the data folder), as the data set ships them.
    split_files: dict[str, str]
    # Entity type -> a candidate-profile field (hrm_ray.profile), and -> a redaction tag (hrm_ray.pii).
    profile_fields: dict[str, str] = {}
    redaction_tags: dict[str, str] = {}
    # Where gold spans overlap (two annotation layers), the type one tag sequence keeps (spans.formats.flatten_layers).
    overlap_priority: tuple[str, ...] = ()

    def learnable(self, frame: pd.DataFrame) -> list[dict]:
        """A split's examples as a learner trains on them: one non-overlapping span set per text."""
        from hrm_ray.spans.formats import flatten_layers

        examples = [{"text": t, "entities": e} for t, e in zip(frame["text"], frame["entities"])]
        return flatten_layers(examples, self.overlap_priority)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.entity_types

    @property
    def data_files(self) -> tuple[str, ...]:
        return tuple(self.split_files.values())

    @abstractmethod
    def read_file(self, path: Path) -> list[dict]:
        """The examples of one data file; a malformed line raises an error naming the file and line."""

    def present_files(self, data_dir: Path) -> dict[str, Path]:
        found = {split: data_dir / file for split, file in self.split_files.items() if (data_dir / file).is_file()}
        if not found:
            raise DataError(f"none of {self.name}'s files {list(self.split_files.values())} is in {data_dir}")
        return found

    def load(self, data_dir: Path) -> pd.DataFrame:
        """Every example of every file present, with the split its file belongs to."""
        frames = []
        for split, path in self.present_files(data_dir).items():
            examples = self.read_file(path)
            frames.append(pd.DataFrame({"text": [e["text"] for e in examples],
                                        "entities": [e["entities"] for e in examples], "split": split}))
        return pd.concat(frames, ignore_index=True)

    def training_frame(self, data_dir: Path) -> pd.DataFrame:
        frame = self.load(data_dir)
        return frame[frame["text"].str.strip() != ""].reset_index(drop=True)


def example_splits(frame: pd.DataFrame, max_train: int | None, max_eval: int | None, seed: int) -> dict[str, pd.DataFrame]:
    """The files' splits; a missing validation or test split is a seeded tenth of train each."""
    splits = {split: frame[frame["split"] == split].reset_index(drop=True) for split in SPLITS}
    if "train" not in set(frame["split"]):
        raise DataError("no train file: a token task needs its train file to learn from")
    missing = [split for split in ("validation", "test") if splits[split].empty]
    if missing:
        train = splits["train"]
        # Carved by distinct text: the copies of a text that repeats in train go to one split together, so no
        # carved row's text is also learned from.
        codes, distinct = pd.factorize(train["text"])
        order = np.random.default_rng(SPLIT_SEED).permutation(len(distinct))
        size = max(1, int(round(CARVED_SHARE * len(distinct))))
        for index, split in enumerate(missing):
            splits[split] = train[np.isin(codes, order[index * size:(index + 1) * size])].reset_index(drop=True)
        splits["train"] = train[np.isin(codes, order[len(missing) * size:])].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    for split, limit in (("train", max_train), ("validation", max_eval)):
        if limit and limit < len(splits[split]):
            splits[split] = splits[split].iloc[np.sort(rng.choice(len(splits[split]), limit, replace=False))]
            splits[split] = splits[split].reset_index(drop=True)
    return splits


class TokenClassification(Kind):
    name = "token_classification"
    primary_metric = "micro_f1"
    learners = ("crf", "transformer")
    record_schema = TextRecord
    prediction_schema = EntitiesPrediction

    def check_record(self, task, record: Any) -> dict:
        return {"text": check_text_record(task.name, record)}

    def splits(self, task, config) -> dict[str, pd.DataFrame]:
        frame = task.training_frame(resolve_data_dir(config.data_dir))
        return example_splits(frame, config.max_train_samples, config.max_eval_samples, config.seed)

    def metrics(self, task, frame: pd.DataFrame, outputs) -> dict:
        from hrm_ray.spans.metrics import entity_metrics

        return entity_metrics(frame["text"].tolist(), frame["entities"].tolist(), outputs)

    def predictor(self, task, model_dir, config, precision, device, max_tokens):
        from hrm_ray.inference.tagging import CrfPredictor, TransformerTaggerPredictor

        if config.learner == "crf":
            return CrfPredictor(task, model_dir, config)
        return TransformerTaggerPredictor(task, model_dir, config, precision, device)

    def trainer(self, task, config, scaling, run_config):
        if config.learner == "crf":
            raise ValueError(f"{config.learner} trains in one Ray task, not a Ray Train run (hrm_ray/train/run.py)")
        from hrm_ray.train.token_trainer import token_trainer

        return token_trainer(config, scaling, run_config)

    def fit_classical(self, task, config, splits):
        """The CRF fitted on train, its regularisation chosen on validation."""
        from hrm_ray.learners.crf import select_crf

        model, chosen, _scores = select_crf(task.learnable(splits["train"]), task.learnable(splits["validation"]))
        return model, chosen


KIND = TokenClassification()
