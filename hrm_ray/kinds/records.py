"""The checks every record value goes through, whatever its kind: text a model can read, numbers a model can hold.

Used where records enter (the HTTP API's schemas, `hrm predict`, batch scoring, the pipelines): once per
record, at the edge, with a message that names the field.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated, Any, Optional, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict

# How exports write a missing value (pandas' own NA spellings, lower-cased).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-"})


def is_missing(value: Any) -> bool:
    """None, NaN, or a blank or NA-like string: a value the record does not have."""
    if isinstance(value, float):
        return value != value  # NaN, as pandas gives a table's empty cell
    return value is None or (isinstance(value, str) and value.strip().lower() in _MISSING)


class InputError(ValueError):
    """A prediction record that does not fit the task; the message names the field."""


# Beyond float32 a value overflows the trees' float32 matrix (XGBoost refuses it as "inf or too large").
_FLOAT32_MAX = float(np.finfo(np.float32).max)


# Valid ranges the tabular tasks share.
NON_NEGATIVE = (0.0, math.inf)  # amounts, counts, distances, years
WORKING_AGE = (14.0, 100.0)  # the youngest legal working age anywhere to a generous upper bound


def unicode_problem(text: str) -> str | None:
    """Why this string is not valid Unicode text (said after the field's name), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate such as "\ud800", which JSON can carry
        return f"has an unpaired surrogate at character {error.start}; send valid Unicode text"
    return None


def text_problem(text: str) -> str | None:
    """Why a model cannot read this text (said after the field's name), or None when it can."""
    problem = unicode_problem(text)
    if problem:
        return problem
    if all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "is empty or has only whitespace and control characters"
    return None


def check_text(field: str, text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise InputError(f"field {field!r} {problem}")
    return text


def check_number(field: str, value: Any, valid: tuple[float, float] | None) -> None:
    """A number (or a numeric string) that is finite, fits float32 and lies in the column's valid range."""
    if isinstance(value, bool):  # JSON true/false is no count or amount (Python would read it as 1/0)
        raise InputError(f"{field} must be a number, got {str(value).lower()}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} must be a number, got {value!r}") from None
    if not math.isfinite(number) or abs(number) > _FLOAT32_MAX:
        raise InputError(f"{field} must be a finite number of at most {_FLOAT32_MAX:.4g} in size, got {value!r}")
    if valid is not None and not valid[0] <= number <= valid[1]:
        low, high = (f"{bound:g}" for bound in valid)
        raise InputError(f"{field} must be in [{low}, {high}], got {value!r}")




def preview(value: Any) -> str:
    """A value as an error message shows it: its repr, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---- the same checks as pydantic types, for the schemas of the kinds and of the HTTP API ----

def _checked(problem_of):
    def check(text: str) -> str:
        problem = problem_of(text)
        if problem:
            raise ValueError(f"text {problem}")
        return text

    return AfterValidator(check)


# Text a model reads or an id the answer echoes: valid Unicode (no lone surrogate) with a visible character.
Text = Annotated[str, _checked(text_problem)]
# A record's column name or value: valid Unicode (an answer may echo it back, e.g. the department).
Unicode = Annotated[str, _checked(unicode_problem)]
Scalar = Optional[Union[Unicode, int, float, bool]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not silently ignored
