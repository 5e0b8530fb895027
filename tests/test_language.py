"""Language detection and routing on real resumes and reviews, English and Chinese."""

from __future__ import annotations

import csv
import json
import random
import re

import pytest

from hrm_ray.language import detect_language, route

PER_SOURCE = 12  # a seeded sample of each source: a few dozen texts in all, a few seconds with lingua


def _sample(texts: list[str], seed: int = 0) -> list[str]:
    return random.Random(seed).sample(texts, PER_SOURCE)


def _bmes_sentences(path) -> list[str]:
    """The sentences of a character-per-line BMES file (blank line between sentences)."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line.split(" ")[0])
        elif current:
            sentences.append("".join(current))
            current = []
    if current:
        sentences.append("".join(current))
    return sentences


@pytest.fixture(scope="module")
def english(data_dir) -> list[str]:
    with open(data_dir / "employee_reviews_glassdoor_sample/glassdoor_reviews.csv", encoding="utf-8") as file:
        reviews = [f"{row['headline']}\nPros: {row['pros']}\nCons: {row['cons']}" for row in csv.DictReader(file)]
    lines = (data_dir / "resume_ner_dataturks_en/traindata.json").read_text(encoding="utf-8").splitlines()
    resumes = [json.loads(line)["content"][:600] for line in lines if line.strip()]
    return _sample(reviews) + _sample(resumes)


@pytest.fixture(scope="module")
def chinese_sentences(data_dir) -> list[str]:
    return _bmes_sentences(data_dir / "resume_ner_zh/train.char.bmes")


@pytest.fixture(scope="module")
def chinese(data_dir, chinese_sentences) -> list[str]:
    with open(data_dir / "sentiment_zh_hotel_chnsenticorp/ChnSentiCorp_htl_all.csv", encoding="utf-8") as file:
        reviews = [row["review"] for row in csv.DictReader(file)]
    return _sample(reviews) + _sample(chinese_sentences)


def test_english_resumes_and_reviews_are_english(english):
    assert [detect_language(text) for text in english] == ["en"] * len(english)


def test_chinese_reviews_and_resume_sentences_are_chinese(chinese):
    assert [detect_language(text) for text in chinese] == ["zh"] * len(chinese)


def test_chinese_resume_lines_full_of_english_company_names_are_chinese(chinese_sentences):
    # e.g. "曾任美国AppliedMaterials公司市场分析师、...InvestorGrowthCapitalAsia资深投资总监": lingua alone
    # calls some of these French or cannot tell.
    mixed = [s for s in chinese_sentences if len(re.findall(r"[A-Za-z]{3,}", s)) >= 2]
    assert len(mixed) >= 10
    assert [detect_language(text) for text in mixed] == ["zh"] * len(mixed)
    assert detect_language("熟悉Python、Java、C++、SQL，曾在IBM、Accenture工作") == "zh"


def test_an_english_sentence_with_a_chinese_name_stays_english():
    assert detect_language("Worked with 王伟 at Huawei on 5G network planning for three years") == "en"


def test_other_european_languages_are_not_forced_to_english():
    assert detect_language("Ich arbeite seit fünf Jahren als Softwareentwicklerin in einem kleinen Team.") == "de"
    assert detect_language("Une équipe très sympathique mais les salaires sont trop bas pour la région.") == "fr"
    assert detect_language("Buen ambiente de trabajo, aunque los horarios son largos y poco flexibles.") == "es"


def test_japanese_and_korean_are_told_from_chinese_by_their_script():
    assert detect_language("東京の会社でソフトウェアエンジニアとして働いています。") == "ja"
    assert detect_language("서울에서 소프트웨어 엔지니어로 일하고 있습니다.") == "ko"


def test_short_or_symbol_only_text_falls_back_by_script():
    assert detect_language("很好") == "zh"
    assert detect_language("张伟") == "zh"
    assert detect_language("Excellent employer") == "en"  # lingua alone: French
    assert detect_language("!!! 123") == "en"
    assert detect_language("", fallback="xx") == "xx"


def test_route_picks_the_model_of_the_language_or_the_default(chinese, english):
    models = {"zh": "sentiment-zh", "en": "sentiment"}
    assert route(chinese[0], models, default="sentiment") == "sentiment-zh"
    assert route(english[0], models, default="none") == "sentiment"
    assert route("Ich arbeite seit fünf Jahren als Softwareentwicklerin.", models, default="sentiment") == "sentiment"
    assert route("???", {"en": "english-model"}, default="default-model") == "default-model"


def test_text_that_is_not_a_string_is_refused():
    with pytest.raises(ValueError, match="string"):
        detect_language(None)
