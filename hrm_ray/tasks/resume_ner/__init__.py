"""Resume parsing (English): resume text -> spans of name, designation, skills, college, degree, companies, e-mail,
location, years of experience and graduation year (DataTurks, indeed.com resumes)."""

from __future__ import annotations

from pathlib import Path

from hrm_ray.kinds.token_classification import TokenClassificationTask
from hrm_ray.spans.formats import read_dataturks
from hrm_ray.tasks import register
from hrm_ray.tasks.resume_ner.synthetic import write_resumes

ENTITY_TYPES = ("Name", "Designation", "Skills", "College Name", "Degree", "Companies worked at", "Email Address",
                "Location", "Years of Experience", "Graduation Year")


@register
class ResumeNer(TokenClassificationTask):
    name = "resume-ner"
    role = "resume_parser"
    language = "en"
    list_order = 10
    entity_types = ENTITY_TYPES
    # The authors' 200/20 split; the 20 test resumes are kept aside for acceptance, so test is carved from train.
    split_files = {"train": "resume_ner_dataturks_en/traindata.json", "test": "resume_ner_dataturks_en/testdata.json"}
    profile_fields = {"Designation": "title", "Companies worked at": "companies", "Degree": "degree",
                      "College Name": "college", "Skills": "skills", "Years of Experience": "years_of_experience"}
    redaction_tags = {"Name": "NAME", "Email Address": "EMAIL", "Location": "LOCATION"}
    default_max_length = 256
    profiles = {"fast": {}, "small": dict(max_train_samples=40, max_eval_samples=10)}
    data_description = ("DataTurks 'Entity Recognition in Resumes': 220 indeed.com resumes with hand-annotated "
                        "character spans (misaligned offsets re-located by their text, overlaps resolved longest-first)")
    intended_use = "Pre-filling a candidate's profile (title, companies, education, skills) and redacting names and contacts."
    limits = ("About 200 resumes of Indian IT professionals: other fields and formats parse worse. Contains real "
              "personal data: models and outputs stay internal. A recruiter checks every parsed profile.")

    def read_file(self, path: Path) -> list[dict]:
        examples, _fixes = read_dataturks(path, self.entity_types)
        return examples

    def write_synthetic(self, folder: Path, rng, rows: int) -> None:
        write_resumes(folder / self.split_files["train"], rng, rows // 3)
