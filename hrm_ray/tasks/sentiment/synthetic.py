"""Invented reviews for the demo without real data: one phrase set per star rating."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REVIEWS = {
    5: ("Great place to grow", "supportive managers, good pay, flexible hours", "busy at peak times"),
    4: ("Good company overall", "friendly team and decent benefits", "processes can be slow"),
    3: ("Average job", "stable work and ok colleagues", "pay is average and promotion is slow"),
    2: ("Not recommended", "some nice colleagues", "poor management, long hours, low pay"),
    1: ("Terrible experience", "none really", "toxic culture, no recognition, constant overtime"),
}


def write_reviews(path: Path, rng, rows: int) -> None:
    records = []
    for i in range(rows):
        rating = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.15, 0.2, 0.25, 0.25]))
        headline, pros, cons = REVIEWS[rating]
        records.append({"firm": f"Firm-{i % 12}", "overall_rating": rating, "headline": f"{headline} ({i})",
                        "pros": pros, "cons": cons})
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records).to_csv(path, index=False)
