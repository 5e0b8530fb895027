"""The fast-path gate: may Serve run a model in int8 (CPU) or bf16? Decided once per model, on validation.

Scores the validation split in fp32 and in the fast precision and records the verdict in the model folder
(`fast_path.json`), which serving reads (hrm_ray.inference.precision.allowed_precision).
"""

from __future__ import annotations

import json
from pathlib import Path

from hrm_ray.evaluation.evaluate import evaluate
from hrm_ray.inference.precision import GATE_SPLIT, RECORD_FILE, TOLERANCE, check_device, check_precision
from hrm_ray.tasks import get_task


def check_fast_path(model_dir: str | Path, data_dir: str, precision: str = "int8", device: str = "cpu") -> dict:
    """Score the validation split with `precision`, compare with fp32, and record the verdict in the model folder."""
    check_precision(precision)
    check_device(precision, device)
    model_dir = Path(model_dir)
    fp32 = evaluate(str(model_dir), data_dir, GATE_SPLIT, device=device)
    fast = evaluate(str(model_dir), data_dir, GATE_SPLIT, precision=precision, device=device)
    metric = get_task(fp32["task"]).primary_metric
    delta = fast[metric] - fp32[metric]
    verdict = {
        "split": GATE_SPLIT,
        "metric": metric,
        "fp32": fp32[metric],
        precision: fast[metric],
        "delta": delta,
        "tolerance": TOLERANCE,
        "n": fp32["n"],
        "passed": delta >= -TOLERANCE,
    }
    record_file = model_dir / RECORD_FILE
    records = json.loads(record_file.read_text()) if record_file.is_file() else {}
    records[precision] = verdict
    record_file.write_text(json.dumps(records, indent=2) + "\n")
    return verdict
