"""Redact personal data from free text (resumes, feedback) before a model or a screen shows it.

Emails, phone numbers and URLs are found with patterns; each match is replaced by a tag such as
`[EMAIL]`, so a reader still sees that the resume had one. Names need the resume parser and are not
covered yet: the patterns cannot tell a person's name from a company's.
"""

from __future__ import annotations

import re

# Order matters: URLs first (they may contain @ and digits), then emails, then phone numbers.
PATTERNS = (
    ("URL", re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|me)/[^\s<>\"']*",
                       re.IGNORECASE)),
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    # International or national numbers with at least 9 digits, grouped by spaces, dots, dashes or brackets:
    # long enough not to catch years ("2015-2018") or salaries.
    ("PHONE", re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w])")),
)


def _is_phone(match: str) -> bool:
    digits = sum(ch.isdigit() for ch in match)
    return 9 <= digits <= 15


def redact(text: str) -> tuple[str, dict[str, int]]:
    """The text with personal data replaced by tags, and how many of each kind were replaced."""
    counts: dict[str, int] = {}
    for kind, pattern in PATTERNS:
        def replace(match: re.Match, kind=kind) -> str:
            if kind == "PHONE" and not _is_phone(match.group(0)):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            return f"[{kind}]"

        text = pattern.sub(replace, text)
    return text, counts
