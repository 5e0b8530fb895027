"""Words with character offsets, and entity spans <-> BIO tags over them.

Every learner of the token-classification kind and its metric look at a text through the same tokens, so that
a span means the same thing to the CRF, to the transformer's alignment and to the scorer. Offsets are Python
`str` indices (code points), the unit of an Example's `start`/`end`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import regex  # grapheme clusters (\X) and Unicode scripts, which the standard `re` lacks

Token = tuple[int, int]  # (start, end) character offsets, end exclusive

# Scripts written without spaces between words: one token per character (as the Chinese NER benchmarks tag
# them). Hangul is written with spaces, so it stays in words.
_NO_SPACE_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}"
_TOKEN = regex.compile(
    rf"[{_NO_SPACE_SCRIPTS}]"  # a CJK character
    rf"|(?:(?![{_NO_SPACE_SCRIPTS}])[\p{{L}}\p{{M}}\p{{N}}\p{{Pc}}])+"  # a word: letters, marks, digits, _
    r"|(?!\s)\X"  # anything else visible, a whole grapheme cluster: "👍🏽" or a flag stays one token
)


def word_tokens(text: str) -> list[Token]:
    """Character offsets of the words, CJK characters and punctuation marks of `text`; whitespace (including
    CR/LF) is never part of a token."""
    return [match.span() for match in _TOKEN.finditer(text)]


def _covered(tokens: Sequence[Token], starts: list[int], ends: list[int], start: int, end: int) -> range:
    """Indices of the tokens that share at least one character with [start, end)."""
    first = bisect_right(ends, start)  # first token ending after `start`
    last = bisect_left(starts, end)  # first token starting at or after `end`
    return range(first, last)


def spans_to_tags(tokens: Sequence[Token], entities: Sequence[dict]) -> list[str]:
    """IOB2 tags (`B-TYPE`, `I-TYPE`, `O`) of `tokens` for non-overlapping `entities`.

    An entity that starts or ends inside a token takes the whole token (a tag cannot say "half a word").
    Overlapping entities cannot be written in one tag sequence: resolve them first
    (`hrm_ray.spans.formats.resolve_overlaps` / `flatten_layers`); a ValueError names the pair otherwise.
    """
    starts = [start for start, _ in tokens]
    ends = [end for _, end in tokens]
    tags = ["O"] * len(tokens)
    owner: list[dict | None] = [None] * len(tokens)
    for entity in sorted(entities, key=lambda e: (e["start"], e["end"])):
        covered = _covered(tokens, starts, ends, entity["start"], entity["end"])
        if not covered:
            raise ValueError(f"entity {_describe(entity)} covers no token (only whitespace, or outside the text)")
        for index in covered:
            if owner[index] is not None:
                raise ValueError(
                    f"entities {_describe(owner[index])} and {_describe(entity)} share a token; "
                    "resolve overlaps first (hrm_ray.spans.formats.resolve_overlaps)"
                )
            owner[index] = entity
            tags[index] = ("B-" if index == covered[0] else "I-") + entity["type"]
    return tags


def tags_to_spans(text: str, tokens: Sequence[Token], tags: Sequence[str],
                  scores: Sequence[float] | None = None) -> list[dict]:
    """Entities (`type`, `start`, `end`, `text`, and `score` when token `scores` are given: their mean over the
    span) from IOB2 tags. An `I-X` that does not continue an `X` starts a new entity, as conlleval reads it:
    a tagger's small slip costs that span's boundary, not the span."""
    if len(tags) != len(tokens) or (scores is not None and len(scores) != len(tokens)):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags"
                         + ("" if scores is None else f" and {len(scores)} scores"))
    entities: list[dict] = []
    first = kind = None  # the open entity: index of its first token and its type

    def close(last: int) -> None:
        start, end = tokens[first][0], tokens[last][1]
        entity = {"type": kind, "start": start, "end": end, "text": text[start:end]}
        if scores is not None:
            entity["score"] = float(sum(scores[first:last + 1]) / (last + 1 - first))
        entities.append(entity)

    for index, tag in enumerate(tags):
        prefix, _, tag_type = tag.partition("-")
        if prefix not in ("B", "I", "O") or (prefix != "O" and not tag_type):
            raise ValueError(f"tag {tag!r} at token {index} is not IOB2 (B-TYPE, I-TYPE or O)")
        if kind is not None and (prefix != "I" or tag_type != kind):
            close(index - 1)
            kind = None
        if prefix != "O" and kind is None:
            first, kind = index, tag_type
    if kind is not None:
        close(len(tags) - 1)
    return entities


def _describe(entity: dict) -> str:
    return f"{entity['type']} [{entity['start']}, {entity['end']})"
