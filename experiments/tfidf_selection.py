"""How the TF-IDF learner's settings were chosen (hrm_ray/learners/tfidf.py); results in docs/classical-learners.md.

    cd /work/main && nice -n 10 flock /tmp/hrm-heavy.lock .venv/bin/python experiments/tfidf_selection.py \
        --data-dir /work/shared/data

Exact-duplicate texts are dropped first (the first kept), as the task loaders do.
1. Chinese hotel reviews (ChnSentiCorp, positive/negative), a seeded stratified 80/10/10 split (seed 0): for
   a few n-gram settings, C chosen on the validation split by macro-F1, with that C's validation accuracy and
   macro-F1 and the seconds one fit takes. Only train and validation are read; the test split is left alone.
2. English Glassdoor reviews (negative/neutral/positive), the sentiment task's split grouped by firm: C chosen
   by GroupKFold over train + validation (no firm both in a fold's training rows and its scored rows), each
   fold's macro-F1, beside the C the plain validation split picks.
3. English n-gram settings compared by that grouped selection (a smaller grid around the C chosen in 2): the
   validation split holds three firms, one of them 88% of its rows: too few to rank settings on.

`--part` runs one of these alone (1 `chinese`, 2 `grouped`, 3 `english-settings`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from hrm_ray.data import SplitSpec, drop_duplicate_texts, read_table, split_frame
from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.learners.tfidf import (C_GRID, CHAR_NGRAMS, GROUP_FOLDS, WORD_NGRAMS, TfidfClassifier, TfidfSettings,
                                    select_c)

CHINESE_SETTINGS = {
    "char_wb (1, 2)": TfidfSettings(ngram_range=(1, 2)),
    "char_wb (1, 3)": TfidfSettings(ngram_range=(1, 3)),
    "char_wb (2, 4)": TfidfSettings(ngram_range=(2, 4)),
    "char_wb (1, 4) [default]": CHAR_NGRAMS,
    "word (1, 2) [the word baseline: no spaces to split Chinese on]": WORD_NGRAMS,
}
ENGLISH_SETTINGS = {
    "char_wb (1, 3)": TfidfSettings(ngram_range=(1, 3)),
    "char_wb (1, 4) [default]": CHAR_NGRAMS,
    "char_wb (2, 4)": TfidfSettings(ngram_range=(2, 4)),
    "char_wb (2, 5)": TfidfSettings(ngram_range=(2, 5)),
    "word (1, 2)": WORD_NGRAMS,
}
SETTINGS_GRID = (1, 3, 10)
RATING_TO_LABEL = {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}  # negative, neutral, positive


def chinese_reviews(data_dir: Path) -> pd.DataFrame:
    table = read_table(data_dir / "sentiment_zh_hotel_chnsenticorp/ChnSentiCorp_htl_all.csv", ["label", "review"])
    table = table[table["review"].str.strip() != ""]
    frame = pd.DataFrame({"text": table["review"].tolist(), "label": table["label"].astype(int).tolist()})
    return drop_duplicate_texts(frame, "ChnSentiCorp")  # so that no review is in two splits


def glassdoor_reviews(data_dir: Path) -> pd.DataFrame:
    table = read_table(data_dir / "employee_reviews_glassdoor_sample/glassdoor_reviews.csv",
                       ["firm", "overall_rating", "headline", "pros", "cons"])
    table = table[table["overall_rating"].isin(list(RATING_TO_LABEL))]
    texts = [f"{h.strip()}\nPros: {p.strip()}\nCons: {c.strip()}"
             for h, p, c in zip(table["headline"], table["pros"], table["cons"])]
    frame = pd.DataFrame({"text": texts, "label": table["overall_rating"].map(RATING_TO_LABEL).tolist(),
                          "group": table["firm"].tolist()})
    return drop_duplicate_texts(frame, "Glassdoor")


def validation_metrics(model: TfidfClassifier, split: pd.DataFrame, n_classes: int) -> dict:
    metrics = classification_metrics([str(i) for i in range(n_classes)], split["label"].to_numpy(),
                                     model.predict_proba(split["text"].tolist()))
    return {"accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4)}


def compare_settings(splits: dict, settings: dict, n_classes: int) -> dict:
    train, validation = splits["train"], splits["validation"]
    results = {}
    for name, setting in settings.items():
        model, chosen = select_c(train["text"].tolist(), train["label"].tolist(), validation["text"].tolist(),
                                 validation["label"].tolist(), metric="macro_f1", settings=setting)
        started = time.perf_counter()
        TfidfClassifier(setting).fit(train["text"].tolist(), train["label"].tolist(), chosen["C"])
        results[name] = {"C": chosen["C"], **validation_metrics(model, validation, n_classes),
                         "fit_seconds": round(time.perf_counter() - started, 2),
                         "selection_seconds": round(chosen["seconds"], 1),
                         "features": len(model.vectorizer.vocabulary_),
                         "macro_f1_by_C": {f"{C:g}": round(s, 4) for C, s in chosen["scores"].items()}}
        print(name, json.dumps(results[name]), flush=True)
    return results


def grouped_selection(splits: dict) -> dict:
    train, validation = splits["train"], splits["validation"]
    both = pd.concat([train, validation], ignore_index=True)
    model, chosen = select_c(train["text"].tolist(), train["label"].tolist(), validation["text"].tolist(),
                             validation["label"].tolist(), metric="macro_f1", groups=both["group"].tolist())
    # The firms each fold scores on, as GroupKFold (deterministic) assigns them inside select_c.
    folds = GroupKFold(min(GROUP_FOLDS, both["group"].nunique())).split(both["text"], both["label"], both["group"])
    scored_firms = [sorted(both["group"].iloc[rows].unique().tolist()) + [f"{len(rows)} rows"] for _, rows in folds]
    _, by_validation = select_c(train["text"].tolist(), train["label"].tolist(), validation["text"].tolist(),
                                validation["label"].tolist(), metric="macro_f1")
    result = {
        "how": chosen["how"], "C": chosen["C"], "mean_macro_f1": round(chosen["score"], 4),
        "fold_macro_f1_at_chosen_C": [round(s, 4) for s in chosen["fold_scores"][chosen["C"]]],
        "mean_macro_f1_by_C": {f"{C:g}": round(s, 4) for C, s in chosen["scores"].items()},
        "fold_macro_f1_by_C": {f"{C:g}": [round(s, 4) for s in v] for C, v in chosen["fold_scores"].items()},
        "scored_firms_per_fold": scored_firms, "selection_seconds": round(chosen["seconds"], 1),
        "validation_split_firms": sorted(validation["group"].unique().tolist()),
        "C_by_validation_split": by_validation["C"],
        "validation_macro_f1_by_C": {f"{C:g}": round(s, 4) for C, s in by_validation["scores"].items()},
        "validation_metrics_of_grouped_choice": validation_metrics(model, validation, 3),
    }
    print(json.dumps(result, indent=1), flush=True)
    return result


def grouped_settings(splits: dict) -> dict:
    train, validation = splits["train"], splits["validation"]
    groups = pd.concat([train, validation], ignore_index=True)["group"].tolist()
    results = {}
    for name, setting in ENGLISH_SETTINGS.items():
        _, chosen = select_c(train["text"].tolist(), train["label"].tolist(), validation["text"].tolist(),
                             validation["label"].tolist(), grid=SETTINGS_GRID, metric="macro_f1", groups=groups,
                             settings=setting)
        results[name] = {"C": chosen["C"], "mean_macro_f1": round(chosen["score"], 4),
                         "fold_macro_f1": [round(s, 4) for s in chosen["fold_scores"][chosen["C"]]],
                         "mean_macro_f1_by_C": {f"{C:g}": round(s, 4) for C, s in chosen["scores"].items()},
                         "selection_seconds": round(chosen["seconds"], 1)}
        print(name, json.dumps(results[name]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--part", choices=("all", "chinese", "grouped", "english-settings"), default="all")
    parser.add_argument("--output", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    print(f"C grid {list(C_GRID)}", flush=True)
    results = {}
    if args.part in ("all", "chinese"):
        chinese = split_frame(chinese_reviews(args.data_dir), SplitSpec(validation=0.1, test=0.1, seed=0))
        print("ChnSentiCorp", {name: len(split) for name, split in chinese.items()},
              "positive share of train", round(float(np.mean(chinese["train"]["label"])), 3), flush=True)
        results["chnsenticorp"] = compare_settings(chinese, CHINESE_SETTINGS, 2)
    if args.part != "chinese":
        glassdoor = split_frame(glassdoor_reviews(args.data_dir), SplitSpec())  # the sentiment task's split
        print("Glassdoor", {name: len(split) for name, split in glassdoor.items()}, flush=True)
    if args.part in ("all", "grouped"):
        results["glassdoor_validation_split"] = compare_settings(glassdoor, ENGLISH_SETTINGS, 3)
        results["glassdoor_grouped"] = grouped_selection(glassdoor)
    if args.part in ("all", "english-settings"):
        results["glassdoor_grouped_settings"] = grouped_settings(glassdoor)
    if args.output:
        args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
