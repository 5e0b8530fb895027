"""Redact personal data from free text (resumes, feedback) before a model or a screen shows it.

Emails, phone numbers and URLs are found with patterns; names, places and the rest come as entity spans
from a resume NER model, which can tell a person's name from a company's where a pattern cannot. Each span
is replaced by a tag such as `[EMAIL]`, so a reader still sees that the resume had one.

A name found once is hidden everywhere: a resume repeats it in links ("indeed.com/r/Jane-Doe/"), file
names and sign-offs where the model may not tag it again. Its other occurrences are replaced too, and so is
each of its words of three or more letters alone (the surname in "Regards, Doe"), case-insensitively: a
first name that is also a word ("Will") is then replaced where it stands as a word too, since redaction
would rather hide a word too many than a name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

# Order matters: URLs first (they may contain @ and digits), then emails, then phone numbers; a later pattern
# never matches inside an earlier one's match.
PATTERNS = (
    ("URL", re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|me)/[^\s<>\"']*",
                       re.IGNORECASE)),
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    # International or national numbers with at least 9 digits, grouped by spaces, dots, dashes or brackets:
    # long enough not to catch years ("2015-2018") or salaries.
    ("PHONE", re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w])")),
)
DEFAULT = tuple(kind for kind, _ in PATTERNS)  # the pattern kinds `redact` applies unless told otherwise
REPEATED_TAGS = ("NAME",)  # tags whose every other occurrence in the text is replaced too
MIN_WORD_LETTERS = 3  # a name's single words this long or longer are replaced alone; "K" or "Li" would hit too much
_MASK = "\x00"  # stands in for an earlier pattern's match: not a word character, digit, space or @
_LETTER = r"[^\W\d_]"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_NAME_SEPARATORS = r"[\s._-]+"  # "Jane Doe" is also "Jane-Doe" in a URL and "jane.doe" in a file name


def _is_phone(match: str) -> bool:
    digits = sum(ch.isdigit() for ch in match)
    return 9 <= digits <= 15


def redact(text: str, entities: Sequence[Mapping] | None = None, types: Collection[str] = DEFAULT,
           entity_tags: Mapping[str, str] | None = None,
           repeated_tags: Collection[str] = REPEATED_TAGS) -> tuple[str, dict[str, int]]:
    """The text with personal data replaced by tags, and how many of each tag were put in.

    `types`: the pattern kinds to apply (of URL, EMAIL, PHONE). `entities`: predicted spans
    `{"type", "start", "end", ...}` (character offsets into `text`, end exclusive); the ones whose type
    `entity_tags` maps to a tag (e.g. {"Name": "NAME", "LOC": "LOCATION"}) are replaced, the others kept.
    For a tag in `repeated_tags`, every other occurrence of the span's text, and of each of its words of
    MIN_WORD_LETTERS or more letters, is replaced as well (a name's words are found by letters, so a
    needle always starts and ends with one). Overlapping spans become one, tagged as the longest of them."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    unknown = set(types) - set(DEFAULT)
    if unknown:
        raise ValueError(f"types must be among {list(DEFAULT)}, got {sorted(unknown)}")
    if entities and entity_tags is None:
        raise ValueError("entities were given without entity_tags: say which entity types map to which tag")
    spans = _pattern_spans(text, types)
    if entities:
        found = _entity_spans(text, entities, entity_tags)
        spans += found
        spans += _repeated_spans(text, [(text[start:end], tag) for start, end, tag in found if tag in repeated_tags])
    counts: dict[str, int] = {}
    for start, end, tag in reversed(_merged(spans)):  # right to left: earlier offsets stay valid
        text = f"{text[:start]}[{tag}]{text[end:]}"
        counts[tag] = counts.get(tag, 0) + 1
    return text, dict(sorted(counts.items()))


def _pattern_spans(text: str, types: Collection[str]) -> list[tuple[int, int, str]]:
    spans = []
    masked = text
    for kind, pattern in PATTERNS:
        if kind not in types:
            continue
        for match in pattern.finditer(masked):
            if kind == "PHONE" and not _is_phone(match.group(0)):
                continue
            spans.append((match.start(), match.end(), kind))
            masked = masked[:match.start()] + _MASK * (match.end() - match.start()) + masked[match.end():]
    return spans


def _entity_spans(text: str, entities: Sequence[Mapping], entity_tags: Mapping[str, str]) -> list[tuple[int, int, str]]:
    spans = []
    for index, entity in enumerate(entities):
        if not isinstance(entity, Mapping) or not {"type", "start", "end"} <= set(entity):
            raise ValueError(f"entities[{index}] must be a mapping with type, start and end, got {entity!r}")
        start, end = entity["start"], entity["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError(f"entities[{index}]: start {start!r} and end {end!r} must be offsets with "
                             f"0 <= start < end <= {len(text)} (the text's length)")
        if "text" in entity and entity["text"] != text[start:end]:
            raise ValueError(f"entities[{index}]: its text {entity['text']!r} is not the text at "
                             f"{start}:{end} ({text[start:end]!r}); were the offsets made for another text?")
        tag = entity_tags.get(entity["type"])
        if tag is not None:
            spans.append((start, end, tag))
    return spans


def _repeated_spans(text: str, found: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Every occurrence of each found (name, tag), and of the name's words of MIN_WORD_LETTERS+ letters."""
    spans = []
    for name, tag in found:
        words = re.findall(rf"{_LETTER}+", name)
        needles = [_NAME_SEPARATORS.join(map(re.escape, words))] if words else []
        needles += [re.escape(word) for word in words if len(word) >= MIN_WORD_LETTERS and len(words) > 1]
        for needle in needles:
            for match in re.finditer(_bounded(needle), text, re.IGNORECASE):
                spans.append((match.start(), match.end(), tag))
    return spans


def _bounded(needle: str) -> str:
    """`needle` not inside a longer word: no letter just before or after it, except beside CJK ideographs or
    kana, which Chinese and Japanese write without spaces (a name there is followed by the next word)."""
    before = "" if _CJK.match(needle[0]) else rf"(?<!{_LETTER})"
    after = "" if _CJK.match(needle[-1]) else rf"(?!{_LETTER})"
    return f"{before}{needle}{after}"


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans as one (their union), tagged as the longest of them (on a tie the leftmost, then a
    pattern's before an entity's), sorted left to right."""
    merged: list[tuple[int, int, str, int]] = []  # start, end, tag, length of the span that gave the tag
    for start, end, tag in sorted(spans, key=lambda span: (span[0], -(span[1] - span[0]))):
        if merged and start < merged[-1][1]:
            first, last, kept, length = merged[-1]
            if end - start > length:
                kept, length = tag, end - start
            merged[-1] = (first, max(last, end), kept, length)
        else:
            merged.append((start, end, tag, end - start))
    return [(start, end, tag) for start, end, tag, _ in merged]
