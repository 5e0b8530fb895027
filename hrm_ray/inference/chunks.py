"""Long texts as chunks: resumes run past any encoder's window, so we cut rather than truncate.

Training visits each text once an epoch and reads one of its chunks, drawn at random, so an epoch costs
the same as with truncation while the model sees the whole resume over the epochs. Inference scores every
chunk and averages the logits per text (mean pooling).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

# Tokens average well under 8 characters; cutting the text first spares tokenising what we would drop.
_CHARS_PER_TOKEN_BOUND = 8


def tokenize_chunks(tokenizer, texts: Sequence[str], max_length: int, max_chunks: int) -> list[list[list[int]]]:
    """For each text, up to `max_chunks` token-id lists of at most `max_length` tokens, specials included."""
    prefix, suffix = _special_tokens(tokenizer)
    body = max_length - len(prefix) - len(suffix)
    char_limit = body * max_chunks * _CHARS_PER_TOKEN_BOUND
    encoded = tokenizer(
        [text[:char_limit] for text in texts], add_special_tokens=False, truncation=False, verbose=False
    )["input_ids"]
    chunked = []
    for ids in encoded:
        pieces = [ids[start : start + body] for start in range(0, max(len(ids), 1), body)][:max_chunks]
        chunked.append([prefix + piece + suffix for piece in pieces])
    return chunked


def _special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after a text ([CLS] ... [SEP] for BERT, <s> ... </s> for RoBERTa)."""
    bare = tokenizer("hello", add_special_tokens=False)["input_ids"]
    full = tokenizer("hello", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start : start + len(bare)] == bare:
            return full[:start], full[start + len(bare) :]
    raise ValueError(f"cannot locate the special tokens of {type(tokenizer).__name__}")


def _features(ids: list[int], label: int | None) -> dict:
    item = {"input_ids": ids, "attention_mask": [1] * len(ids)}
    if label is not None:
        item["labels"] = label
    return item


class SampledChunks(torch.utils.data.Dataset):
    """One item per text; each read returns one of its chunks at random (seeded per process)."""

    def __init__(self, chunks: list[list[list[int]]], labels: Sequence[int], seed: int):
        self.chunks, self.labels = chunks, list(labels)
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, index: int) -> dict:
        options = self.chunks[index]
        return _features(options[int(self.rng.integers(len(options)))], self.labels[index])


class AllChunks(torch.utils.data.Dataset):
    """Every chunk of every text, with `text_index` mapping each chunk back to its text for pooling."""

    def __init__(self, chunks: list[list[list[int]]], labels: Sequence[int] | None = None):
        self.items = [ids for text_chunks in chunks for ids in text_chunks]
        self.text_index = np.repeat(np.arange(len(chunks)), [len(c) for c in chunks])
        self.n_texts = len(chunks)
        self.labels = None if labels is None else np.asarray(labels)
        self.chunk_labels = None if labels is None else self.labels[self.text_index]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        label = None if self.chunk_labels is None else int(self.chunk_labels[index])
        return _features(self.items[index], label)

    def pool(self, chunk_logits: np.ndarray) -> np.ndarray:
        """Mean of each text's chunk logits."""
        sums = np.zeros((self.n_texts, chunk_logits.shape[1]), dtype=np.float64)
        np.add.at(sums, self.text_index, chunk_logits)
        return sums / np.bincount(self.text_index, minlength=self.n_texts)[:, None]


def padded_buckets(tokenizer, chunks: AllChunks, max_tokens: int, device: str):
    """Every chunk once, as (indices, batch on device): length buckets of at most max_tokens tokens, each padded
    to its own longest chunk. How inference (Predictor, the Serve encoder) feeds a model on CPU and GPU."""
    from hrm_ray.inference.buckets import length_buckets

    for index in length_buckets([len(ids) for ids in chunks.items], max_tokens):
        batch = tokenizer.pad(
            [{"input_ids": chunks.items[i], "attention_mask": [1] * len(chunks.items[i])} for i in index],
            return_tensors="pt",
        ).to(device)
        yield index, batch
