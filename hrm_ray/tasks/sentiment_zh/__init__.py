"""Chinese feedback sentiment: review text -> negative / positive (ChnSentiCorp hotel reviews)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hrm_ray.data import parse_labels, read_table
from hrm_ray.kinds.sequence_classification import TextClassificationTask
from hrm_ray.tasks import register
from hrm_ray.tasks.sentiment_zh.synthetic import write_reviews


@register
class SentimentZh(TextClassificationTask):
    name = "sentiment-zh"
    role = "feedback_sentiment"
    language = "zh"
    list_order = 13
    labels = ("negative", "positive")  # the English model's names, so the pipelines can add the two up
    data_files = ("sentiment_zh_hotel_chnsenticorp/ChnSentiCorp_htl_all.csv",)
    default_model = "multilingual-e5-small"
    default_learner = "tfidf"
    default_max_length = 128
    profiles = {"fast": {}, "small": dict(max_train_samples=300, max_eval_samples=100)}
    quality_bar = 0.85
    data_description = "ChnSentiCorp hotel reviews (Tan Songbo): 7,766 Chinese reviews, 69% positive"
    intended_use = "Aggregate sentiment of Chinese employee feedback by team or theme."
    limits = ("Hotel guests' reviews, not employees': workplace wording differs. Scores texts, not people: do not "
              "use it to evaluate an employee.")

    def load(self, data_dir: Path) -> pd.DataFrame:
        path = data_dir / self.data_files[0]
        table = read_table(path, ["label", "review"])
        labels = parse_labels(table, "label", {"0": "negative", "1": "positive"}, path)
        return pd.DataFrame({"text": table["review"].str.strip(), "label": labels})

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        write_reviews(folder / self.data_files[0], rng, rows)
