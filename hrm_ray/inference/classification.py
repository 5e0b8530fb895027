"""Predictors of the classification kinds: a fine-tuned transformer over chunks, and TF-IDF + logistic regression.

Transformer models score every chunk of a text and average the logits (as in training). Chunks go through
the model in length buckets (buckets.py), so each forward pass pads only to its own longest. `precision`
picks the fast path (precision.py); callers decide whether the model allows it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from hrm_ray.evaluation.metrics import softmax
from hrm_ray.inference.chunks import AllChunks, padded_buckets, tokenize_chunks
from hrm_ray.inference.precision import autocast, prepare_model
from hrm_ray.inference.predictor import Predictor
from hrm_ray.kinds.sequence_classification import class_predictions


class ClassifierPredictor(Predictor):
    """Class probabilities in, the API's {label, probabilities, score} out."""

    def frame(self, records: Sequence[Any]) -> pd.DataFrame:
        """The task frame the model reads for checked records."""
        return pd.DataFrame({"text": [self.task.record_to_text(record) for record in records]})

    def predict(self, records: Sequence[Any]) -> list[dict]:
        if not records:
            return []
        return class_predictions(self.task, self.outputs(self.frame(records)))


class TransformerClassifier(ClassifierPredictor):
    def __init__(self, task, model_dir, config, precision: str, device: str, max_tokens: int):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        super().__init__(task, model_dir, config)
        self.max_tokens, self.precision, self.device = max_tokens, precision, device
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        model = AutoModelForSequenceClassification.from_pretrained(self.model_dir).eval().to(device)
        self.model = prepare_model(model, precision)
        self.max_length, self.max_chunks = config.max_length, config.max_chunks

    def outputs(self, frame: pd.DataFrame) -> np.ndarray:
        return self.text_probabilities(frame["text"].tolist())

    @torch.inference_mode()
    def text_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        chunks = AllChunks(tokenize_chunks(self.tokenizer, texts, self.max_length, self.max_chunks))
        logits = np.zeros((len(chunks), len(self.task.labels)), dtype=np.float64)
        for bucket, batch in padded_buckets(self.tokenizer, chunks, self.max_tokens, self.device):
            with autocast(self.precision, self.device):
                logits[bucket] = self.model(**batch).logits.float().cpu().numpy()
        return softmax(chunks.pool(logits))


class TfidfPredictor(ClassifierPredictor):
    def __init__(self, task, model_dir, config):
        from hrm_ray.learners.tfidf import TfidfClassifier

        super().__init__(task, model_dir, config)
        self.model = TfidfClassifier.load(self.model_dir)

    def outputs(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(frame["text"].tolist())
