"""Predictors of the token-classification kind: the CRF and the fine-tuned transformer tagger.

Both answer `{"entities": [{"type", "text", "start", "end", "score"}]}` per text, offsets into the text as sent.
"""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from hrm_ray.inference.predictor import Predictor


class TaggerPredictor(Predictor):
    def entities(self, texts: list[str]) -> list[list[dict]]:
        raise NotImplementedError

    def outputs(self, frame: pd.DataFrame) -> list[list[dict]]:
        return self.entities(frame["text"].tolist())

    def predict(self, records: Sequence[Any]) -> list[dict]:
        if not records:
            return []
        return [{"entities": found} for found in self.entities([record["text"] for record in records])]


class CrfPredictor(TaggerPredictor):
    def __init__(self, task, model_dir, config):
        from hrm_ray.learners.crf import CrfTagger

        super().__init__(task, model_dir, config)
        self.model = CrfTagger.load(self.model_dir)

    def entities(self, texts: list[str]) -> list[list[dict]]:
        return self.model.predict(texts)


class TransformerTaggerPredictor(TaggerPredictor):
    def __init__(self, task, model_dir, config, precision: str, device: str):
        from hrm_ray.inference.token_tagger import TransformerTagger

        super().__init__(task, model_dir, config)
        # Windows as in training (tagger.json in the folder).
        self.model = TransformerTagger(self.model_dir, precision=precision, device=device)

    def entities(self, texts: list[str]) -> list[list[dict]]:
        return self.model.predict_entities(texts)
