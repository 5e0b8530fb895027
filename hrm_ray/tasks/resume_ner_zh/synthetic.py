"""Invented Chinese resume sentences with BMES tags, for the demo without real data."""

from __future__ import annotations

from pathlib import Path

NAMES = ("张伟", "李娜", "王强", "刘洋")
ORGS = ("华夏银行", "东方科技有限公司", "北京大学")
TITLES = ("总经理", "董事", "高级工程师", "财务总监")
EDUS = ("本科学历", "硕士", "博士")


def _tagged(text: str, kind: str | None) -> list[str]:
    if kind is None:
        return [f"{ch} O" for ch in text]
    if len(text) == 1:
        return [f"{text} S-{kind}"]
    return [f"{text[0]} B-{kind}", *(f"{ch} M-{kind}" for ch in text[1:-1]), f"{text[-1]} E-{kind}"]


def write_sentences(path: Path, rng, rows: int) -> None:
    sentences = []
    for _ in range(rows):
        parts = [(rng.choice(NAMES), "NAME"), ("，", None), (rng.choice(EDUS), "EDU"), ("，现任", None),
                 (rng.choice(ORGS), "ORG"), (rng.choice(TITLES), "TITLE"), ("。", None)]
        sentences.append("\n".join(line for text, kind in parts for line in _tagged(text, kind)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
