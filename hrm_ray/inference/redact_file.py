"""`hrm redact`: personal data out of a JSONL file of texts, with the resume parser of each text's language.

Each input line is `{"text": ...}`; each output line `{"text": redacted, "redactions": {TAG: count}}`, in order.
Names, e-mails, phone numbers and locations come from the parser's entities (the task's `redaction_tags`)
plus the patterns of hrm_ray/pii.py; without a parser for a language, the patterns alone redact it and the
command says so. Records are checked first, so a bad line fails the run naming it before anything is written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hrm_ray.inference.predict_file import PredictError, read_records
from hrm_ray.inference.predictor import Predictor, load_predictor
from hrm_ray.language import detect_language
from hrm_ray.pii import redact
from hrm_ray.registry import LATEST_FILE
from hrm_ray.tasks import tasks_with_role

PARSER_ROLE = "resume_parser"


def parsers(models_root: str, model: str | None) -> dict[str, Predictor]:
    """language -> the parser to use: `--model` for every language, else each language's latest in the registry."""
    if model:
        predictor = load_predictor(model)
        if predictor.task.role != PARSER_ROLE:
            raise PredictError(f"model {model} is a {predictor.task.name} model, not a resume parser "
                               f"({', '.join(t.name for t in tasks_with_role(PARSER_ROLE).values())})")
        return {language: predictor for language in tasks_with_role(PARSER_ROLE)}
    found = {}
    for language, task in tasks_with_role(PARSER_ROLE).items():
        if (Path(models_root) / task.name / LATEST_FILE).is_file():
            found[language] = load_predictor(Path(models_root) / task.name)
    return found


def redact_file(input_path: str, output_path: str, models_root: str = "models", model: str | None = None) -> dict:
    by_language = parsers(models_root, model)
    any_parser = next(iter(tasks_with_role(PARSER_ROLE).values()))  # every parser task reads {"text": ...}
    records = read_records(Path(input_path), any_parser.name)
    languages = [detect_language(record["text"]) for record in records]
    entities: list[list[dict] | None] = [None] * len(records)
    for language, predictor in by_language.items():
        rows = [i for i, lang in enumerate(languages) if lang == language]
        for index, prediction in zip(rows, predictor.predict([records[i] for i in rows])):
            entities[index] = prediction["entities"]
    unparsed = sorted({lang for lang, found in zip(languages, entities) if found is None})
    if unparsed:
        print(f"[hrm] no resume parser model for {', '.join(unparsed)} texts: redacting those with patterns only "
              "(e-mails, phones, URLs; names and places stay)", file=sys.stderr)
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    totals: dict[str, int] = {}
    with output.open("w", encoding="utf-8") as out:
        for record, language, found in zip(records, languages, entities):
            tags = by_language[language].task.redaction_tags if found is not None else {}
            text, counts = redact(record["text"], found, entity_tags=tags or None)
            for tag, count in counts.items():
                totals[tag] = totals.get(tag, 0) + count
            out.write(json.dumps({"text": text, "redactions": counts}, ensure_ascii=False) + "\n")
    return {"lines": len(records), "redactions": totals, "parsed_languages": sorted(by_language)}
