"""Faster inference for serving, allowed per model only where it keeps the model's quality.

On a CPU a batched fp32 forward pass gains little (padding eats it); int8 dynamic quantisation of the
Linear layers runs MiniLM about 1.7x faster here (130 vs 79 texts/s, length-sorted batches of 32). bf16
pays off on CPUs with AMX and for larger backbones on GPUs (MiniLM on an H100 is bound by kernel launches:
bf16 and fp32 run alike there). Quantisation moves some predictions, so a precision is used
only for a model whose primary metric on the validation split stays within `TOLERANCE` of fp32 (the test
split is never what a choice is made on: docs/selection.md): `check_fast_path` measures that once
(training runs it; hrm_ray/evaluation/fast_path.py) and records it in the model folder as `fast_path.json`; serving reads the record and
falls back to fp32, saying why, when the check is missing or failed.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path

import torch

PRECISIONS = ("fp32", "int8", "bf16")
TOLERANCE = 0.01  # one point of the task's primary metric (macro-F1 or ROC-AUC)
GATE_SPLIT = "validation"
RECORD_FILE = "fast_path.json"
INT8_ON_GPU = "int8 dynamic quantisation runs on CPU only; use bf16 on GPUs"


class PrecisionError(ValueError):
    pass


def check_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise PrecisionError(f"precision must be one of {PRECISIONS}, got {precision!r}")


def prepare_model(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    """The model to run for `precision`: int8 a quantised copy (CPU), bf16 on a GPU the model in bf16, else the
    model itself (bf16 on a CPU runs under autocast)."""
    check_precision(precision)
    on_gpu = next(model.parameters()).is_cuda
    if precision == "bf16" and on_gpu:
        # cuDNN's attention (PyTorch's first choice for bf16 on Hopper) builds an execution plan for every new
        # input shape, and serving sees a new batch x length shape on most calls: on an H100 that made Serve
        # bf16 4x slower than fp32 at concurrency 32, and unseen shapes ran at 203 texts/s against 744 with it
        # off (docs/results.md, "Serving on a GPU"). The other attention kernels need no plans.
        torch.backends.cuda.enable_cudnn_sdp(False)
        # bf16 weights rather than autocast, which recasts every weight on every pass (4.8 vs 3.8 ms a text).
        return model.to(torch.bfloat16)
    if precision != "int8":
        return model
    if on_gpu:
        raise PrecisionError(INT8_ON_GPU)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points eager quantisation users at torchao; it still works
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def autocast(precision: str, device: str = "cpu"):
    """The context a forward pass runs in: bf16 autocast on CPUs (on GPUs the weights are bf16), or nothing."""
    if precision == "bf16" and device == "cpu":
        return torch.autocast(device, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def check_device(precision: str, device: str) -> None:
    """Fail before any model loads: int8 is CPU-only, and a GPU must exist to be asked for."""
    if device.startswith("cuda") and precision == "int8":
        raise PrecisionError(INT8_ON_GPU)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise PrecisionError(f"device {device!r} asked for, but this machine has no CUDA GPU that torch can use")


def allowed_precision(model_dir: Path, wanted: str) -> tuple[str, str]:
    """The precision to serve a model with, and why, given what the config asks for."""
    check_precision(wanted)
    if wanted == "fp32":
        return "fp32", "fp32 asked for"
    record_file = model_dir / RECORD_FILE
    verdict = json.loads(record_file.read_text()).get(wanted) if record_file.is_file() else None
    if verdict is None:
        return "fp32", f"{wanted} not checked for this model (run `hrm check-fast-path`); serving fp32"
    # Verdicts recorded before the gate moved to validation have no "split": they were made on test.
    change = f"{verdict.get('split', 'test')} {verdict['metric']} {verdict['fp32']:.4f} -> {verdict[wanted]:.4f}"
    if not verdict["passed"]:
        return "fp32", f"{wanted} refused: {change}, more than {verdict['tolerance']} lower; serving fp32"
    return wanted, f"{wanted} allowed: {change} (at most {verdict['tolerance']} lower)"
