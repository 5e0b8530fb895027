"""Sequence classification: one text -> one of the task's labels (resume screening, feedback sentiment).

Records are `{"text": ...}`; predictions `{"label", "probabilities", "score"?}`. Learners: `transformer` (a
fine-tuned encoder over chunks of the text, logits averaged) and `tfidf` (character n-gram TF-IDF and
logistic regression, C chosen on validation). Primary metric: macro-F1, which weighs every class alike.
"""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd
from pydantic import BaseModel, Field

from hrm_ray.data import SplitSpec, drop_duplicate_texts, drop_empty_texts, split_frame, stratified_subset, resolve_data_dir
from hrm_ray.kinds.base import Kind
from hrm_ray.kinds.records import InputError, Strict, Text, check_text, preview
from hrm_ray.kinds.task import Task

MAX_CHARS = 100_000  # beyond any resume; the HTTP API's own limit (max_text_chars) is lower


class TextRecord(Strict):
    text: Text = Field(description="the text to read: a resume, a feedback text, a sentence")


class ClassPrediction(BaseModel):
    label: str
    probabilities: dict[str, float]
    score: Optional[float] = Field(None, description="binary tasks: the probability of the positive label")


def check_text_record(task_name: str, record: Any) -> str:
    """The text of a `{"text": ...}` record (every text kind reads this shape)."""
    if not isinstance(record, dict) or "text" not in record:
        raise InputError(f"{task_name} expects a record {{\"text\": ...}}, got {preview(record)}")
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(f"field 'text' must be a string, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InputError(f"field 'text' has {len(text)} characters; the limit is {MAX_CHARS}")
    return check_text("text", text)


class TextClassificationTask(Task):
    """A task of this kind: `load` gives a frame with `text` and `label` (and `group` to split by)."""

    kind = "sequence_classification"
    default_learner = "transformer"
    # The tfidf learner's n-grams: characters by default (Chinese has no spaces to split words on); a task of a
    # spaced language may ask for word n-grams where they score better on validation.
    tfidf_words: bool = False

    def training_frame(self, data_dir) -> pd.DataFrame:
        """The rows fit to learn from: no empty texts, no exact duplicates."""
        frame = drop_empty_texts(self.load(data_dir), self.name)
        return drop_duplicate_texts(frame, self.name)

    def record_to_text(self, record: Any) -> str:
        """The text the model reads for a checked record (a task may clean it, as training did)."""
        return record["text"]


def labelled_splits(task, config, frame: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Seeded stratified (or, with a `group` column, grouped) 80/10/10 splits, then the config's subsets."""
    if frame is None:
        frame = task.training_frame(resolve_data_dir(config.data_dir))
    # The split seed is fixed, not config.seed: changing the training seed must not move test rows.
    splits = split_frame(frame, SplitSpec())
    if config.max_train_samples:
        splits["train"] = stratified_subset(splits["train"], config.max_train_samples, config.seed)
    if config.max_eval_samples:
        splits["validation"] = stratified_subset(splits["validation"], config.max_eval_samples, config.seed)
    return splits


def class_predictions(task, probabilities) -> list[dict]:
    """Each row of class probabilities as the prediction record of the API."""
    labels = task.labels
    predictions = []
    for row in probabilities:
        prediction = {"label": labels[int(row.argmax())], "probabilities": {l: float(p) for l, p in zip(labels, row)}}
        if task.is_binary:
            prediction["score"] = float(row[1])  # e.g. attrition: the probability the employee leaves
        predictions.append(prediction)
    return predictions


class SequenceClassification(Kind):
    name = "sequence_classification"
    primary_metric = "macro_f1"
    learners = ("transformer", "tfidf")
    record_schema = TextRecord
    prediction_schema = ClassPrediction

    def check_record(self, task, record: Any) -> dict:
        return {"text": check_text_record(task.name, record)}

    def splits(self, task, config) -> dict[str, pd.DataFrame]:
        return labelled_splits(task, config)

    def metrics(self, task, frame: pd.DataFrame, outputs) -> dict:
        import numpy as np

        from hrm_ray.evaluation.metrics import report_metrics

        return report_metrics(task.labels, np.asarray(task.label_index(frame)), outputs, frame)

    def predictor(self, task, model_dir, config, precision, device, max_tokens):
        if config.learner == "tfidf":
            from hrm_ray.inference.classification import TfidfPredictor

            return TfidfPredictor(task, model_dir, config)
        from hrm_ray.inference.classification import TransformerClassifier

        return TransformerClassifier(task, model_dir, config, precision, device, max_tokens)

    def trainer(self, task, config, scaling, run_config):
        if config.learner == "tfidf":
            raise ValueError(f"{config.learner} trains in one Ray task, not a Ray Train run (hrm_ray/train/run.py)")
        from hrm_ray.train.transformer_loop import transformer_trainer

        return transformer_trainer(config, scaling, run_config)

    def fit_classical(self, task, config, splits):
        """The tfidf learner fitted on train, its C chosen on validation (grouped k-fold where rows have groups)."""
        from hrm_ray.learners.tfidf import CHAR_NGRAMS, WORD_NGRAMS, select_c

        train, validation = splits["train"], splits["validation"]
        groups = None
        if "group" in train:
            groups = list(train["group"]) + list(validation["group"])
        model, chosen = select_c(train["text"].tolist(), task.label_index(train), validation["text"].tolist(),
                                 task.label_index(validation), metric=task.primary_metric, groups=groups,
                                 settings=WORD_NGRAMS if task.tfidf_words else CHAR_NGRAMS)
        return model, chosen


KIND = SequenceClassification()
