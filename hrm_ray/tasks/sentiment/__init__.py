"""Employee feedback sentiment: review text -> negative / neutral / positive (Glassdoor reviews)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hrm_ray.data import parse_labels, read_table
from hrm_ray.kinds.sequence_classification import TextClassificationTask
from hrm_ray.tasks import register
from hrm_ray.tasks.sentiment.synthetic import write_reviews

RATING_TO_LABEL = {"1": "negative", "2": "negative", "3": "neutral", "4": "positive", "5": "positive"}


def review_text(headline: str, pros: str, cons: str) -> str:
    parts = [headline.strip(), f"Pros: {pros.strip()}" if pros.strip() else "", f"Cons: {cons.strip()}" if cons.strip() else ""]
    return "\n".join(part for part in parts if part)


@register
class Sentiment(TextClassificationTask):
    name = "sentiment"
    role = "feedback_sentiment"
    list_order = 1
    labels = ("negative", "neutral", "positive")
    data_files = ("employee_reviews_glassdoor_sample/glassdoor_reviews.csv",)
    # Median review (headline + pros + cons) is ~46 tokens, 1 in 10 runs past 150: the long ones are read
    # as up to 4 chunks rather than cut.
    default_max_length = 128
    default_max_chunks = 4
    # Positive is 55% of the reviews, neutral (the hardest class) 25%, negative 20%, and macro-F1 counts each
    # class alike: hence weighting the loss by inverse class frequency. The GPU sweep that kept it compared on
    # the test split, whose negative share (25%) differs from train's (20%): to be re-derived on validation,
    # grouped by firm (docs/selection.md).
    default_class_weighted_loss = True
    profiles = {
        "fast": dict(max_train_samples=1600, epochs=2, max_length=64),
        "small": dict(max_train_samples=120, max_length=64, epochs=3, lr=1e-4),
    }
    quality_bar = 0.70
    # Word n-grams: 0.607 macro-F1 against characters' 0.586 in grouped 5-fold selection (docs/classical-learners.md).
    tfidf_words = True
    data_description = (
        "Glassdoor reviews of UK employers (headline, pros, cons); overall rating 1-2 negative, 3 neutral, "
        "4-5 positive; split by firm so test firms are unseen in training"
    )
    split_description = "Exact-duplicate texts removed, then a seeded 80/10/10 split grouped by firm"
    intended_use = "Aggregate sentiment of employee feedback (surveys, exit interviews) by team or theme."
    limits = (
        "Trained on public reviews of retail, consulting and finance firms; neutral is the hardest class. "
        "Scores individual texts, not people: do not use it to evaluate an employee."
    )

    def load(self, data_dir: Path) -> pd.DataFrame:
        path = data_dir / self.data_files[0]
        table = read_table(path, ["firm", "overall_rating", "headline", "pros", "cons"])
        labels = parse_labels(table, "overall_rating", RATING_TO_LABEL, path)
        texts = [review_text(h, p, c) for h, p, c in zip(table["headline"], table["pros"], table["cons"])]
        return pd.DataFrame({"text": texts, "label": labels, "group": table["firm"]})

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        write_reviews(folder / self.data_files[0], rng, rows)
