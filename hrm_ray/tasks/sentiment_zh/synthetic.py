"""Invented Chinese reviews for the demo without real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

POSITIVE = ("环境很好，服务热情，下次还来", "同事友好，管理规范，很满意", "交通方便，性价比高")
NEGATIVE = ("服务太差，等了很久", "管理混乱，加班太多，不推荐", "设施陈旧，很失望")


def write_reviews(path: Path, rng, rows: int) -> None:
    labels = rng.choice([0, 1], size=rows, p=[0.3, 0.7])
    reviews = [f"{rng.choice(POSITIVE if label else NEGATIVE)}（{i}）" for i, label in enumerate(labels)]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"label": labels, "review": reviews}).to_csv(path, index=False)
