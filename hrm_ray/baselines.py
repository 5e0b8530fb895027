"""The classical baseline each text task's model is measured against: TF-IDF + logistic regression."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def fit_tfidf_baseline(texts: Sequence[str], labels: Sequence[int]) -> Callable[[Sequence[str]], np.ndarray]:
    """Fit on the train split; returns texts -> class probabilities (columns in label-index order).

    Word uni- and bigrams with sublinear term frequency, and classes weighted by inverse frequency, as a
    careful team's first model would be: the bar the fine-tuned models must clear in benchmarks/quality.py.
    """
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_features=200_000)
    model = LogisticRegression(max_iter=2000, C=10, class_weight="balanced")
    model.fit(vectorizer.fit_transform(texts), labels)
    return lambda new_texts: model.predict_proba(vectorizer.transform(new_texts))
