"""Readers of public entity-span data sets into Examples, and the overlap rules that make them taggable.

An Example is `{"text": str, "entities": [{"type": str, "start": int, "end": int}, ...]}`: character offsets
(Python `str` indices), `end` exclusive, so `text[start:end]` is the entity, never empty and never with
whitespace at its edges. Entities are sorted by `(start, end)`. A reader keeps overlapping entities only where
the data set means them (SkillSpan's two layers); one tag sequence holds no overlap, so learners call
`flatten_layers` on their training examples, while metrics score against the unflattened gold.

A malformed line raises `SpanDataError` naming the file and its 1-based line.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from html import unescape
from pathlib import Path
from typing import TypedDict


class Entity(TypedDict):
    type: str
    start: int
    end: int


class Example(TypedDict):
    text: str
    entities: list[Entity]


class SpanDataError(ValueError):
    """A line of a span data file that cannot be read as given: the message names the file and line."""

    def __init__(self, path: str | Path, line: int, problem: str):
        super().__init__(f"{path}, line {line}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


# ---------------------------------------------------------------- overlaps


def resolve_overlaps(entities: Iterable[Entity], priority: Sequence[str] = ()) -> tuple[list[Entity], list[Entity]]:
    """(kept, dropped): a set of non-overlapping entities, chosen greedily. Where two overlap, the one whose
    type comes first in `priority` wins (types not named rank after all named ones, equally); between equals
    the longer wins, then the earlier. Exact duplicates (same type and offsets) count as overlaps too."""
    rank = {name: index for index, name in enumerate(priority)}

    def strength(entity: Entity) -> tuple:
        return rank.get(entity["type"], len(rank)), -(entity["end"] - entity["start"]), entity["start"]

    kept: list[Entity] = []
    dropped: list[Entity] = []
    for entity in sorted(entities, key=strength):
        clash = any(entity["start"] < other["end"] and other["start"] < entity["end"] for other in kept)
        (dropped if clash else kept).append(entity)
    return _sorted(kept), _sorted(dropped)


def flatten_layers(examples: Iterable[Example], priority: Sequence[str]) -> list[Example]:
    """The examples with overlapping entities resolved by `resolve_overlaps(priority)`: what one tag sequence
    (one CRF, one transformer head) can learn. SkillSpan's is `SKILLSPAN_PRIORITY`."""
    return [{"text": example["text"], "entities": resolve_overlaps(example["entities"], priority)[0]}
            for example in examples]


def _sorted(entities: Iterable[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["start"], e["end"], e["type"]))


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ---------------------------------------------------------------- line reading


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(1-based number, line without its line break) for every line of a UTF-8 file (a BOM is ignored)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"span data file not found: {path}")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise SpanDataError(path, number, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
            yield number, line.rstrip("\r\n")


def _json_lines(path: str | Path) -> Iterator[tuple[int, dict]]:
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise SpanDataError(path, number, f"not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict):
            raise SpanDataError(path, number, f"expected a JSON object, found {type(record).__name__}")
        yield number, record


def _field(record: dict, key: str, kind: type | tuple[type, ...], path, number: int, where: str = ""):
    if key not in record:
        raise SpanDataError(path, number, f"{where}missing key {key!r} (keys: {', '.join(map(repr, record))})")
    value = record[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise SpanDataError(path, number, f"{where}{key!r} must be {names}, found {type(value).__name__}")
    return value


# ---------------------------------------------------------------- DataTurks (resume NER, JSON lines)

# The DataTurks tool showed annotators the HTML-unescaped text: in a resume whose `content` holds "&amp;",
# every offset after it is 4 characters short (all 223 shifted spans of the train file are exactly that).
_HTML_REFERENCE = re.compile(r"&(?:amp|lt|gt|quot|apos|#39);")


def read_dataturks(path: str | Path, types: Collection[str] | None = None) -> tuple[list[Example], dict]:
    """Examples from a DataTurks NER export (`{"content", "annotation": [{"label": [..], "points":
    [{"start", "end" (inclusive), "text"}]}]}` a line), and a count of every fix.

    The rule, in order, for each resume:
    1. Text: `content` with its HTML references (`&amp;` ...) unescaped, which is what the resume said and what
       the tool's offsets count ("&" one character), unless fewer spans line up with it than with the raw text
       (a file whose offsets count "&amp;" as five characters).
    2. A span whose `text` is not at its offsets is moved to the occurrence of that text (or, failing that, of
       the text stripped of edge whitespace) nearest to the given start (`relocated`); none: `dropped_unlocatable`.
    3. Whitespace at the span's edges is cut off (`trimmed`); nothing left: `dropped_empty`.
    4. A span without a label, labelled "UNKNOWN" or (when `types` is given) of another type: `dropped_unlabelled`.
    5. Overlaps: the longer span is kept (`dropped_overlap`, exact duplicates included). In this data every
       overlap is a nesting, mostly a company name inside a long Skills list, or a second, shorter span of the
       same type inside the first (e.g. "HDL" in "Verilog HDL"): the outer span is the unit the annotator
       drew, and one tag sequence can hold only one of the two.
    Entity types keep the data's names ("Companies worked at", ...).
    """
    examples: list[Example] = []
    stats: Counter = Counter()
    for number, record in _json_lines(path):
        content = _field(record, "content", str, path, number)
        if "annotation" not in record:
            raise SpanDataError(path, number, f"missing key 'annotation' (keys: {', '.join(map(repr, record))})")
        annotations = record["annotation"] or []  # DataTurks writes null for a resume nobody labelled
        if not isinstance(annotations, list):
            raise SpanDataError(path, number, f"'annotation' must be a list, found {type(annotations).__name__}")
        points = list(_dataturks_points(annotations, len(content), path, number))
        stats["documents"] += 1
        stats["spans_in_file"] += len(points)
        text = content
        unescaped = _HTML_REFERENCE.sub(lambda match: unescape(match.group()), content)
        if unescaped != content and _aligned(unescaped, points) >= _aligned(content, points):
            text = unescaped
            stats["unescaped_documents"] += 1
        entities: list[Entity] = []
        for labels, start, end, span_text in points:
            labels = [label for label in labels if label != "UNKNOWN" and (types is None or label in types)]
            if not labels:
                stats["dropped_unlabelled"] += 1
                continue
            if span_text is not None and text[start:end] != span_text:
                located = _nearest(text, span_text, start) or _nearest(text, span_text.strip(), start)
                if located is None:
                    stats["dropped_unlocatable"] += 1
                    continue
                start, end = located
                stats["relocated"] += 1
            trimmed = _strip_span(text, start, end)
            if trimmed != (start, end):
                stats["trimmed"] += 1
                start, end = trimmed
            if start == end:
                stats["dropped_empty"] += 1
                continue
            # A span with several labels becomes one entity per label; the overlap rule then keeps the first.
            entities.extend({"type": label, "start": start, "end": end} for label in labels)
        kept, dropped = resolve_overlaps(entities)
        stats["dropped_overlap"] += len(dropped)
        stats["entities"] += len(kept)
        examples.append({"text": text, "entities": kept})
    return examples, dict(stats)


def _dataturks_points(annotations: list, length: int, path, number: int):
    """(labels, start, end exclusive, text or None) of every point, checked for shape and range."""
    for position, annotation in enumerate(annotations, start=1):
        where = f"annotation {position}: "
        if not isinstance(annotation, dict):
            raise SpanDataError(path, number, f"{where}expected an object, found {type(annotation).__name__}")
        labels = _field(annotation, "label", (list, str), path, number, where)
        labels = [labels] if isinstance(labels, str) else labels
        if not all(isinstance(label, str) for label in labels):
            raise SpanDataError(path, number, f"{where}'label' must hold strings")
        for point in _field(annotation, "points", list, path, number, where):
            if not isinstance(point, dict):
                raise SpanDataError(path, number, f"{where}a point must be an object, found {type(point).__name__}")
            start = _field(point, "start", int, path, number, where)
            end = _field(point, "end", int, path, number, where)
            span_text = point.get("text")
            if span_text is not None and not isinstance(span_text, str):
                raise SpanDataError(path, number, f"{where}'text' must be a string")
            if not 0 <= start <= end < length:
                raise SpanDataError(path, number, f"{where}span [{start}, {end}] lies outside the text "
                                                  f"(length {length}; 'end' is inclusive)")
            yield labels, start, end + 1, span_text


def _aligned(text: str, points: list) -> int:
    return sum(1 for _, start, end, span_text in points if span_text is None or text[start:end] == span_text)


def _nearest(text: str, needle: str, start: int) -> tuple[int, int] | None:
    if not needle:
        return None
    found = [match.start() for match in re.finditer(re.escape(needle), text)]
    if not found:
        return None
    best = min(found, key=lambda offset: (abs(offset - start), offset))
    return best, best + len(needle)


# ---------------------------------------------------------------- BMES (Chinese NER, one character a line)

_BMES_LINE = re.compile(r"(?P<token>.+)[ \t](?P<tag>\S+)")  # the last space or tab separates: a token may be " "
_BMES_TAG = re.compile(r"(?P<prefix>[BMESI])-(?P<type>\S+)|O")


def read_bmes(path: str | Path) -> list[Example]:
    """Examples from a `*.char.bmes` file (ResumeNER, Weibo, MSRA style): `char TAG` a line, a blank line
    between sentences; tags `B-X` `M-X` `E-X` `S-X` and `O` (`I-X` read as `M-X`). The text is the characters
    joined without separator.

    A tag that breaks the B..M..E order inside a sentence is an error, not a guess. One break is accepted: a
    sentence that ends inside an entity (ResumeNER's splitter cut two organisation names at a "。") closes the
    entity there, and the M-/E- tags that carry it on at the start of the next sentence open a new one.
    """
    examples: list[Example] = []
    sentence: list[tuple[int, str, str, str | None]] = []  # (line, token, prefix, type)
    carried: str | None = None  # the type of an entity the previous sentence ended inside
    number = 0
    for number, line in _lines(path):
        if line.strip():
            sentence.append((number, *_bmes_line(line, path, number)))
        elif sentence:
            example, carried = _bmes_sentence(sentence, carried, path)
            examples.append(example)
            sentence = []
    if sentence:
        examples.append(_bmes_sentence(sentence, carried, path)[0])
    return examples


def _bmes_line(line: str, path, number: int) -> tuple[str, str, str | None]:
    parts = _BMES_LINE.fullmatch(line.rstrip())  # trailing spaces after the tag are noise
    if not parts:
        raise SpanDataError(path, number, f"expected 'character TAG', found {line!r} (no tag)")
    token, tag = parts.group("token"), parts.group("tag")
    match = _BMES_TAG.fullmatch(tag)
    if not match:
        raise SpanDataError(path, number, f"unknown tag {tag!r} (expected B-X, M-X, E-X, S-X or O)")
    prefix = match.group("prefix") or "O"
    return token, ("M" if prefix == "I" else prefix), match.group("type")


def _bmes_sentence(rows: list, carried: str | None, path) -> tuple[Example, str | None]:
    """One sentence's Example, and the type of the entity it ends inside (None when it ends outside one)."""
    entities: list[Entity] = []
    open_entity = (carried, 0, rows[0][0]) if carried and rows[0][2] in ("M", "E") else None  # (type, start, line)
    length = 0
    for number, token, prefix, kind in rows:
        if prefix in ("M", "E") and (open_entity is None or open_entity[0] != kind):
            raise SpanDataError(path, number, f"{prefix}-{kind} does not continue a B-{kind}")
        if prefix in ("B", "S", "O") and open_entity is not None:
            raise SpanDataError(path, number, f"{prefix}{'-' + kind if kind else ''} inside the B-{open_entity[0]} "
                                              f"of line {open_entity[2]}, which no E- closed")
        if prefix == "B":
            open_entity = (kind, length, number)
        elif prefix in ("E", "S"):
            begin = length if prefix == "S" else open_entity[1]
            entities.append({"type": kind, "start": begin, "end": length + len(token)})
            open_entity = None
        length += len(token)
    if open_entity is not None:
        entities.append({"type": open_entity[0], "start": open_entity[1], "end": length})
    text = "".join(token for _, token, _, _ in rows)
    return {"text": text, "entities": entities}, (open_entity[0] if open_entity else None)


# ---------------------------------------------------------------- SkillSpan (JSON lines, two BIO layers)

SKILLSPAN_LAYERS = {"tags_skill": "SKILL", "tags_knowledge": "KNOWLEDGE"}
# One flat tag sequence for both layers: where they overlap (3 % of the spans; nearly always a knowledge span
# nested in a skill span) the knowledge span is kept. It loses fewer spans than the other way round (a skill
# often holds several) and scored higher on dev (docs/token-classification.md).
SKILLSPAN_PRIORITY = ("KNOWLEDGE", "SKILL")


def read_skillspan(path: str | Path) -> list[Example]:
    """Examples from SkillSpan's JSON lines (`tokens`, `tags_skill`, `tags_knowledge`: plain B/I/O). The text
    is the tokens joined by single spaces; the layers become entity types SKILL and KNOWLEDGE, and may overlap
    (a KNOWLEDGE span inside a SKILL span): `flatten_layers` before training one tagger."""
    examples: list[Example] = []
    for number, record in _json_lines(path):
        tokens = _field(record, "tokens", list, path, number)
        if not all(isinstance(token, str) and token.strip() for token in tokens):
            raise SpanDataError(path, number, "'tokens' must be non-empty strings")
        offsets, position = [], 0
        for token in tokens:
            offsets.append((position, position + len(token)))
            position += len(token) + 1
        entities: list[Entity] = []
        for key, kind in SKILLSPAN_LAYERS.items():
            tags = _field(record, key, list, path, number)
            if len(tags) != len(tokens):
                raise SpanDataError(path, number, f"{len(tokens)} tokens but {len(tags)} {key}")
            entities.extend(_bio_layer(tags, offsets, kind, path, number, key))
        examples.append({"text": " ".join(tokens), "entities": _sorted(entities)})
    return examples


def _bio_layer(tags: list, offsets: list[tuple[int, int]], kind: str, path, number: int, key: str):
    """Entities of one untyped BIO layer; an I after O starts an entity (read as conlleval does)."""
    begin = None
    for index, tag in enumerate([*tags, "O"]):
        if tag not in ("B", "I", "O"):
            raise SpanDataError(path, number, f"{key}[{index}] is {tag!r}; expected 'B', 'I' or 'O'")
        if begin is not None and tag != "I":
            yield {"type": kind, "start": offsets[begin][0], "end": offsets[index - 1][1]}
            begin = None
        if tag != "O" and begin is None:
            begin = index
