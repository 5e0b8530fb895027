"""Shared fixtures: the real data folder and one Ray instance for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real HR data (HRM_DATA_DIR, which .ci/run sets to ../shared/data)."""
    path = Path(os.environ.get("HRM_DATA_DIR", REPO.parent / "shared" / "data")).resolve()
    if not path.is_dir():
        pytest.fail(f"real data folder not found: {path}; set HRM_DATA_DIR")
    return path


@pytest.fixture(scope="session")
def ray_session():
    """Start Ray once (5-7 s); every test that trains or predicts shares it."""
    import ray

    os.environ.setdefault("RAY_TRAIN_ENABLE_PRINT_PATCH", "0")  # as hrm_ray.ray_session.ensure_ray does
    ray.init(num_cpus=max(2, os.cpu_count() or 2), include_dashboard=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def registry(tmp_path) -> Path:
    return tmp_path / "models"
