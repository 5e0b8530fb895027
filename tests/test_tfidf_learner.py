"""The TF-IDF learner: learns Chinese and English reviews, saves and loads, chooses C without leaking groups."""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest

from hrm_ray.learners.tfidf import C_GRID, WORD_NGRAMS, TfidfClassifier, select_c


@pytest.fixture(scope="module")
def hotel_reviews(data_dir) -> tuple[list[str], list[int]]:
    """1,000 ChnSentiCorp reviews, a seeded sample (the full 6,213 take a few seconds per fit)."""
    with open(data_dir / "sentiment_zh_hotel_chnsenticorp/ChnSentiCorp_htl_all.csv", encoding="utf-8") as file:
        rows = [(row["review"], int(row["label"])) for row in csv.DictReader(file) if row["review"].strip()]
    rows = random.Random(0).sample(rows, 1000)
    return [text for text, _ in rows], [label for _, label in rows]


def test_character_ngrams_learn_chinese_reviews_without_word_segmentation(hotel_reviews):
    texts, labels = hotel_reviews
    model = TfidfClassifier().fit(texts[:800], labels[:800], C=10)
    probs = model.predict_proba(texts[800:])
    assert probs.shape == (200, 2) and np.allclose(probs.sum(axis=1), 1)
    assert list(model.classes_) == [0, 1]
    accuracy = float(np.mean(probs.argmax(axis=1) == np.array(labels[800:])))
    assert accuracy > 0.8  # ~0.9 on the full data (docs/classical-learners.md); the majority class is 0.69


def test_a_saved_classifier_loads_and_predicts_the_same(hotel_reviews, tmp_path):
    texts, labels = hotel_reviews
    model = TfidfClassifier().fit(texts[:300], labels[:300], C=3)
    path = model.save(tmp_path / "model")
    assert path.is_file()
    loaded = TfidfClassifier.load(tmp_path / "model")
    assert loaded.settings == model.settings
    assert np.array_equal(loaded.predict_proba(texts[300:350]), model.predict_proba(texts[300:350]))
    with pytest.raises(FileNotFoundError, match="tfidf_classifier.joblib"):
        TfidfClassifier.load(tmp_path / "nowhere")


def test_select_c_on_the_validation_split_returns_the_model_fitted_with_that_c(hotel_reviews):
    texts, labels = hotel_reviews
    model, chosen = select_c(texts[:700], labels[:700], texts[700:], labels[700:], grid=(0.3, 10), metric="accuracy")
    assert chosen["C"] in (0.3, 10) and set(chosen["scores"]) == {0.3, 10} and chosen["fold_scores"] is None
    assert chosen["score"] == max(chosen["scores"].values())
    assert model.model.C == chosen["C"]
    accuracy = float(np.mean(model.predict_proba(texts[700:]).argmax(axis=1) == np.array(labels[700:])))
    assert accuracy == pytest.approx(chosen["score"])


def test_grouped_selection_never_scores_a_group_it_trained_on():
    """Each group's label is its own and each group has a word no other has: a model that saw the scored
    groups would read their word and score ~1; one that did not is left guessing from common words."""
    rng = random.Random(0)
    common = "good bad pay team shift manager store hours staff office".split()
    texts, labels, groups = [], [], []
    for group in range(10):
        marker = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
        for _ in range(20):
            texts.append(" ".join([marker] + rng.sample(common, 4)))
            labels.append(group % 2)
            groups.append(f"firm-{group}")
    train = list(range(0, 200, 2))
    validation = list(range(1, 200, 2))

    def rows(values, index):
        return [values[i] for i in index]

    _, grouped = select_c(rows(texts, train), rows(labels, train), rows(texts, validation), rows(labels, validation),
                          grid=(1, 100), metric="accuracy", settings=WORD_NGRAMS,
                          groups=rows(groups, train) + rows(groups, validation))
    assert all(len(scores) == 5 for scores in grouped["fold_scores"].values())
    assert max(grouped["scores"].values()) < 0.8
    # The same rows split at random, each group on both sides: the marker words give every label away.
    _, leaky = select_c(rows(texts, train), rows(labels, train), rows(texts, validation), rows(labels, validation),
                        grid=(1, 100), metric="accuracy", settings=WORD_NGRAMS)
    assert leaky["score"] == 1.0


def test_bad_input_gets_an_error_that_names_it(hotel_reviews):
    texts, labels = hotel_reviews
    with pytest.raises(ValueError, match="texts and labels differ in length"):
        TfidfClassifier().fit(texts[:10], labels[:9])
    with pytest.raises(ValueError, match=r"texts\[1\] must be a string"):
        TfidfClassifier().fit([texts[0], None], [0, 1])
    with pytest.raises(ValueError, match="groups must have one value per train row"):
        select_c(texts[:50], labels[:50], texts[50:60], labels[50:60], groups=["a", "b"] * 5)
    with pytest.raises(ValueError, match="metric must be one of"):
        select_c(texts[:50], labels[:50], texts[50:60], labels[50:60], grid=(1,), metric="f1")
    with pytest.raises(RuntimeError, match="not fitted"):
        TfidfClassifier().predict_proba(["好"])
    assert C_GRID == tuple(sorted(C_GRID))
