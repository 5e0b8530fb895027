"""Skill extraction: a job-posting sentence -> SKILL and KNOWLEDGE spans (SkillSpan, NAACL 2022)."""

from __future__ import annotations

from pathlib import Path

from hrm_ray.kinds.token_classification import TokenClassificationTask
from hrm_ray.spans.formats import SKILLSPAN_PRIORITY, read_skillspan
from hrm_ray.tasks import register
from hrm_ray.tasks.skills.synthetic import write_sentences


@register
class Skills(TokenClassificationTask):
    name = "skills"
    role = "skill_extractor"
    language = "en"
    list_order = 12
    # SKILL: what someone can do ("manage a team"); KNOWLEDGE: what someone knows ("Python", "GDPR").
    entity_types = ("SKILL", "KNOWLEDGE")
    split_files = {"train": "skill_spans_skillspan_en/train.json", "validation": "skill_spans_skillspan_en/dev.json",
                   "test": "skill_spans_skillspan_en/test.json"}
    # The two layers overlap where a piece of knowledge sits inside a skill; one tag sequence keeps the knowledge
    # span (docs/token-classification.md), while metrics score both layers as annotated.
    overlap_priority = SKILLSPAN_PRIORITY
    default_max_length = 128
    profiles = {"fast": {}, "small": dict(max_train_samples=1500, max_eval_samples=300)}
    data_description = "SkillSpan (Zhang et al., NAACL 2022): job-posting sentences with skill and knowledge spans"
    intended_use = "Finding the skills a job posting asks for or a resume shows, for matching and learning paths."
    limits = "English tech and house job postings of one period; new tools and soft skills are found less reliably."

    def read_file(self, path: Path) -> list[dict]:
        return read_skillspan(path)

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        write_sentences(folder / self.split_files["train"], rng, rows)
        write_sentences(folder / self.split_files["validation"], rng, max(rows // 5, 20))
