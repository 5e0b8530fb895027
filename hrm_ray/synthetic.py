"""A small generated HR data set in the layout of shared/data, for `hrm demo` on a machine without real data.

Everything here is invented (and the UI says so): resumes built from per-category phrases, reviews from
positive/neutral/negative phrases, and employee tables whose labels follow a simple rule, so the demo's
models have something to learn. Same seed, same files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from hrm_ray.tasks import get_task

PHRASES = {
    "ACCOUNTANT": "general ledger, reconciliations, month-end close, tax returns, audits, GAAP",
    "ADVOCATE": "litigation, legal research, client counsel, court filings, contracts, case briefs",
    "AGRICULTURE": "crop planning, irrigation, soil testing, farm equipment, livestock, harvest",
    "APPAREL": "garment production, fabric sourcing, fashion merchandising, retail buying, tailoring",
    "ARTS": "exhibitions, painting, curation, art education, gallery management, sculpture",
    "AUTOMOBILE": "vehicle diagnostics, engine repair, dealership service, automotive parts, brakes",
    "AVIATION": "aircraft maintenance, flight operations, FAA regulations, avionics, airline safety",
    "BANKING": "loan processing, branch operations, deposits, credit analysis, teller, KYC",
    "BPO": "call center, customer support, inbound calls, ticket handling, SLAs, outsourcing",
    "BUSINESS-DEVELOPMENT": "partnerships, lead generation, market expansion, pipeline, proposals, deals",
    "CHEF": "menu design, kitchen management, food cost, culinary, line cooks, catering",
    "CONSTRUCTION": "site supervision, building codes, project scheduling, concrete, contractors, OSHA",
    "CONSULTANT": "client engagements, process improvement, strategy workshops, stakeholder analysis",
    "DESIGNER": "Adobe Illustrator, branding, layouts, typography, UX mockups, visual identity",
    "DIGITAL-MEDIA": "social media campaigns, video editing, content calendar, SEO, analytics",
    "ENGINEERING": "CAD drawings, mechanical design, testing, prototypes, tolerances, manufacturing",
    "FINANCE": "financial modeling, forecasting, budgeting, variance analysis, investor reports",
    "FITNESS": "personal training, group classes, nutrition plans, strength coaching, wellness",
    "HEALTHCARE": "patient care, clinical records, nursing, medication administration, HIPAA",
    "HR": "recruiting, onboarding, employee relations, payroll, benefits administration, HRIS",
    "INFORMATION-TECHNOLOGY": "network administration, help desk, servers, Active Directory, cloud, scripting",
    "PUBLIC-RELATIONS": "press releases, media relations, crisis communication, events, messaging",
    "SALES": "quota attainment, account management, cold calling, CRM, negotiations, territory",
    "TEACHER": "lesson plans, classroom management, curriculum, grading, parent conferences, students",
}
COMMON = ["team player", "Microsoft Office", "communication skills", "problem solving", "time management"]
REVIEWS = {
    5: ("Great place to grow", "supportive managers, good pay, flexible hours", "busy at peak times"),
    4: ("Good company overall", "friendly team and decent benefits", "processes can be slow"),
    3: ("Average job", "stable work and ok colleagues", "pay is average and promotion is slow"),
    2: ("Not recommended", "some nice colleagues", "poor management, long hours, low pay"),
    1: ("Terrible experience", "none really", "toxic culture, no recognition, constant overtime"),
}
CATEGORIES = {
    "BusinessTravel": ["Travel_Rarely", "Travel_Frequently", "Non-Travel"], "Department": ["Sales", "Research & Development", "Human Resources"],
    "EducationField": ["Life Sciences", "Medical", "Marketing", "Technical Degree"], "Gender": ["Female", "Male"],
    "JobRole": ["Sales Executive", "Research Scientist", "Laboratory Technician", "Manager"],
    "MaritalStatus": ["Single", "Married", "Divorced"], "OverTime": ["Yes", "No"], "Attrition": ["Yes", "No"],
    "EducationBackground": ["Life Sciences", "Medical", "Marketing"], "EmpDepartment": ["Sales", "Development", "Human Resources"],
    "EmpJobRole": ["Sales Executive", "Developer", "Manager"], "BusinessTravelFrequency": ["Travel_Rarely", "Travel_Frequently", "Non-Travel"],
}


def write_sample_data(folder: str | Path, seed: int = 0, rows: int = 360) -> Path:
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    _resumes(folder / get_task("screening").data_files[0], rng, rows)
    _reviews(folder / get_task("sentiment").data_files[0], rng, rows)
    for name in ("attrition", "performance"):
        _table(folder / get_task(name).data_files[0], get_task(name), rng, rows)
    return folder


def _resumes(path: Path, rng, rows: int) -> None:
    records = []
    for i in range(rows):
        category = list(PHRASES)[i % len(PHRASES)]
        skills = [s.strip() for s in PHRASES[category].split(",")]
        picked = rng.choice(skills, size=4, replace=False).tolist() + rng.choice(COMMON, size=2, replace=False).tolist()
        years = int(rng.integers(1, 20))
        text = (f"{category.replace('-', ' ').title()}\nSummary: {years} years of experience in {', '.join(picked)}.\n"
                f"Experience: responsible for {picked[0]} and {picked[1]}; improved {picked[2]}.\nSkills: {', '.join(skills)}.")
        records.append({"ID": 10_000 + i, "Category": category, "Resume_text": text})
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        pd.DataFrame(records).to_csv(stream, index=False)


def _reviews(path: Path, rng, rows: int) -> None:
    records = []
    for i in range(rows):
        rating = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.15, 0.2, 0.25, 0.25]))
        headline, pros, cons = REVIEWS[rating]
        records.append({"firm": f"Firm-{i % 12}", "overall_rating": rating, "headline": f"{headline} ({i})",
                        "pros": pros, "cons": cons})
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(records).to_csv(path, index=False)


def _table(path: Path, task, rng, rows: int) -> None:
    frame = {}
    for column in task.feature_columns:
        if column in task.numeric_columns:
            frame[column] = rng.integers(1, 5 if "Satisfaction" in column or "Level" in column else 40, size=rows)
        else:
            frame[column] = rng.choice(CATEGORIES.get(column, ["A", "B", "C"]), size=rows)
    frame = pd.DataFrame(frame)
    # A rule the models can learn: overtime and low satisfaction push people out and ratings down.
    strain = (frame["OverTime"] == "Yes").astype(int) + (frame.filter(like="EnvironmentSatisfaction").iloc[:, 0] <= 2)
    if task.name == "attrition":
        frame[task.target_column] = np.where(strain + rng.random(rows) > 1.6, "Yes", "No")
    else:
        frame[task.target_column] = np.select([strain + rng.random(rows) > 2.0, strain + rng.random(rows) < 0.8],
                                              [2, 4], default=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
