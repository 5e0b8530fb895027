"""The classical baselines the task models are measured against (benchmarks/quality.py, experiments/recipe_sweep.py).

Text tasks: TF-IDF + logistic regression, its C chosen on the validation split. Tabular tasks: what a user
would fit on the columns themselves, logistic regression (standard scaling + one-hot) and scikit-learn's
histogram gradient boosting (categories as categories), their settings chosen by cross-validation on the
train split: a tabular validation split holds ~120 rows (attrition: ~20 leavers), too few to choose on.
Nothing here ever looks at the test split; the caller scores it once, with the chosen model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.learners.tfidf import C_GRID, WORD_NGRAMS, TfidfClassifier, select_c

TFIDF_C_GRID = C_GRID  # inverse regularisation, log-spaced around the old fixed C=10
CV_FOLDS = 5
SEED = 0


@dataclass
class Baseline:
    """A fitted baseline: inputs -> class probabilities (columns in label-index order), and what was chosen."""

    name: str
    column: str  # what it reads from a task frame: "text", or "record" (tabular rows as dicts)
    predict_proba: Callable[[Sequence[Any]], np.ndarray]
    chosen: str  # the settings picked and the score they were picked on, for the report
    fit_seconds: float  # the settings search included


# ---- text: TF-IDF + logistic regression (the sequence-classification kind's tfidf learner, on words) ----


def fit_tfidf_baseline(texts: Sequence[str], labels: Sequence[int],
                       C: float = 10) -> Callable[[Sequence[str]], np.ndarray]:
    """Fit on the train split; returns texts -> class probabilities (columns in label-index order).

    Word uni- and bigrams with sublinear term frequency, and classes weighted by inverse frequency, as a
    careful team's first model would be: the bar the fine-tuned models must clear in benchmarks/quality.py.
    """
    return TfidfClassifier(WORD_NGRAMS).fit(texts, labels, C).predict_proba


def fit_tuned_tfidf_baseline(task_labels: Sequence[str], metric: str, train_texts: Sequence[str],
                             train_labels: Sequence[int], validation_texts: Sequence[str],
                             validation_labels: Sequence[int], grid: Sequence[float] = TFIDF_C_GRID) -> Baseline:
    """TF-IDF + logistic regression with the C that scores best on the validation split (`metric`, e.g.
    macro_f1, over the classes of train and validation), fitted on the train split.

    `task_labels` is kept for the callers' sake: the probability columns follow the label indices."""
    model, chosen = select_c(train_texts, train_labels, validation_texts, validation_labels, grid, metric,
                             settings=WORD_NGRAMS)
    summary = f"C={chosen['C']:g} of {list(grid)}, validation {metric} {chosen['score']:.3f}"
    return Baseline("TF-IDF + logistic regression", "text", model.predict_proba, summary, chosen["seconds"])


# ---- tabular: models on the columns ----


def column_frame(task: TabularTask, records: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Records as a table of `columns`: numbers as floats (missing: NaN), categories as text."""
    frame = pd.DataFrame.from_records(list(records)).reindex(columns=list(columns))
    for column in columns:
        if column in task.numeric_columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        else:
            frame[column] = frame[column].fillna("").astype(str).str.strip()
    return frame


def fit_tabular_baselines(task: TabularTask, records: Sequence[dict[str, Any]], labels: Sequence[int],
                          columns: Sequence[str] | None = None) -> list[Baseline]:
    """Logistic regression and histogram gradient boosting on the columns of the train split, each with the
    settings that score best (the task's primary metric) in stratified cross-validation on those rows.

    `columns`: the ones the task models read (default: the task's, known before its decision), so that no
    baseline reads a column the models may not (performance's raise follows from the rating it predicts)."""
    columns = list(columns or task.default_columns())
    frame, y = column_frame(task, records, columns), np.asarray(labels)
    numeric = [c for c in columns if c in task.numeric_columns]
    categorical = [c for c in columns if c not in task.numeric_columns]
    searches = {
        "logistic regression on the columns (scaled, one-hot)": (
            _logistic_regression(numeric, categorical), {"model__C": [0.01, 0.03, 0.1, 0.3, 1, 3]}),
        "gradient boosting on the columns (scikit-learn, categorical)": (
            _gradient_boosting(numeric, categorical),
            {"model__learning_rate": [0.03, 0.1], "model__max_depth": [2, 3, None],
             "model__class_weight": [None, "balanced"]}),
    }
    scorer = _task_scorer(task)
    baselines = []
    for name, (pipeline, grid) in searches.items():
        started = time.perf_counter()
        folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED)
        search = GridSearchCV(pipeline, grid, scoring=scorer, cv=folds, n_jobs=1).fit(frame, y)
        settings = ", ".join(f"{key.removeprefix('model__')}={value}" for key, value in search.best_params_.items())
        chosen = f"{settings}; {CV_FOLDS}-fold CV {task.primary_metric} on train {search.best_score_:.3f}"
        baselines.append(Baseline(name, "record", _on_records(task, search.best_estimator_, columns), chosen,
                                  time.perf_counter() - started))
    return baselines


def _on_records(task: TabularTask, model: Pipeline,
                columns: list[str]) -> Callable[[Sequence[dict[str, Any]]], np.ndarray]:
    return lambda records: model.predict_proba(column_frame(task, records, columns))


def _logistic_regression(numeric: list[str], categorical: list[str]) -> Pipeline:
    columns = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    # Classes weighted by inverse frequency, as for TF-IDF: attrition has ~16% leavers.
    return Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=5000, class_weight="balanced"))])


def _gradient_boosting(numeric: list[str], categorical: list[str]) -> Pipeline:
    # Categories become codes the trees split on as categories (not as ordered numbers); an unseen one, or a
    # missing number, is a missing value, which the trees route on their own.
    columns = ColumnTransformer([
        ("numbers", "passthrough", numeric),
        ("categories", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), categorical),
    ])
    is_category = [False] * len(numeric) + [True] * len(categorical)
    model = HistGradientBoostingClassifier(categorical_features=is_category, max_iter=300, random_state=SEED)
    return Pipeline([("columns", columns), ("model", model)])


def _task_scorer(task: TabularTask) -> Callable:
    """The task's primary metric as hrm computes it (macro-F1 over every declared class, or ROC-AUC)."""
    def score(model, frame: pd.DataFrame, y: np.ndarray) -> float:
        return classification_metrics(task.labels, y, model.predict_proba(frame))[task.primary_metric]

    return score
