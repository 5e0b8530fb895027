"""The CRF learner on the three span data sets, scored on validation only (docs/token-classification.md).

    nice -n 10 flock /tmp/hrm-heavy.lock .venv/bin/python experiments/crf_validation.py --data-dir ../shared/data

For each data set: the c1/c2 grid on validation (select_crf), every setting's fit time and micro-F1, and the
chosen setting's per-type F1. Splits: ResumeNER-zh train -> dev; SkillSpan train -> dev (trained on the
flattened layers, scored against both layers as annotated); DataTurks: traindata.json split 80/10/10 by resume
with SEED (identical resumes stay together), validation scored, its test tenth left alone.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from hrm_ray.learners.crf import select_crf
from hrm_ray.spans.formats import SKILLSPAN_PRIORITY, flatten_layers, read_bmes, read_dataturks, read_skillspan

SEED = 20240601  # the DataTurks split; any fixed value, stated so that the numbers can be reproduced
GRID = {"c1": [0.05, 0.1, 0.3, 1.0], "c2": [0.01, 0.1]}
SKILLSPAN_PRIORITIES = (SKILLSPAN_PRIORITY, tuple(reversed(SKILLSPAN_PRIORITY)))  # both, to check the choice


def split_by_document(examples: list[dict], seed: int, fractions=(0.8, 0.1, 0.1)) -> dict[str, list[dict]]:
    """train/validation/test by whole document; identical texts (one resume is in the file twice) together."""
    texts = sorted({example["text"] for example in examples})
    order = np.random.default_rng(seed).permutation(len(texts))
    cut_train = round(fractions[0] * len(texts))
    cut_validation = cut_train + round(fractions[1] * len(texts))
    part = {}
    for rank, index in enumerate(order):
        part[texts[index]] = "train" if rank < cut_train else "validation" if rank < cut_validation else "test"
    splits = {"train": [], "validation": [], "test": []}
    for example in examples:
        splits[part[example["text"]]].append(example)
    return splits


def run(name: str, train: list[dict], validation: list[dict], **extra) -> dict:
    started = time.perf_counter()
    tagger, chosen, scores = select_crf(train, validation, GRID)
    best = max(scores, key=lambda row: row["micro_f1"])
    result = {
        "data": name, **extra, "train_texts": len(train), "validation_texts": len(validation),
        "validation_entities": best["n_entities"], "chosen": chosen,
        "grid": [{k: row[k] for k in ("c1", "c2", "fit_seconds", "micro_f1", "micro_precision", "micro_recall")} for row in scores],
        "validation_micro_f1": best["micro_f1"], "per_type_f1": best["per_type_f1"],
        "search_seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", choices=("zh", "skillspan", "dataturks"), action="append")
    args = parser.parse_args()
    wanted = set(args.only or ("zh", "skillspan", "dataturks"))
    data = args.data_dir

    if "zh" in wanted:
        folder = data / "resume_ner_zh"
        run("resume_ner_zh", read_bmes(folder / "train.char.bmes"), read_bmes(folder / "dev.char.bmes"))
    if "skillspan" in wanted:
        folder = data / "skill_spans_skillspan_en"
        train, dev = read_skillspan(folder / "train.json"), read_skillspan(folder / "dev.json")
        for priority in SKILLSPAN_PRIORITIES:
            run("skill_spans_skillspan_en", flatten_layers(train, priority), dev, priority=list(priority))
    if "dataturks" in wanted:
        examples, stats = read_dataturks(data / "resume_ner_dataturks_en" / "traindata.json")
        splits = split_by_document(examples, SEED)
        run("resume_ner_dataturks_en", splits["train"], splits["validation"], seed=SEED, reader_stats=stats,
            test_texts_left_alone=len(splits["test"]))


if __name__ == "__main__":
    main()
