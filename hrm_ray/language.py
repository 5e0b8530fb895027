"""Which language a text is in, so that a pipeline can send it to the model trained for that language.

Alphabetic text is told apart by lingua (n-gram models, accurate on sentences). Text written mostly in
ideographs is decided by its script instead, for two reasons: lingua itself tells Chinese from Japanese only
by script (any kana makes it Japanese, so one stray kana in a mis-encoded Chinese review did), and it gives up
or guesses French on a Chinese resume line full of English company names ("熟悉Python、Java，曾在IBM工作").
Text too short for n-grams (a one-word headline reads as French as well as English) gets the fallback.
"""

from __future__ import annotations

import re
from typing import Mapping

# Latin-script languages cost lingua ~40 MB of models each (loaded on the first text that could be theirs);
# the other scripts are nearly free. These four are the common ones an English model must not be handed.
_LATIN = ("ENGLISH", "GERMAN", "FRENCH", "SPANISH")
_OTHER = ("CHINESE", "JAPANESE", "KOREAN", "RUSSIAN")
# lingua answers "unknown" unless its best language leads the second by this much: a 1-3 word text that
# fits English and French alike then takes the fallback instead of a coin flip.
_MIN_RELATIVE_DISTANCE = 0.1
# Fewer words than this: too little for n-grams, the fallback (or the script) decides.
MIN_WORDS = 3
# A Chinese sentence keeps its grammar (verbs, particles, titles) in ideographs even when every name in it is
# English, while an English one rarely carries more than a name in them; so a text whose units (ideographs
# one by one, other words whole) are at least this share ideographs counts as CJK.
CJK_SHARE = 0.3
# Japanese mixes kana into its ideographs (typically a third or more of them); a few stray kana in
# Chinese text (mis-encoded reviews) must not make it Japanese.
KANA_SHARE = 0.1

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# A word of another script: two or more letters that are none of the above ("S.A." is not two words).
_WORD = re.compile(r"(?:(?![\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                   r"\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ebef])[^\W\d_]){2,}")

_detector = None


def _lingua():
    """The detector, built on first use: building is instant, but each language's models load lazily and
    stay loaded, so one detector per process is what keeps the cost to one load."""
    global _detector
    if _detector is None:
        from lingua import Language, LanguageDetectorBuilder

        languages = [getattr(Language, name) for name in _LATIN + _OTHER]
        _detector = (LanguageDetectorBuilder.from_languages(*languages)
                     .with_minimum_relative_distance(_MIN_RELATIVE_DISTANCE).build())
    return _detector


def detect_language(text: str, fallback: str = "en") -> str:
    """The ISO 639-1 code ("en", "zh", "de", ...) of the language `text` is written in.

    Text mostly in ideographs is "zh" ("ja" with kana, "ko" with hangul) whatever English names it holds;
    text of fewer than MIN_WORDS words, symbols or digits only, or that lingua cannot tell apart, is
    `fallback`."""
    return _language_or_none(text) or fallback


def route(text: str, available: Mapping[str, str], default: str) -> str:
    """The model for `text`: `available` maps a language code to a model name (e.g. {"zh": "sentiment-zh"});
    a language with no model of its own, or text whose language cannot be told, gets `default`."""
    language = _language_or_none(text)
    return available.get(language, default) if language else default


def _language_or_none(text: str) -> str | None:
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    han, kana, hangul = (len(pattern.findall(text)) for pattern in (_HAN, _KANA, _HANGUL))
    cjk, words = han + kana + hangul, len(_WORD.findall(text))
    if cjk and cjk / (cjk + words) >= CJK_SHARE:
        if hangul > han + kana:
            return "ko"
        return "ja" if kana >= KANA_SHARE * cjk else "zh"
    if words < MIN_WORDS:
        return None
    language = _lingua().detect_language_of(text)
    return None if language is None else language.iso_code_639_1.name.lower()
