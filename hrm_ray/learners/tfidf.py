"""The classical learner of the sequence-classification kind: TF-IDF n-grams and logistic regression.

Character n-grams by default, so that one setting reads Chinese (no spaces to split words on; most words
are one or two characters) and English (pieces of up to four letters: stems, inflections, typos) alike. On
English alone, word n-grams (`WORD_NGRAMS`) score a little higher; a caller that knows its texts are English
can pass them. Classes are weighted by inverse frequency, as for the fine-tuned models: the
primary metric, macro-F1, counts a rare class as much as a common one. The regularisation C is the one
setting chosen on data (`select_c`); the rest are fixed (docs/classical-learners.md has the measurements).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from hrm_ray.evaluation.metrics import classification_metrics

MODEL_FILE = "tfidf_classifier.joblib"
C_GRID = (0.3, 1, 3, 10, 30, 100)  # inverse regularisation, log-spaced; sparse n-gram models like a large C
GROUP_FOLDS = 5


@dataclass(frozen=True)
class TfidfSettings:
    """How texts become TF-IDF features (the arguments of scikit-learn's TfidfVectorizer of the same names)."""

    analyzer: str = "char_wb"  # n-grams inside whitespace-separated words, padded with a space at each end
    ngram_range: tuple[int, int] = (1, 4)  # English needs pieces this long; Chinese loses nothing by them
    min_df: int = 2  # an n-gram seen in one training text only is noise, and most of the vocabulary
    max_features: int | None = 300_000  # bounds memory and the model file; the most frequent n-grams are kept
    sublinear_tf: bool = True  # 1 + log(tf): a word repeated ten times is not ten times the evidence

    def vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer=self.analyzer, ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                               max_features=self.max_features, sublinear_tf=self.sublinear_tf)


CHAR_NGRAMS = TfidfSettings()
# Word uni- and bigrams: the text baseline of benchmarks/quality.py (hrm_ray/baselines.py), for English text.
WORD_NGRAMS = TfidfSettings(analyzer="word", ngram_range=(1, 2), max_features=200_000)


class TfidfClassifier:
    """Texts -> class probabilities. `predict_proba` columns follow `classes_` (the labels seen in `fit`,
    sorted: for label indices 0..K-1 all present in training, label-index order)."""

    def __init__(self, settings: TfidfSettings = CHAR_NGRAMS):
        self.settings = settings
        self.vectorizer: TfidfVectorizer | None = None
        self.model: LogisticRegression | None = None

    @property
    def classes_(self) -> np.ndarray:
        return self._fitted_model().classes_

    def fit(self, texts: Sequence[str], labels: Sequence[Any], C: float = 10) -> TfidfClassifier:
        texts, labels = _checked(texts, labels, "texts", "labels")
        self.vectorizer = self.settings.vectorizer().fit(texts)
        self.model = _logistic_regression(self.vectorizer.transform(texts), labels, C)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        model = self._fitted_model()
        return model.predict_proba(self.vectorizer.transform(_checked_texts(texts, "texts")))

    def save(self, folder: str | Path) -> Path:
        """Write the fitted vectoriser and model to `folder`/tfidf_classifier.joblib (the folder is created)."""
        model = self._fitted_model()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MODEL_FILE
        joblib.dump({"settings": asdict(self.settings), "vectorizer": self.vectorizer, "model": model}, path)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> TfidfClassifier:
        """The classifier `save` wrote to `folder`.

        joblib files are pickles: loading one runs whatever code it names. Load only folders from a registry
        you trust (your own training runs), never a file a user uploaded or downloaded from elsewhere."""
        path = Path(folder) / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no TF-IDF model in {folder}: {MODEL_FILE} is missing")
        saved = joblib.load(path)
        settings = dict(saved["settings"], ngram_range=tuple(saved["settings"]["ngram_range"]))
        classifier = cls(TfidfSettings(**settings))
        classifier.vectorizer, classifier.model = saved["vectorizer"], saved["model"]
        return classifier

    def _fitted_model(self) -> LogisticRegression:
        if self.model is None or self.vectorizer is None:
            raise RuntimeError("the TfidfClassifier is not fitted: call fit() or load() first")
        return self.model


def select_c(train_texts: Sequence[str], train_labels: Sequence[Any], val_texts: Sequence[str],
             val_labels: Sequence[Any], grid: Sequence[float] = C_GRID, metric: str = "macro_f1",
             groups: Sequence[Any] | None = None,
             settings: TfidfSettings = CHAR_NGRAMS) -> tuple[TfidfClassifier, dict]:
    """The C of `grid` that scores best on `metric` (a key of classification_metrics: "macro_f1",
    "accuracy", "roc_auc" for two classes), and the classifier fitted on the train split with it.

    Without `groups`: each C is fitted on train and scored on validation (the vectoriser is fitted once;
    only the classifier depends on C). With `groups` (one per train row, then one per validation row, e.g.
    the firm a review is about): GroupKFold over train + validation, so that no group is both in a fold's
    training rows and in the rows it is scored on, and the mean over folds decides: a validation split of a
    few firms says more about those firms than about C. Either way the classifier returned is fitted on
    the train split alone, so that it is never scored on rows it learned from. Ties go to the C listed first.
    Returns the classifier and what was chosen: {"C", "metric", "score", "scores" (C -> score),
    "fold_scores" (C -> one score per fold, grouped only), "how", "seconds"}."""
    started = time.perf_counter()
    train_texts, train_labels = _checked(train_texts, train_labels, "train_texts", "train_labels")
    val_texts, val_labels = _checked(val_texts, val_labels, "val_texts", "val_labels", min_classes=1)
    grid = [float(C) for C in grid]
    if not grid or any(C <= 0 for C in grid):
        raise ValueError(f"grid must hold one or more positive values of C, got {grid}")
    # Scores are over every class of either split, so a class a fold's training rows lack counts as 0.
    classes = sorted(set(train_labels) | set(val_labels))
    fold_scores: dict[float, list[float]] | None = None
    if groups is None:
        scores, fitted = _validation_scores(train_texts, train_labels, val_texts, val_labels, grid, metric,
                                            classes, settings)
        how = "validation split"
    else:
        texts, labels = train_texts + val_texts, train_labels + val_labels
        groups = list(groups)
        if len(groups) != len(texts):
            raise ValueError(f"groups must have one value per train row and then per validation row "
                             f"({len(texts)}), got {len(groups)}")
        fold_scores = _grouped_fold_scores(texts, labels, groups, grid, metric, classes, settings)
        scores = {C: float(np.mean(values)) for C, values in fold_scores.items()}
        folds = len(next(iter(fold_scores.values())))
        how = f"GroupKFold({folds}) over train + validation, {len(set(groups))} groups"
        fitted = None
    best_C = max(grid, key=lambda C: scores[C])  # max keeps the first of equal scores
    model = fitted[best_C] if fitted else TfidfClassifier(settings).fit(train_texts, train_labels, best_C)
    chosen = {"C": best_C, "metric": metric, "score": scores[best_C], "scores": scores, "fold_scores": fold_scores,
              "how": how, "seconds": time.perf_counter() - started}
    return model, chosen


def _validation_scores(train_texts, train_labels, val_texts, val_labels, grid, metric, classes,
                       settings) -> tuple[dict[float, float], dict[float, TfidfClassifier]]:
    """Each C's validation score, and its classifier (all share the vectoriser: only the model depends on C)."""
    vectorizer = settings.vectorizer().fit(train_texts)
    train_matrix, val_matrix = vectorizer.transform(train_texts), vectorizer.transform(val_texts)
    scores, fitted = {}, {}
    for C in grid:
        classifier = TfidfClassifier(settings)
        classifier.vectorizer, classifier.model = vectorizer, _logistic_regression(train_matrix, train_labels, C)
        scores[C] = _score(classifier.model, val_matrix, val_labels, metric, classes)
        fitted[C] = classifier
    return scores, fitted


def _grouped_fold_scores(texts, labels, groups, grid, metric, classes, settings) -> dict[float, list[float]]:
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError(f"groups must hold at least 2 distinct values to cross-validate, got {n_groups}")
    scores: dict[float, list[float]] = {C: [] for C in grid}
    labels = np.asarray(labels)
    for fit_rows, scored_rows in GroupKFold(min(GROUP_FOLDS, n_groups)).split(texts, labels, groups):
        # The vectoriser too is fitted on the fold's training rows: its vocabulary and IDF would otherwise
        # have seen the scored groups.
        vectorizer = settings.vectorizer().fit([texts[i] for i in fit_rows])
        fit_matrix = vectorizer.transform([texts[i] for i in fit_rows])
        scored_matrix = vectorizer.transform([texts[i] for i in scored_rows])
        for C in grid:
            model = _logistic_regression(fit_matrix, labels[fit_rows].tolist(), C)
            scores[C].append(_score(model, scored_matrix, labels[scored_rows].tolist(), metric, classes))
    return scores


def _score(model: LogisticRegression, matrix, labels: list, metric: str, classes: list) -> float:
    """`metric` over `classes`, the model's probability columns placed at their class (0 for one it lacks)."""
    probs = np.zeros((matrix.shape[0], len(classes)))
    probs[:, [classes.index(c) for c in model.classes_]] = model.predict_proba(matrix)
    y_true = np.array([classes.index(label) for label in labels])
    metrics = classification_metrics([str(c) for c in classes], y_true, probs)
    if metric not in metrics or isinstance(metrics[metric], dict):
        names = sorted(key for key, value in metrics.items() if not isinstance(value, dict) and key != "n")
        raise ValueError(f"metric must be one of {names} for {len(classes)} classes, got {metric!r}")
    if metrics[metric] is None:
        raise ValueError(f"{metric} is undefined on scored rows of a single class: choose another metric")
    return float(metrics[metric])


def _logistic_regression(matrix, labels: list, C: float) -> LogisticRegression:
    return LogisticRegression(max_iter=2000, C=C, class_weight="balanced").fit(matrix, labels)


def _checked_texts(texts: Sequence[str], name: str) -> list[str]:
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{i}] must be a string, got {type(text).__name__}")
    return texts


def _checked(texts: Sequence[str], labels: Sequence[Any], text_name: str, label_name: str,
             min_classes: int = 2) -> tuple[list, list]:
    texts, labels = _checked_texts(texts, text_name), list(labels)
    if len(texts) != len(labels):
        raise ValueError(f"{text_name} and {label_name} differ in length: {len(texts)} and {len(labels)}")
    if len(set(labels)) < min_classes:
        raise ValueError(f"{label_name} must hold at least {min_classes} classes to learn from, "
                         f"got {sorted(set(labels))}")
    return texts, labels
