"""The composed pipelines: one request fans out to several task models at once.

Each function takes `predict(task, records)` and (for screening) `embed(texts)` coroutines, so the same
code runs against Serve handles in the ingress and could run against local models. Input is checked
in full before any model is called (`check_*`), so a bad employee fails the request with a 422 naming it
instead of half-running it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Awaitable, Callable

import numpy as np

from hrm_ray.pii import redact
from hrm_ray.serve.schemas import Employee, InsightsRequest, ScreeningRequest
from hrm_ray.tasks import InputError, TabularTask, get_task
from hrm_ray.tasks.base import is_missing

Predict = Callable[[str, list], Awaitable[dict]]
Embed = Callable[[list[str]], Awaitable[np.ndarray]]

TOP_CATEGORIES = 3
HIGH_RISK = 0.5
TABULAR_TASKS = ("attrition", "performance")
DEPARTMENT_COLUMNS = ("Department", "EmpDepartment")  # IBM's and INX's names for it


# ---- candidate screening ----

async def screen_candidates(request: ScreeningRequest, predict: Predict, embed: Embed) -> dict:
    """Redact each resume, classify it and score its fit to the job concurrently; rank by fit."""
    redacted = [redact(resume.text) for resume in request.resumes]
    texts = [text for text, _ in redacted]
    job_text = f"{request.job.title}\n{request.job.description}"
    classified, vectors = await asyncio.gather(
        predict("screening", [{"text": text} for text in texts]), embed([job_text, *texts])
    )
    fit = vectors[1:] @ vectors[0]
    candidates = []
    for index, (resume, (text, counts), prediction) in enumerate(zip(request.resumes, redacted, classified["predictions"])):
        top = sorted(prediction["probabilities"].items(), key=lambda item: -item[1])[:TOP_CATEGORIES]
        candidates.append({
            "id": resume.id or str(index),
            "fit_score": round(float(fit[index]), 4),
            "category": prediction["label"],
            "probabilities": dict(top),
            "redacted_text": text,
            "redactions": counts,
        })
    candidates.sort(key=lambda candidate: -candidate["fit_score"])
    for rank, candidate in enumerate(candidates, start=1):
        candidate["rank"] = rank
    return {"candidates": candidates, "models": {"screening": classified["model"]}}


# ---- employee insights ----

def task_records(employee: Employee, index: int) -> dict[str, dict]:
    """The part of an employee's record each tabular task reads; unknown columns are an InputError."""
    known_anywhere: set[str] = set()
    parts = {}
    for name in TABULAR_TASKS:
        task = get_task(name)
        assert isinstance(task, TabularTask)
        columns = set(task.feature_columns) | set(task.ignored_columns) | {task.target_column}
        known_anywhere |= columns
        part = {column: value for column, value in employee.record.items() if column in columns}
        if any(column in part for column in task.feature_columns):
            try:
                task.check_record({"record": part})
            except InputError as error:
                raise InputError(f"employees[{index}].{error}") from None
            parts[name] = part
    unknown = sorted(set(employee.record) - known_anywhere)
    if unknown:
        raise InputError(f"employees[{index}].record has unknown column(s) {unknown}")
    return parts


def check_feedback(employee: Employee, index: int) -> None:
    sentiment = get_task("sentiment")
    for number, text in enumerate(employee.feedback):
        try:
            sentiment.record_to_text({"text": text})
        except InputError as error:
            raise InputError(f"employees[{index}].feedback[{number}]: {error}") from None


def department_of(employee: Employee) -> str:
    for value in (employee.department, *(employee.record.get(column) for column in DEPARTMENT_COLUMNS)):
        if not is_missing(value):
            return str(value).strip()
    return "unknown"


async def employee_insights(request: InsightsRequest, predict: Predict, served: set[str]) -> dict:
    """Attrition risk, predicted rating and feedback sentiment per employee, and their sum per department."""
    parts = [task_records(employee, index) for index, employee in enumerate(request.employees)]
    for index, employee in enumerate(request.employees):
        check_feedback(employee, index)

    # One call per task for all employees, the three tasks at once.
    calls, owners = {}, {}
    for name in TABULAR_TASKS:
        owners[name] = [i for i, part in enumerate(parts) if name in part]
        if owners[name] and name in served:
            calls[name] = predict(name, [{"record": parts[i][name]} for i in owners[name]])
    owners["sentiment"] = [i for i, employee in enumerate(request.employees) for _ in employee.feedback]
    if owners["sentiment"] and "sentiment" in served:
        calls["sentiment"] = predict("sentiment", [{"text": t} for e in request.employees for t in e.feedback])
    answers = dict(zip(calls, await asyncio.gather(*calls.values())))

    insights = [{"id": e.id, "department": department_of(e), "notes": []} for e in request.employees]
    _fill_tabular(insights, parts, answers, owners, served)
    _fill_sentiment(insights, request, answers, owners, served)
    return {
        "employees": insights,
        "departments": summarise_departments(insights),
        "models": {name: answer["model"] for name, answer in answers.items()},
    }


def _fill_tabular(insights, parts, answers, owners, served) -> None:
    for name in TABULAR_TASKS:
        predictions = dict(zip(owners[name], answers[name]["predictions"])) if name in answers else {}
        for index, insight in enumerate(insights):
            if index in predictions:
                if name == "attrition":
                    insight["attrition_risk"] = round(predictions[index]["score"], 4)
                else:
                    insight["performance_rating"] = predictions[index]["label"]
                    insight["performance_probabilities"] = predictions[index]["probabilities"]
            elif name not in parts[index]:
                insight["notes"].append(f"{name}: the record has none of the {name} columns")
            elif name not in served:
                insight["notes"].append(f"{name}: no {name} model is served")


def _fill_sentiment(insights, request, answers, owners, served) -> None:
    per_employee = defaultdict(list)
    for owner, prediction in zip(owners["sentiment"], answers.get("sentiment", {}).get("predictions", [])):
        per_employee[owner].append(prediction)
    labels = get_task("sentiment").labels
    for index, insight in enumerate(insights):
        predictions = per_employee.get(index)
        if predictions:
            mean = {label: float(np.mean([p["probabilities"][label] for p in predictions])) for label in labels}
            counts = Counter(p["label"] for p in predictions)
            insight["sentiment"] = {
                "label": max(mean, key=mean.get),
                "counts": {label: counts.get(label, 0) for label in labels},
                "probabilities": {label: round(value, 4) for label, value in mean.items()},
            }
        elif request.employees[index].feedback and "sentiment" not in served:
            insight["notes"].append("sentiment: no sentiment model is served")


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
