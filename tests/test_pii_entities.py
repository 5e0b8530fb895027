"""Redaction of entity spans from a resume NER model beside the patterns: names everywhere, offsets kept right."""

from __future__ import annotations

import pytest

from hrm_ray.pii import redact

# The mapping a task passes (the module knows no task's entity types).
TAGS = {"Name": "NAME", "Email Address": "EMAIL", "Location": "LOCATION", "NAME": "NAME", "LOC": "LOCATION"}

# An invented person, laid out like the Dataturks resumes (indeed link, repeated name, sign-off).
RESUME = (
    "Marisol Quenneville\n"
    "Data Analyst\n\n"
    "Tarragona, Catalonia - Email me on Indeed: indeed.com/r/Marisol-Quenneville/7a1c90de\n"
    "marisol.q@example.org | +34 612 345 678\n\n"
    "WORK EXPERIENCE\n"
    "Data Analyst at Oracle, 2019 to Present\n\n"
    "References available on request. Regards, QUENNEVILLE\n"
    "Portfolio: marisol-quenneville-portfolio.pdf"
)


def span(text: str, part: str, kind: str, occurrence: int = 0) -> dict:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return {"type": kind, "text": part, "start": start, "end": start + len(part), "score": 0.9}


def test_a_resume_keeps_none_of_its_name_email_phone_and_city():
    entities = [span(RESUME, "Marisol Quenneville", "Name"), span(RESUME, "Tarragona", "Location"),
                span(RESUME, "marisol.q@example.org", "Email Address"), span(RESUME, "Oracle", "Companies worked at")]
    text, counts = redact(RESUME, entities, entity_tags=TAGS)
    for secret in ("Marisol", "Quenneville", "QUENNEVILLE", "marisol", "example.org", "612", "345 678", "Tarragona"):
        assert secret not in text, secret
    assert "Oracle" in text and "Data Analyst" in text and "2019 to Present" in text  # untagged types stay
    # Name: the header, "QUENNEVILLE" in the sign-off, "marisol-quenneville" in the file name; the indeed link
    # is one URL (the name inside it merged into it); the e-mail found by pattern and model is one EMAIL.
    assert counts == {"EMAIL": 1, "LOCATION": 1, "NAME": 3, "PHONE": 1, "URL": 1}
    assert text.startswith("[NAME]\nData Analyst\n\n[LOCATION], Catalonia - Email me on Indeed: [URL]\n"
                           "[EMAIL] | [PHONE]")
    assert "Regards, [NAME]" in text and "Portfolio: [NAME]-portfolio.pdf" in text


def test_a_chinese_name_span_hides_every_occurrence_of_the_name():
    text = "张明远，男，1968年出生，中国国籍，硕士学历，现任上海某科技有限公司董事长。张明远先生曾任北京大学讲师。"
    entities = [{"type": "NAME", "text": "张明远", "start": 0, "end": 3, "score": 0.97},
                span(text, "上海", "LOC")]
    redacted, counts = redact(text, entities, entity_tags=TAGS)
    assert "张明远" not in redacted and "上海" not in redacted
    assert redacted == ("[NAME]，男，1968年出生，中国国籍，硕士学历，现任[LOCATION]某科技有限公司董事长。"
                        "[NAME]先生曾任北京大学讲师。")
    assert counts == {"LOCATION": 1, "NAME": 2}


def test_overlapping_spans_become_one_and_offsets_stay_valid():
    text = "Contact Ana Lucia Ferreira at ana@example.com today"
    entities = [span(text, "Ana Lucia", "Name"), span(text, "Lucia Ferreira", "Name"),
                span(text, "ana@example.com", "Email Address")]
    redacted, counts = redact(text, entities, entity_tags=TAGS)
    assert redacted == "Contact [NAME] at [EMAIL] today"
    assert counts == {"EMAIL": 1, "NAME": 1}


def test_short_name_words_alone_are_kept_but_the_full_name_is_not():
    text = "Yu Li joined in 2020. Li Yu-ming is his manager. Write to yu.li or Yu  Li."
    redacted, counts = redact(text, [span(text, "Yu Li", "Name")], entity_tags=TAGS)
    assert redacted == "[NAME] joined in 2020. Li Yu-ming is his manager. Write to [NAME] or [NAME]."
    assert counts == {"NAME": 3}
    text = "Wei Li joined in 2020. Li Wei-ming is his manager."  # "Wei" has three letters: hidden alone too
    assert redact(text, [span(text, "Wei Li", "Name")], entity_tags=TAGS)[0] == (
        "[NAME] joined in 2020. Li [NAME]-ming is his manager.")


def test_without_entities_only_the_patterns_run_and_types_choose_them():
    text = "Mail jo@example.com or call +44 20 7946 0958, see www.example.com"
    assert redact(text) == ("Mail [EMAIL] or call [PHONE], see [URL]", {"EMAIL": 1, "PHONE": 1, "URL": 1})
    assert redact(text, types=("EMAIL",)) == ("Mail [EMAIL] or call +44 20 7946 0958, see www.example.com",
                                              {"EMAIL": 1})


def test_bad_entities_get_an_error_that_names_them():
    with pytest.raises(ValueError, match=r"entities\[0\].*offsets"):
        redact("short", [{"type": "Name", "start": 2, "end": 99}], entity_tags=TAGS)
    with pytest.raises(ValueError, match=r"entities\[0\].*another text"):
        redact("Jane Doe", [{"type": "Name", "text": "John", "start": 0, "end": 4}], entity_tags=TAGS)
    with pytest.raises(ValueError, match="entity_tags"):
        redact("Jane Doe", [{"type": "Name", "start": 0, "end": 4}])
    with pytest.raises(ValueError, match="types"):
        redact("Jane Doe", types=("SSN",))


def test_no_word_of_an_annotated_name_is_left_in_the_real_resumes(data_dir):
    """The Dataturks resumes with their own Name, Email Address and Location annotations standing in for a
    model's predictions: the name's words (3+ letters) must be gone from links, headers and sign-offs alike."""
    import json
    import re

    checked = 0
    for line in (data_dir / "resume_ner_dataturks_en/traindata.json").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text, entities = record["content"], []
        for annotation in record.get("annotation") or []:
            for point in annotation["points"]:
                start, end = point["start"], point["end"] + 1  # the file's ends are inclusive
                part = text[start:end]
                start, end = start + len(part) - len(part.lstrip()), end - (len(part) - len(part.rstrip()))
                if end > start and annotation["label"]:
                    entities.append({"type": annotation["label"][0], "start": start, "end": end})
        names = [text[e["start"]:e["end"]] for e in entities if e["type"] == "Name"]
        if not names:
            continue
        redacted, counts = redact(text, entities, entity_tags=TAGS)
        assert counts.get("NAME", 0) >= 1
        words = {word for name in names for word in re.findall(r"[^\W\d_]{3,}", name)}
        left = [w for w in words if re.search(rf"(?<![^\W\d_]){re.escape(w)}(?![^\W\d_])", redacted, re.IGNORECASE)]
        assert not left, f"resume {checked}: a name word is left"
        checked += 1
    assert checked >= 150
