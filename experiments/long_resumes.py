"""What reading whole resumes buys: the same screening model scored on its test split reading only the
first chunk (what truncation gives) against all chunks averaged (what hrm does), in one run.

    python experiments/long_resumes.py --model models/screening/latest --data-dir $HRM_DATA_DIR
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from hrm_ray.evaluation.metrics import classification_metrics
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.kinds import task_splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/screening/latest")
    parser.add_argument("--data-dir", default=os.environ.get("HRM_DATA_DIR", "data"))
    args = parser.parse_args()

    predictor = load_predictor(args.model)
    config = predictor.config
    config.data_dir, config.max_train_samples = args.data_dir, None
    test = task_splits(predictor.task, config)["test"]
    truth = np.asarray(predictor.task.label_index(test))
    lengths = [len(predictor.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in test["text"]]
    print(f"[long] {len(test)} test resumes, median {int(np.median(lengths))} tokens, "
          f"{np.mean(np.asarray(lengths) > config.max_length):.0%} longer than one {config.max_length}-token chunk")

    results = {}
    for chunks in (1, config.max_chunks):
        predictor.max_chunks = chunks
        started = time.time()
        metrics = classification_metrics(predictor.task.labels, truth, predictor.probabilities(test))
        results[chunks] = metrics
        print(f"[long] reading {chunks} chunk(s) of {config.max_length} tokens: accuracy {metrics['accuracy']:.3f} "
              f"macro-F1 {metrics['macro_f1']:.3f} ({time.time() - started:.0f} s)")
    first, whole = results[1]["macro_f1"], results[config.max_chunks]["macro_f1"]
    print(f"[long] macro-F1 whole/first-chunk = {whole / first:.2f} ({whole - first:+.3f})")


if __name__ == "__main__":
    main()
