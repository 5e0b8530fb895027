"""The shipped DeepSpeed ZeRO configs, with CPU offload switched on where asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).parent / "deepspeed"
STAGES = (0, 2, 3)


def deepspeed_config(stage: int, offload: bool = False) -> dict[str, Any] | None:
    """The config dict for ZeRO `stage`, or None for stage 0 (plain DDP, no DeepSpeed)."""
    if stage not in STAGES:
        raise ValueError(f"--deepspeed must be one of {STAGES}, got {stage}")
    if stage == 0:
        if offload:
            raise ValueError("--offload needs DeepSpeed: use --deepspeed 2 or 3")
        return None
    config = json.loads((CONFIG_DIR / f"zero{stage}.json").read_text())
    config.pop("_comment", None)
    if offload:
        # Optimizer state (and for ZeRO-3 the parameters) live in CPU memory: slower steps, far less GPU memory.
        config["zero_optimization"]["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
        if stage == 3:
            config["zero_optimization"]["offload_param"] = {"device": "cpu", "pin_memory": True}
    return config
