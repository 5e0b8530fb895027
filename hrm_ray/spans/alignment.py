"""Character-offset entities <-> sub-token BIO tags, in overlapping windows of a fast tokenizer's tokens.

The unit everything is aligned on is the character span each token covers (`return_offsets_mapping`), so the
same code serves English words split into word pieces, Chinese text that SentencePiece cuts into multi-character
pieces, emoji and CRLF line breaks: nothing here assumes whitespace-separated words.

Three choices, and why:
- Token spans are trimmed of whitespace, and a token that overlaps the next one gives its characters to it.
  SentencePiece reports `▁World` as covering " World", and e5's leading `▁` of a text as covering the
  text's first character, which the next token covers too; untrimmed, entities would start at a space.
- Sub-tokens inside a word: "all" tags every token with its own tag (B- on the entity's first token, I- on
  the rest); "first" tags only a word's first token and gives the others -100 (ignored by the loss; at
  decoding they follow their word, so an entity that starts inside a word is lost). A word never runs
  across CJK ideographs, kana or punctuation, so each Chinese character starts one (whitespace words would
  make a Chinese sentence one word). docs/token-classification.md has the measured comparison.
- A token that two windows both see takes its tags from the window where it is farther from a cut edge
  (an edge token sees context on one side only); averaging would mix in that worse guess. The text's own
  start and end are not cut edges.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from hrm_ray.inference.chunks import _special_tokens

SUBTOKEN_MODES = ("all", "first")
IGNORE = -100  # the label id PyTorch's cross-entropy (and DataCollatorForTokenClassification's padding) skips
OUTSIDE = "O"


class AlignmentError(ValueError):
    """Bad input to alignment: a slow tokenizer, impossible window sizes, an entity outside its text or of an
    unknown type. The message names the field."""


@dataclass(frozen=True)
class Window:
    """At most max_length tokens of one text, special tokens included.

    offsets[i] is the (start, end) character span of token i in the text, or None where the token covers no
    character (special tokens, a bare SentencePiece `▁` before a space). token_index[i] is its position in
    the whole text's token sequence (None for special tokens), which is how overlapping windows are merged.
    """

    input_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int] | None]
    token_index: list[int | None]
    continues_word: list[bool]  # token i continues the word of token i-1 (no space or boundary between)
    text_tokens: int  # tokens in the whole text, specials excluded

    def __len__(self) -> int:
        return len(self.input_ids)


def bio_labels(entity_types: Sequence[str]) -> list[str]:
    """The label list of a BIO tagger: O, then B-/I- for each type in the order given."""
    if len(set(entity_types)) != len(entity_types) or not entity_types:
        raise AlignmentError(f"entity types must be a non-empty list without repeats, got {list(entity_types)}")
    return [OUTSIDE] + [f"{prefix}-{name}" for name in entity_types for prefix in ("B", "I")]


def encode_windows(tokenizer, text: str, max_length: int, stride: int) -> list[Window]:
    """The text's tokens in windows of at most max_length tokens (specials included), each overlapping the
    previous one by `stride` tokens. A text that fits gets one window; an empty text one window of specials."""
    if not getattr(tokenizer, "is_fast", False):
        raise AlignmentError(f"{type(tokenizer).__name__} is not a fast tokenizer: character offsets need one")
    if not isinstance(text, str):
        raise AlignmentError(f"text must be a string, got {type(text).__name__}")
    prefix, suffix = _special_tokens(tokenizer)
    body = max_length - len(prefix) - len(suffix)
    if body < 1:
        specials = len(prefix) + len(suffix)
        raise AlignmentError(f"max_length {max_length} leaves no room beside {specials} special tokens")
    if not 0 <= stride < body:
        raise AlignmentError(f"stride must be in [0, {body}) for max_length {max_length}, got {stride}")

    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False)
    ids = encoded["input_ids"]
    spans = token_spans(text, encoded["offset_mapping"])
    continues = [_continues_word(text, spans, i) for i in range(len(spans))]

    windows, start = [], 0
    while True:
        end = min(start + body, len(ids))
        positions = range(start, end)
        windows.append(Window(
            input_ids=prefix + ids[start:end] + suffix,
            attention_mask=[1] * (len(prefix) + (end - start) + len(suffix)),
            offsets=[None] * len(prefix) + spans[start:end] + [None] * len(suffix),
            token_index=[None] * len(prefix) + list(positions) + [None] * len(suffix),
            continues_word=[False] * len(prefix) + continues[start:end] + [False] * len(suffix),
            text_tokens=len(ids),
        ))
        if end >= len(ids):
            return windows
        start = end - stride


def token_spans(text: str, offsets: Sequence[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """Each token's character span trimmed of whitespace, overlaps given to the later token; None if empty."""
    spans: list[tuple[int, int] | None] = []
    for start, end in offsets:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        spans.append((start, end) if start < end else None)
    for i in range(len(spans) - 1):
        here, after = spans[i], spans[i + 1]
        if here is not None and after is not None and here[1] > after[0]:
            spans[i] = (here[0], after[0]) if here[0] < after[0] else None
    return spans


def _word_char(char: str) -> bool:
    """Letters and digits of scripts written with spaces; CJK ideographs and kana stand alone."""
    if not char.isalnum():
        return False
    name = unicodedata.name(char, "")
    return not name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA"))


def _continues_word(text: str, spans: Sequence[tuple[int, int] | None], i: int) -> bool:
    if i == 0 or spans[i] is None or spans[i - 1] is None:
        return False
    start = spans[i][0]
    return spans[i - 1][1] == start and _word_char(text[start - 1]) and _word_char(text[start])


def trim_entities(text: str, entities: Sequence[Mapping], where: str = "entities") -> list[dict]:
    """Entities checked against their text and trimmed of edge whitespace, sorted by start; overlapping ones
    (which BIO cannot express) keep the one that starts first, the longer on a tie."""
    checked = []
    for number, entity in enumerate(entities):
        try:
            kind, start, end = entity["type"], int(entity["start"]), int(entity["end"])
        except (KeyError, TypeError, ValueError):
            raise AlignmentError(f"{where}[{number}] needs type, start and end, got {entity!r}") from None
        if not 0 <= start < end <= len(text):
            raise AlignmentError(
                f"{where}[{number}] span [{start}, {end}) is outside its text of {len(text)} characters")
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            checked.append({"type": str(kind), "start": start, "end": end})
    checked.sort(key=lambda e: (e["start"], -e["end"]))
    kept: list[dict] = []
    for entity in checked:
        if not kept or entity["start"] >= kept[-1]["end"]:
            kept.append(entity)
    return kept


def window_labels(window: Window, entities: Sequence[Mapping], label_to_id: Mapping[str, int],
                  subtokens: str = "all") -> list[int]:
    """One label id per window token: B-/I-/O of the entity its characters belong to, IGNORE for tokens that
    cover no character and, with subtokens="first", for tokens that continue a word.

    entities: as trim_entities returns them. A token that holds an entity's first character is its B- token,
    so a window that starts inside an entity tags its first visible token I-, as the whole text would.
    """
    if subtokens not in SUBTOKEN_MODES:
        raise AlignmentError(f"subtokens must be one of {SUBTOKEN_MODES}, got {subtokens!r}")
    starts = np.array([e["start"] for e in entities], dtype=np.int64)
    labels = []
    for span, continues in zip(window.offsets, window.continues_word):
        if span is None or (subtokens == "first" and continues):
            labels.append(IGNORE)
            continue
        tag = OUTSIDE
        # The entities this token overlaps all start before its end; the last such one is the candidate.
        candidate = int(np.searchsorted(starts, span[1], side="left")) - 1
        if candidate >= 0 and entities[candidate]["end"] > span[0]:
            entity = entities[candidate]
            tag = ("B-" if span[0] <= entity["start"] else "I-") + entity["type"]
        if tag not in label_to_id:
            raise AlignmentError(f"entity type {tag[2:]!r} is not among the model's labels {sorted(label_to_id)}")
        labels.append(label_to_id[tag])
    return labels


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def merged_token_probs(windows: Sequence[Window], logits_per_window: Sequence) -> dict[int, tuple]:
    """text token index -> (probabilities, span, continues_word), each token from the window where it sits
    farthest from a cut edge."""
    best: dict[int, tuple] = {}
    for window, logits in zip(windows, logits_per_window):
        probs = _softmax(np.asarray(logits, dtype=np.float64)[: len(window)])
        body = [i for i in window.token_index if i is not None]
        if not body:
            continue
        first, last = body[0], body[-1]
        for position, index in enumerate(window.token_index):
            if index is None:
                continue
            left = index - first if first > 0 else math.inf
            right = last - index if last < window.text_tokens - 1 else math.inf
            context = min(left, right)
            if index not in best or context > best[index][0]:
                best[index] = (context, probs[position], window.offsets[position], window.continues_word[position])
    return {index: value[1:] for index, value in best.items()}


def decode_entities(text: str, windows: Sequence[Window], logits_per_window: Sequence, labels: Sequence[str],
                    subtokens: str = "all") -> list[dict]:
    """Entity predictions {type, text, start, end, score} from each window's logits (positions x labels; rows
    past the window's length, e.g. padding, are ignored).

    BIO is read leniently, as conlleval does: an I- tag after O or after another type opens an entity. The
    score is the mean of the top softmax probability over the tokens that decided the span (with "first",
    a word's first token only).
    """
    if subtokens not in SUBTOKEN_MODES:
        raise AlignmentError(f"subtokens must be one of {SUBTOKEN_MODES}, got {subtokens!r}")
    if len(windows) != len(logits_per_window):
        raise AlignmentError(f"{len(windows)} windows but {len(logits_per_window)} logit arrays")
    tokens = merged_token_probs(windows, logits_per_window)
    entities: list[dict] = []
    current: dict | None = None

    def close():
        nonlocal current
        if current is not None:
            start, end = current["start"], current["end"]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                entities.append({"type": current["type"], "text": text[start:end], "start": start, "end": end,
                                 "score": float(np.mean(current["probs"]))})
        current = None

    for index in sorted(tokens):
        probs, span, continues = tokens[index]
        if span is None:
            continue
        if subtokens == "first" and continues:
            if current is not None:
                current["end"] = span[1]
            continue
        best = int(np.argmax(probs))
        tag, top = labels[best], float(probs[best])
        if tag == OUTSIDE:
            close()
            continue
        prefix, kind = tag.split("-", 1)
        if prefix == "I" and current is not None and current["type"] == kind:
            current["end"] = span[1]
            current["probs"].append(top)
            continue
        close()
        current = {"type": kind, "start": span[0], "end": span[1], "probs": [top]}
    close()
    return entities
