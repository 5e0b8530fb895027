"""Load a trained model folder and score records: what `hrm evaluate`, `hrm predict` and Serve use.

Transformer models score every chunk of a text and average the logits (as in training). Chunks go through
the model in length buckets (hrm_ray.buckets), so each forward pass pads only to its own longest.
`precision` picks the fast path (hrm_ray.fast_path); callers decide whether the model allows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from hrm_ray.buckets import MAX_TOKENS
from hrm_ray.config import TrainConfig
from hrm_ray.fast_path import autocast, prepare_model
from hrm_ray.metrics import softmax
from hrm_ray.registry import resolve_model_dir
from hrm_ray.tasks import TabularTask, get_task


class Predictor:
    def __init__(self, model_location: str | Path, max_tokens: int = MAX_TOKENS, precision: str = "fp32",
                 device: str = "cpu"):
        self.model_dir = resolve_model_dir(str(model_location))
        self.config = TrainConfig.from_yaml(self.model_dir / "hrm_config.yaml")
        self.task = get_task(self.config.task)
        # The columns the model was trained on; folders saved before `columns` existed read every column.
        self.columns = self.config.columns or list(getattr(self.task, "feature_columns", ()))
        self.version = self.model_dir.name
        self.max_tokens = max_tokens
        self.precision = precision
        self.device = device
        if self.config.learner == "xgboost":
            import xgboost

            from hrm_ray.train.xgboost_loop import MODEL_FILE, SCHEMA_FILE

            self.booster = xgboost.Booster(model_file=str(self.model_dir / MODEL_FILE))
            self.schema = json.loads((self.model_dir / SCHEMA_FILE).read_text())
        else:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            model = AutoModelForSequenceClassification.from_pretrained(self.model_dir).eval().to(device)
            self.model = prepare_model(model, precision)
            self.max_length = self.config.max_length
            self.max_chunks = self.config.max_chunks

    # ---- scoring ----

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities for a task frame (columns `text`, and `record` for tabular tasks)."""
        if self.config.learner == "xgboost":
            from hrm_ray.tabular_features import encode
            from hrm_ray.train.xgboost_loop import predict_proba

            return predict_proba(self.booster, encode(frame["record"].tolist(), self.schema))
        return self.text_probabilities(frame["text"].tolist())

    @torch.inference_mode()
    def text_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        from hrm_ray.train.chunks import AllChunks, padded_buckets, tokenize_chunks

        chunks = AllChunks(tokenize_chunks(self.tokenizer, texts, self.max_length, self.max_chunks))
        logits = np.zeros((len(chunks), len(self.task.labels)), dtype=np.float64)
        for bucket, batch in padded_buckets(self.tokenizer, chunks, self.max_tokens, self.device):
            with autocast(self.precision, self.device):
                logits[bucket] = self.model(**batch).logits.float().cpu().numpy()
        return softmax(chunks.pool(logits))

    # ---- records in, predictions out (the CLI and HTTP contract) ----

    def frame_from_records(self, records: Sequence[Any]) -> pd.DataFrame:
        """Validate records (InputError names the field) and build the frame the model reads."""
        if not isinstance(self.task, TabularTask):
            return pd.DataFrame({"text": [self.task.record_to_text(record) for record in records]})
        rows = [self.task.check_record(record) for record in records]
        return pd.DataFrame({"text": [self.task.serialise(row, self.columns) for row in rows], "record": rows})

    def predict(self, records: Sequence[Any]) -> list[dict]:
        if not records:
            return []
        probs = self.probabilities(self.frame_from_records(records))
        return [self.prediction(row) for row in probs]

    def prediction(self, probs: np.ndarray) -> dict:
        labels = self.task.labels
        result = {"label": labels[int(probs.argmax())], "probabilities": {l: float(p) for l, p in zip(labels, probs)}}
        if self.task.is_binary:
            result["score"] = float(probs[1])  # e.g. attrition: the probability the employee leaves
        return result
