"""The pipelines route each text by its detected language: a Chinese resume to the Chinese parser, an English
one to the English parser; each answer names the model that read it, and redacts the person's name."""

from __future__ import annotations

RESUME_ZH = "张伟，男，汉族，中国国籍，本科学历，高级工程师。2010年起任华夏银行董事长。"
RESUME_EN = ("Govind Rao\nSenior Software Engineer - Pune, Maharashtra\nEmail me on Indeed: govind.rao@example.com\n"
             "WORK EXPERIENCE\nSoftware Engineer\nInfosys Limited - Pune\nEDUCATION\nB.E in Computer Science\n"
             "Pune University\nSKILLS\nJava, Python, SQL")


def test_candidate_screening_parses_and_redacts_each_resume_by_its_language(service):
    job = {"title": "Bank executive", "description": "Lead a bank's board; finance experience."}
    answer = service.post("/v1/pipelines/candidate-screening",
                          {"job": job, "resumes": [{"id": "zh", "text": RESUME_ZH}, {"id": "en", "text": RESUME_EN}]})
    assert answer.status_code == 200, answer.text
    by_id = {c["id"]: c for c in answer.json()["candidates"]}
    zh, en = by_id["zh"], by_id["en"]
    assert zh["language"] == "zh" and zh["parsed_by"]["task"] == "resume-ner-zh"
    assert en["language"] == "en" and en["parsed_by"]["task"] == "resume-ner"
    assert zh["category"] is None and en["category"]  # the category model reads English only
    # The person's name and contacts are gone from the redacted texts (the Chinese parser found the name).
    assert "张伟" not in zh["redacted_text"] and "[NAME]" in zh["redacted_text"]
    assert "govind.rao@example.com" not in en["redacted_text"]
    assert zh["profile"]["companies"] or zh["profile"]["title"]  # the small CRF finds the bank or the title
    assert set(answer.json()["models"]) >= {"resume-ner", "resume-ner-zh", "screening"}
