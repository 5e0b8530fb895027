"""A candidate's profile from resume entities: dedup, the surest single value, skills lists, years."""

from __future__ import annotations

import json

import pytest

from hrm_ray.profile import parse_profile, parse_years, years_in_text

# The mapping a task passes (Dataturks' entity types here).
FIELDS = {"Designation": "title", "Companies worked at": "companies", "Degree": "degree",
          "College Name": "college", "Skills": "skills", "Years of Experience": "years_of_experience"}

RESUME = (
    "Tomasz Wielgosz\nSenior Data Engineer\n\n"
    "WORK EXPERIENCE\n"
    "Senior Data Engineer\nACME Analytics - Krakow\n2019 to Present\n"
    "Data Engineer\nacme analytics - Krakow\n2016 to 2019\n"
    "Software Developer\nNorthwind Traders\n2013 to 2016\n\n"
    "EDUCATION\nM.Sc. in Computer Science\nJagiellonian University\n\n"
    "SKILLS\nPython (6 years), SQL (5 years), Apache Spark, python\n"
    "Languages: Scala, Java\n\n"
    "Total experience: 6 Years 6 Months"
)


def entity(text: str, part: str, kind: str, score: float = 0.9, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return {"type": kind, "text": part, "start": start, "end": start + len(part), "score": score}


def resume_entities() -> list[dict]:
    skills_section = "Python (6 years), SQL (5 years), Apache Spark, python\nLanguages: Scala, Java"
    return [
        entity(RESUME, "Senior Data Engineer", "Designation", 0.81),
        entity(RESUME, "Senior Data Engineer", "Designation", 0.95, occurrence=1),
        entity(RESUME, "Data Engineer", "Designation", 0.95, occurrence=2),  # as sure, but later
        entity(RESUME, "ACME Analytics", "Companies worked at"),
        entity(RESUME, "acme analytics", "Companies worked at"),
        entity(RESUME, "Northwind Traders", "Companies worked at"),
        entity(RESUME, "M.Sc. in Computer Science", "Degree", 0.7),
        entity(RESUME, "Jagiellonian University", "College Name"),
        entity(RESUME, skills_section, "Skills"),
        entity(RESUME, "Krakow", "Location"),  # a type the fields do not name: ignored
        entity(RESUME, "6 Years 6 Months", "Years of Experience"),
    ]


def test_a_resume_becomes_a_profile():
    profile = parse_profile(RESUME, resume_entities(), FIELDS)
    assert profile == {
        "title": "Senior Data Engineer",  # the surest; of the two at 0.95 the first
        "companies": ["ACME Analytics", "Northwind Traders"],  # "acme analytics" is the same company
        "degree": "M.Sc. in Computer Science",
        "college": "Jagiellonian University",
        "skills": ["Python", "SQL", "Apache Spark", "Scala", "Java"],  # split, "(6 years)" and "Languages:" gone
        "years_of_experience": 6.5,
    }


def test_the_order_of_the_entities_does_not_matter_but_the_order_of_the_text_does():
    shuffled = list(reversed(resume_entities()))
    assert parse_profile(RESUME, shuffled, FIELDS) == parse_profile(RESUME, resume_entities(), FIELDS)


def test_without_a_years_entity_the_text_is_read_for_years_of_experience():
    text = "Backend developer with 3+ years of professional experience in Go and Python."
    profile = parse_profile(text, [entity(text, "Backend developer", "Designation")], FIELDS)
    assert profile["title"] == "Backend developer" and profile["years_of_experience"] == 3.0
    assert profile["companies"] == [] and profile["skills"] == [] and profile["degree"] is None


def test_a_chinese_resume_with_its_own_entity_types():
    text = "李文静，女，硕士学历，毕业于复旦大学，现任星海科技有限公司高级工程师，具有五年工作经验，熟悉Python、Java。"
    fields = {"TITLE": "title", "ORG": "companies", "EDU": "degree", "SKILL": "skills"}
    entities = [entity(text, "高级工程师", "TITLE"), entity(text, "星海科技有限公司", "ORG"),
                entity(text, "复旦大学", "ORG"), entity(text, "硕士学历", "EDU"), entity(text, "Python、Java", "SKILL")]
    profile = parse_profile(text, entities, fields)
    assert profile == {"title": "高级工程师", "companies": ["复旦大学", "星海科技有限公司"], "degree": "硕士学历",
                       "college": None, "skills": ["Python", "Java"], "years_of_experience": 5.0}


@pytest.mark.parametrize("phrase, years", [
    ("5 Years 6 Months", 5.5), ("3+ years", 3.0), ("五年", 5.0), ("5年", 5.0), ("三年半", 3.5), ("十二年", 12.0),
    ("18 months", 1.5), ("two years", 2.0), ("Oracle 5 Years 2 Month", 5.17), ("often", None), ("2015 - 2018", None),
])
def test_years_are_read_from_english_and_chinese_phrases(phrase, years):
    assert parse_years(phrase) == years


@pytest.mark.parametrize("text, years", [
    ("I have 5 years of experience in Java", 5.0), ("10 years' experience in retail", 10.0), ("Total IT experience 5 Years 6 Months\nOracle", 5.5),
    ("experience of 7 years in retail", 7.0), ("具有8年工作经验", 8.0), ("五年以上相关工作经验", 5.0),
    ("工作经验：5年", 5.0), ("Worked at Oracle from 2015 to 2018; 3 years in Pune.", None),
])
def test_years_of_experience_are_found_only_beside_the_word_experience(text, years):
    assert years_in_text(text) == years


def test_bad_input_gets_an_error_that_names_it():
    with pytest.raises(ValueError, match="profile fields"):
        parse_profile("x", [], {"Skills": "abilities"})
    with pytest.raises(ValueError, match=r"entities\[0\].*offsets"):
        parse_profile("short", [{"type": "Skills", "start": 3, "end": 40}], FIELDS)
    with pytest.raises(ValueError, match=r"entities\[1\].*type"):
        parse_profile("short", [{"type": "Skills", "start": 0, "end": 2}, {"start": 0, "end": 2}], FIELDS)


def test_a_real_resume_with_its_annotations_as_the_entities(data_dir):
    """The first Dataturks resume, its annotations standing in for a model's (no scores: the first wins)."""
    lines = (data_dir / "resume_ner_dataturks_en/traindata.json").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    text = record["content"]
    entities = [{"type": a["label"][0], "start": p["start"], "end": p["end"] + 1}  # the file's ends are inclusive
                for a in record["annotation"] for p in a["points"]]
    profile = parse_profile(text, entities, FIELDS)
    assert profile["title"] == "Senior Software Engineer"
    assert profile["companies"] == ["Cloud Lending Solutions", "Oracle"]
    assert profile["college"] == "Adithya Institute of Technology"
    assert "FLEXCUBE" in profile["skills"] and "Core Java" in profile["skills"]
    assert profile["years_of_experience"] == 5.5  # no years entity: "Total IT experience 5 Years 6 Months"
