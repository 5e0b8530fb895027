"""Invented resumes with their entity spans, in DataTurks' format (inclusive `end`), for the demo without real data."""

from __future__ import annotations

import json
from pathlib import Path

NAMES = ("Asha Verma", "Daniel Okafor", "Mei Lin", "Jonas Berg", "Priya Nair", "Tom Walsh", "Sara Haddad")
TITLES = ("Software Engineer", "Data Analyst", "HR Manager", "Sales Executive", "Project Manager")
COMPANIES = ("Acme Corp", "Globex", "Initech", "Umbrella Labs", "Stark Industries")
CITIES = ("Pune", "Leeds", "Austin", "Lyon", "Cork")
COLLEGES = ("State University", "Institute of Technology", "City College")
DEGREES = ("B.E. in Computer Science", "MBA", "B.Sc. Mathematics")
SKILLS = ("Python, SQL", "Excel, Tableau", "Recruiting, Onboarding", "Java, Spring", "Negotiation, CRM")


def write_resumes(path: Path, rng, rows: int) -> None:
    lines = []
    for _ in range(rows):
        fields = [("Name", rng.choice(NAMES)), (None, "\n"), ("Designation", rng.choice(TITLES)), (None, " - "),
                  ("Location", rng.choice(CITIES)), (None, "\nEmail me: "), ("Email Address", None),
                  (None, "\n\nWORK EXPERIENCE\n"), ("Designation", rng.choice(TITLES)), (None, "\n"),
                  ("Companies worked at", rng.choice(COMPANIES)), (None, " - "), ("Location", rng.choice(CITIES)),
                  (None, "\n\nEDUCATION\n"), ("Degree", rng.choice(DEGREES)), (None, "\n"),
                  ("College Name", rng.choice(COLLEGES)), (None, "\n"), ("Graduation Year", str(rng.integers(2000, 2022))),
                  (None, "\n\nSKILLS\n"), ("Skills", rng.choice(SKILLS))]
        content, annotation, name = "", [], fields[0][1]
        for label, value in fields:
            if label == "Email Address":
                value = name.lower().replace(" ", ".") + "@example.com"
            if label:
                annotation.append({"label": [label], "points": [
                    {"start": len(content), "end": len(content) + len(value) - 1, "text": value}]})
            content += value
        lines.append(json.dumps({"content": content, "annotation": annotation}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
