"""Invented resumes for the demo without real data: per-category phrases, so a model has something to learn."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

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


def write_resumes(path: Path, rng, rows: int) -> None:
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
