"""Resume parsing (Chinese): resume sentence -> spans of name, organisation, title, education, nationality,
major, ethnicity and place (ResumeNER, Sina Finance executive resumes, BMES character tags)."""

from __future__ import annotations

from pathlib import Path

from hrm_ray.kinds.token_classification import TokenClassificationTask
from hrm_ray.spans.formats import read_bmes
from hrm_ray.tasks import register
from hrm_ray.tasks.resume_ner_zh.synthetic import write_sentences


@register
class ResumeNerZh(TokenClassificationTask):
    name = "resume-ner-zh"
    role = "resume_parser"
    language = "zh"
    list_order = 11
    # CONT: country or nationality; PRO: profession or major; RACE: ethnicity.
    entity_types = ("NAME", "ORG", "TITLE", "EDU", "CONT", "PRO", "RACE", "LOC")
    split_files = {"train": "resume_ner_zh/train.char.bmes", "validation": "resume_ner_zh/dev.char.bmes",
                   "test": "resume_ner_zh/test.char.bmes"}
    profile_fields = {"TITLE": "title", "ORG": "companies", "EDU": "degree", "PRO": "skills"}
    redaction_tags = {"NAME": "NAME", "LOC": "LOCATION"}
    default_model = "multilingual-e5-small"
    default_max_length = 128  # a sentence is ~32 characters; windows cover the rare long one
    profiles = {"fast": {}, "small": dict(max_train_samples=200, max_eval_samples=50)}
    data_description = "ResumeNER (Zhang & Yang, ACL 2018): Chinese resumes of listed companies' executives, BMES tags"
    intended_use = "Pre-filling a Chinese candidate's profile and redacting names and places."
    limits = ("Executive biographies from one finance site: other resume styles parse worse. A recruiter checks "
              "every parsed profile.")

    def read_file(self, path: Path) -> list[dict]:
        return read_bmes(path)

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        write_sentences(folder / self.split_files["train"], rng, rows)
        write_sentences(folder / self.split_files["validation"], rng, max(rows // 5, 20))
