"""Entity spans from a fine-tuned token-classification folder: texts -> windows -> batched forward -> spans.

Windows of all texts are scored together in length buckets (similar lengths share a batch, each padded only
to its own longest: on a CPU padding costs in full), then each text's windows are merged and decoded back
to character spans (hrm_ray/spans/alignment.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from hrm_ray.inference.buckets import MAX_TOKENS, length_buckets
from hrm_ray.inference.precision import autocast, check_device, check_precision, prepare_model
from hrm_ray.spans.alignment import decode_entities, encode_windows

# Written by the training loop beside the weights: the window settings the model was trained with.
TAGGER_SETTINGS = "tagger.json"
FALLBACK_SETTINGS = {"max_length": 128, "stride": 32, "subtokens": "all"}  # a folder trained elsewhere


class TaggerInputError(ValueError):
    pass


class TransformerTagger:
    """A token-classification model folder (any that AutoModelForTokenClassification loads, with a fast
    tokenizer) as an entity tagger. max_length and stride default to what the model was trained with."""

    def __init__(self, model_dir: str | Path, precision: str = "fp32", device: str = "cpu",
                 max_length: int | None = None, stride: int | None = None, max_tokens: int = MAX_TOKENS):
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        check_precision(precision)
        check_device(precision, device)
        self.model_dir = Path(model_dir)
        settings_file = self.model_dir / TAGGER_SETTINGS
        saved = json.loads(settings_file.read_text()) if settings_file.is_file() else {}
        settings = {**FALLBACK_SETTINGS, **saved}
        self.max_length = int(max_length or settings["max_length"])
        self.stride = int(settings["stride"] if stride is None else stride)
        self.subtokens = settings["subtokens"]
        self.precision, self.device, self.max_tokens = precision, device, max_tokens
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        model = AutoModelForTokenClassification.from_pretrained(str(self.model_dir)).to(device).eval()
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.model = prepare_model(model, precision)

    def predict_entities(self, texts: Sequence[str]) -> list[list[dict]]:
        """For each text, its entities {type, text, start, end, score}, ordered by start."""
        if isinstance(texts, str) or not isinstance(texts, Sequence):
            raise TaggerInputError("texts must be a list of strings")
        for number, text in enumerate(texts):
            if not isinstance(text, str):
                raise TaggerInputError(f"texts[{number}] must be a string, got {type(text).__name__}")
        windows = [encode_windows(self.tokenizer, text, self.max_length, self.stride) for text in texts]
        flat = [window for text_windows in windows for window in text_windows]
        logits = self._window_logits(flat)
        results, cursor = [], 0
        for text, text_windows in zip(texts, windows):
            results.append(decode_entities(text, text_windows, logits[cursor:cursor + len(text_windows)],
                                           self.labels, self.subtokens))
            cursor += len(text_windows)
        return results

    @torch.inference_mode()
    def _window_logits(self, windows: list) -> list[np.ndarray]:
        logits: list[np.ndarray | None] = [None] * len(windows)
        for index in length_buckets([len(w) for w in windows], self.max_tokens):
            batch = self.tokenizer.pad(
                [{"input_ids": windows[i].input_ids, "attention_mask": windows[i].attention_mask} for i in index],
                return_tensors="pt",
            ).to(self.device)
            with autocast(self.precision, self.device):
                output = self.model(**batch).logits.float().cpu().numpy()
            for row, i in enumerate(index):
                logits[i] = output[row, : len(windows[i])]
        return logits
