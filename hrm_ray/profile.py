"""A candidate's profile (title, companies, education, skills, years of experience) from a resume's entities.

The entities are a resume NER model's predictions, `{"type", "text", "start", "end", "score"}`; which entity
type fills which field is the task's to say (`fields`), so this module reads any resume data set's types.
A resume names a company or skill many times and a title several times (one per job): list fields keep
each value once, in the order the resume gives them, and a single field keeps the entity the model is
surest of (the first of equals: a resume starts with the current job).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

LIST_FIELDS = ("companies", "skills")
SINGLE_FIELDS = ("title", "degree", "college")
YEARS_FIELD = "years_of_experience"
FIELDS = ("title", "companies", "degree", "college", "skills", YEARS_FIELD)

# Skills entities often hold a whole section: "Languages: Core Java, Go Lang\nOracle PL-SQL programming,".
_SKILL_SEPARATORS = re.compile(r"[,;\n\u3001\uff0c\uff1b\u2022|]+")  # also 、，； and bullets
_HEADING = re.compile(r"^[^:：]{1,40}[:：]\s*(?=\S)")  # "Languages: Core Java" -> "Core Java"
_SKILL_YEARS = re.compile(r"\s*\((?:less than\s+)?\d*\+?\s*(?:years?|months?)\)\s*$", re.IGNORECASE)  # "(3 years)"
_EDGE_JUNK = " \t\r\n.,;:•·-–—*、，；：。"

_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ENGLISH_NUMBERS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十]+|" + "|".join(sorted(_ENGLISH_NUMBERS, key=len, reverse=True))
_NOT_AFTER = r"(?<![A-Za-z0-9.])"  # a number starts a word ("often" holds no "ten"); Chinese has no spaces
_YEAR_WORD, _MONTH_WORD = r"(?:years?|yrs?|年)", r"(?:months?|mos?|个月|個月)"
_YEARS = re.compile(rf"{_NOT_AFTER}(?P<years>{_NUMBER})\s*\+?\s*{_YEAR_WORD}(?P<half>半)?"
                    rf"(?:\s*(?:and\s+)?(?P<months>{_NUMBER})\s*{_MONTH_WORD})?", re.IGNORECASE)
_MONTHS_ONLY = re.compile(rf"{_NOT_AFTER}(?P<months>{_NUMBER})\s*{_MONTH_WORD}", re.IGNORECASE)
# The same phrase without groups, to find it beside the word experience.
_DURATION = (rf"{_NOT_AFTER}(?:{_NUMBER})\s*\+?\s*{_YEAR_WORD}半?"
             rf"(?:\s*(?:and\s+)?(?:{_NUMBER})\s*{_MONTH_WORD})?")
# "5 years of experience", "3+ years of IT experience", "10 years' experience", "experience of 7 years",
# "Total IT experience 5 Years 6 Months", "8年工作经验", "五年以上相关工作经验", "工作经验：5年": the years must
# sit next to the word, or "3 years in Pune" would count.
_EXPERIENCE = re.compile(
    rf"(?P<before>{_DURATION})['’]?\s+(?:of\s+)?(?:[\w-]+\s+){{0,3}}?experience"
    rf"|experience\s*(?:of|:|-)?\s*(?:[\w-]+\s+){{0,2}}?(?P<after>{_DURATION})"
    rf"|(?P<zh_before>{_DURATION})(?:以上)?的?(?:工作|从业|相关|行业)*经验"
    rf"|(?:工作|从业)(?:经验|年限)[:：]?\s*(?P<zh_after>{_DURATION})",
    re.IGNORECASE)


def parse_profile(text: str, entities: Sequence[Mapping[str, Any]], fields: Mapping[str, str]) -> dict:
    """The profile `{"title", "companies", "degree", "college", "skills", "years_of_experience"}` of the
    resume `text`, from its predicted `entities`; `fields` maps an entity type to one of those fields
    (types it does not name are ignored). A field no entity fills is None ([] for lists); years come from
    the years entity, else from a phrase like "5 years of experience" anywhere in the text."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    wrong = sorted(set(fields.values()) - set(FIELDS))
    if wrong:
        raise ValueError(f"fields maps entity types to {wrong}; profile fields are {list(FIELDS)}")
    by_field: dict[str, list[tuple[str, float, int]]] = {field: [] for field in FIELDS}
    for index, entity in enumerate(entities):
        field = fields.get(_entity_type(entity, index))
        if field is not None:
            value, start = _entity_text(text, entity, index)
            by_field[field].append((value, float(entity.get("score", 0.0)), start))
    profile: dict[str, Any] = {}
    for field in FIELDS:
        found = sorted(by_field[field], key=lambda item: item[2])  # in the order the resume gives them
        if field in LIST_FIELDS:
            values = [part for value, _, _ in found for part in (_skills(value) if field == "skills" else [value])]
            profile[field] = _unique(values)
        elif field in SINGLE_FIELDS:
            values = [(value, score) for value, score, _ in found if _clean(value)]
            profile[field] = _clean(max(values, key=lambda item: item[1])[0]) if values else None
        else:
            by_score = sorted(found, key=lambda item: -item[1])  # stable: the first of equal scores first
            years = [y for value, _, _ in by_score if (y := parse_years(value)) is not None]
            profile[field] = years[0] if years else years_in_text(text)
    return profile


def parse_years(value: str) -> float | None:
    """Years from an experience phrase: "5 Years 6 Months" -> 5.5, "3+ years" -> 3.0, "五年" / "5年" -> 5.0,
    "三年半" -> 3.5, "18 months" -> 1.5; None when it names no duration."""
    match = _YEARS.search(value)
    if match:
        years = _number(match["years"]) + (0.5 if match["half"] else 0.0)
        if match["months"]:
            years += _number(match["months"]) / 12
        return round(years, 2)
    match = _MONTHS_ONLY.search(value)
    return round(_number(match["months"]) / 12, 2) if match else None


def years_in_text(text: str) -> float | None:
    """The first "N years of experience" (or "experience: N years", "N年工作经验") phrase of a text, in years."""
    match = _EXPERIENCE.search(text)
    if not match:
        return None
    phrase = next(group for group in (match["before"], match["after"], match["zh_before"], match["zh_after"]) if group)
    return parse_years(phrase)


def _number(word: str) -> float:
    word = word.lower()
    if word in _ENGLISH_NUMBERS:
        return float(_ENGLISH_NUMBERS[word])
    if word[0].isdigit():
        return float(word)
    # Chinese numerals up to 99: 十 = 10, 十二 = 12, 二十 = 20, 二十五 = 25.
    if "十" in word:
        tens, _, units = word.partition("十")
        return float((_CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CHINESE_DIGITS.get(units, 0)))
    return float(_CHINESE_DIGITS.get(word[-1], 0))


def _skills(value: str) -> list[str]:
    skills = []
    for part in _SKILL_SEPARATORS.split(value):
        part = _SKILL_YEARS.sub("", _HEADING.sub("", _clean(part)))
        if _clean(part):
            skills.append(_clean(part))
    return skills


def _unique(values: list[str]) -> list[str]:
    """Each value once, case ignored, the first spelling kept."""
    seen, kept = set(), []
    for value in map(_clean, values):
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def _clean(value: str) -> str:
    return " ".join(value.split()).strip(_EDGE_JUNK)


def _entity_type(entity: Any, index: int) -> str:
    if not isinstance(entity, Mapping) or not isinstance(entity.get("type"), str):
        raise ValueError(f"entities[{index}] must be a mapping with a string type, got {entity!r}")
    return entity["type"]


def _entity_text(text: str, entity: Mapping[str, Any], index: int) -> tuple[str, int]:
    """The entity's text, read at its offsets, and where it starts (for ordering)."""
    start, end = entity.get("start"), entity.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise ValueError(f"entities[{index}]: start {start!r} and end {end!r} must be offsets with "
                         f"0 <= start < end <= {len(text)} (the text's length)")
    return text[start:end], start
