"""The composed pipelines: one request fans out to several task models at once.

Pipelines find their models by role (`Task.role`) and by the detected language of each text
(hrm_ray.language), never by task name: a Chinese resume goes to the Chinese parser, an English review to the
English sentiment model, and the answer says which model answered each. Each function takes
`predict(task, records)` and (for screening) `embed(texts)` coroutines, so the same code runs against Serve
handles in the ingress and could run against local models. Input is checked in full before any model is
called, so a bad employee fails the request with a 422 naming it instead of half-running it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Awaitable, Callable

import numpy as np

from hrm_ray.kinds.records import is_missing
from hrm_ray.kinds.sequence_classification import check_text_record
from hrm_ray.kinds.tabular import TabularTask
from hrm_ray.language import detect_language
from hrm_ray.pii import redact
from hrm_ray.profile import parse_profile
from hrm_ray.serve.schemas import Employee, InsightsRequest, ScreeningRequest
from hrm_ray.tasks import TASKS, InputError, Task, tasks_with_role

Predict = Callable[[str, list], Awaitable[dict]]
Embed = Callable[[list[str]], Awaitable[np.ndarray]]

TOP_CATEGORIES = 3
HIGH_RISK = 0.5
DEPARTMENT_COLUMNS = ("Department", "EmpDepartment")  # IBM's and INX's names for it
# Roles the pipelines read (each task declares its own).
RESUME_CATEGORY, RESUME_PARSER, FEEDBACK_SENTIMENT = "resume_category", "resume_parser", "feedback_sentiment"
ATTRITION_RISK, PERFORMANCE_RATING = "attrition_risk", "performance_rating"


def routed(role: str, texts: list[str], served: set[str]) -> tuple[list[Task | None], list[str]]:
    """For each text, the served task of `role` for its language (English when its own has none), and the
    detected languages."""
    by_language = {language: task for language, task in tasks_with_role(role).items() if task.name in served}
    languages = [detect_language(text) for text in texts]
    return [by_language.get(language) or by_language.get("en") for language in languages], languages


async def predict_routed(predict: Predict, tasks: list[Task | None], records: list[dict]) -> list[tuple[dict, dict] | None]:
    """One call per task for its records, all at once; per record its prediction and the answering model."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, task in enumerate(tasks):
        if task is not None:
            groups[task.name].append(index)
    answers = await asyncio.gather(*(predict(name, [records[i] for i in rows]) for name, rows in groups.items()))
    results: list[tuple[dict, dict] | None] = [None] * len(records)
    for (name, rows), answer in zip(groups.items(), answers):
        for index, prediction in zip(rows, answer["predictions"]):
            results[index] = (prediction, answer["model"])
    return results


# ---- candidate screening ----

async def screen_candidates(request: ScreeningRequest, predict: Predict, embed: Embed, served: set[str]) -> dict:
    """Parse each resume with the parser of its language, redact it, classify it and score its fit to the job,
    concurrently; rank by fit."""
    texts = [resume.text for resume in request.resumes]
    parsers, languages = routed(RESUME_PARSER, texts, served)
    classifiers, _ = routed(RESUME_CATEGORY, texts, served)
    # The English category model reads English resumes only: a resume in another language gets no category.
    classifiers = [task if task is not None and task.language == language else None
                   for task, language in zip(classifiers, languages)]
    parsed = await predict_routed(predict, parsers, [{"text": text} for text in texts])
    redacted, profiles = [], []
    for text, parser, result in zip(texts, parsers, parsed):
        entities = result[0]["entities"] if result else None
        redacted.append(redact(text, entities, entity_tags=parser.redaction_tags if parser else None))
        profiles.append(parse_profile(text, entities or [], parser.profile_fields if parser else {}))
    job_text = f"{request.job.title}\n{request.job.description}"
    classified, vectors = await asyncio.gather(
        predict_routed(predict, classifiers, [{"text": text} for text, _ in redacted]), embed([job_text, *[t for t, _ in redacted]]))
    fit = vectors[1:] @ vectors[0]
    models: dict[str, dict] = {}
    candidates = []
    for index, resume in enumerate(request.resumes):
        category, top = None, {}
        if classified[index]:
            prediction, model = classified[index]
            models[model["task"]] = model
            category = prediction["label"]
            top = dict(sorted(prediction["probabilities"].items(), key=lambda item: -item[1])[:TOP_CATEGORIES])
        if parsed[index]:
            models[parsed[index][1]["task"]] = parsed[index][1]
        text, counts = redacted[index]
        candidates.append({
            "id": resume.id or str(index),
            "language": languages[index],
            "fit_score": round(float(fit[index]), 4),
            "category": category,
            "probabilities": top,
            "profile": profiles[index],
            "parsed_by": parsed[index][1] if parsed[index] else None,
            "redacted_text": text,
            "redactions": counts,
        })
    candidates.sort(key=lambda candidate: -candidate["fit_score"])
    for rank, candidate in enumerate(candidates, start=1):
        candidate["rank"] = rank
    return {"candidates": candidates, "models": models}


# ---- employee insights ----

def tabular_roles() -> dict[str, TabularTask]:
    """role -> the tabular task that fills it in an employee's insight (attrition risk, performance rating)."""
    return {task.role: task for task in TASKS.values()
            if isinstance(task, TabularTask) and task.role in (ATTRITION_RISK, PERFORMANCE_RATING)}


def task_records(employee: Employee, index: int) -> dict[str, dict]:
    """The part of an employee's record each tabular task reads (checked); unknown columns are an InputError."""
    known_anywhere: set[str] = set()
    parts = {}
    for task in tabular_roles().values():
        columns = set(task.feature_columns) | set(task.ignored_columns) | {task.target_column}
        known_anywhere |= columns
        part = {column: value for column, value in employee.record.items() if column in columns}
        if any(column in part for column in task.feature_columns):
            try:
                parts[task.name] = {"record": task.check_record({"record": part})}
            except InputError as error:
                raise InputError(f"employees[{index}].{error}") from None
    unknown = sorted(set(employee.record) - known_anywhere)
    if unknown:
        raise InputError(f"employees[{index}].record has unknown column(s) {unknown}")
    return parts


def check_feedback(employee: Employee, index: int) -> None:
    for number, text in enumerate(employee.feedback):
        try:
            check_text_record("feedback", {"text": text})
        except InputError as error:
            raise InputError(f"employees[{index}].feedback[{number}]: {error}") from None


def department_of(employee: Employee) -> str:
    for value in (employee.department, *(employee.record.get(column) for column in DEPARTMENT_COLUMNS)):
        if not is_missing(value):
            return str(value).strip()
    return "unknown"


async def employee_insights(request: InsightsRequest, predict: Predict, served: set[str]) -> dict:
    """Attrition risk, predicted rating and feedback sentiment (by the model of each text's language) per
    employee, and their sum per department."""
    parts = [task_records(employee, index) for index, employee in enumerate(request.employees)]
    for index, employee in enumerate(request.employees):
        check_feedback(employee, index)

    # One call per task for all employees, every task at once.
    roles = tabular_roles()
    calls, owners = {}, {}
    for task in roles.values():
        owners[task.name] = [i for i, part in enumerate(parts) if task.name in part]
        if owners[task.name] and task.name in served:
            calls[task.name] = predict(task.name, [parts[i][task.name] for i in owners[task.name]])
    feedback = [(i, text) for i, employee in enumerate(request.employees) for text in employee.feedback]
    sentiment_models, _ = routed(FEEDBACK_SENTIMENT, [text for _, text in feedback], served)
    tabular_answers, sentiments = await asyncio.gather(
        asyncio.gather(*calls.values()), predict_routed(predict, sentiment_models, [{"text": t} for _, t in feedback]))
    answers = dict(zip(calls, tabular_answers))

    insights = [{"id": e.id, "department": department_of(e), "notes": []} for e in request.employees]
    _fill_tabular(insights, parts, answers, owners, served, roles)
    _fill_sentiment(insights, request, feedback, sentiments, served)
    models = {name: answer["model"] for name, answer in answers.items()}
    models.update({model["task"]: model for result in sentiments if result for model in [result[1]]})
    return {"employees": insights, "departments": summarise_departments(insights), "models": models}


def _fill_tabular(insights, parts, answers, owners, served, roles) -> None:
    for role, task in roles.items():
        name = task.name
        predictions = dict(zip(owners[name], answers[name]["predictions"])) if name in answers else {}
        for index, insight in enumerate(insights):
            if index in predictions:
                if role == ATTRITION_RISK:
                    insight["attrition_risk"] = round(predictions[index]["score"], 4)
                else:
                    insight["performance_rating"] = predictions[index]["label"]
                    insight["performance_probabilities"] = predictions[index]["probabilities"]
            elif name not in parts[index]:
                insight["notes"].append(f"{name}: the record has none of the {name} columns")
            elif name not in served:
                insight["notes"].append(f"{name}: no {name} model is served")


def _fill_sentiment(insights, request, feedback, sentiments, served) -> None:
    """Mean probabilities over an employee's texts; a label one language's model lacks (neutral, for a
    two-class model) counts as 0 for its texts."""
    per_employee = defaultdict(list)
    for (owner, _text), result in zip(feedback, sentiments):
        if result:
            per_employee[owner].append(result[0])
    labels = list(dict.fromkeys(label for task in tasks_with_role(FEEDBACK_SENTIMENT).values() for label in task.labels))
    for index, insight in enumerate(insights):
        predictions = per_employee.get(index)
        if predictions:
            mean = {label: float(np.mean([p["probabilities"].get(label, 0.0) for p in predictions])) for label in labels}
            counts = Counter(p["label"] for p in predictions)
            insight["sentiment"] = {
                "label": max(mean, key=mean.get),
                "counts": {label: counts.get(label, 0) for label in labels},
                "probabilities": {label: round(value, 4) for label, value in mean.items()},
            }
        elif request.employees[index].feedback:
            insight["notes"].append("sentiment: no sentiment model is served for its feedback's language")


def summarise_departments(insights: list[dict]) -> list[dict]:
    """Per department: head count, mean and high attrition risk, ratings, feedback sentiment."""
    groups = defaultdict(list)
    for insight in insights:
        groups[insight["department"]].append(insight)
    summaries = []
    for department, members in sorted(groups.items()):
        risks = [m["attrition_risk"] for m in members if m.get("attrition_risk") is not None]
        sentiment = Counter()
        for member in members:
            if member.get("sentiment"):
                sentiment.update(member["sentiment"]["counts"])
        summaries.append({
            "department": department,
            "employees": len(members),
            "mean_attrition_risk": round(float(np.mean(risks)), 4) if risks else None,
            "high_risk": sum(risk >= HIGH_RISK for risk in risks),
            "ratings": dict(Counter(m["performance_rating"] for m in members if m.get("performance_rating"))),
            "sentiment": dict(sentiment),
        })
    return summaries
