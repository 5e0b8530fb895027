"""Invented job-posting sentences with SkillSpan's two BIO layers, for the demo without real data."""

from __future__ import annotations

import json
from pathlib import Path

SKILLS = (["manage", "a", "team"], ["communicate", "with", "customers"], ["write", "reports"])
KNOWLEDGE = (["Python"], ["SQL"], ["GDPR"], ["Excel"])


def write_sentences(path: Path, rng, rows: int) -> None:
    lines = []
    for _ in range(rows):
        skill = SKILLS[rng.integers(len(SKILLS))]
        knowledge = KNOWLEDGE[rng.integers(len(KNOWLEDGE))]
        tokens = ["You", "will", *skill, "and", "use", *knowledge, "."]
        skill_tags = ["O", "O", "B", *["I"] * (len(skill) - 1), "O", "O", *["O"] * len(knowledge), "O"]
        knowledge_tags = ["O"] * (len(tokens) - len(knowledge) - 1) + ["B", *["I"] * (len(knowledge) - 1)] + ["O"]
        lines.append(json.dumps({"tokens": tokens, "tags_skill": skill_tags, "tags_knowledge": knowledge_tags}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
