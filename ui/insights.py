"""Employee insights from an uploaded CSV: rows to API bodies, in requests that fit the API's limits.

Columns: `id` (or EmployeeNumber / EmpNumber), optional `department`, optional `feedback` (several texts
separated by ` || `), and HR columns of the attrition (IBM) and/or performance (INX) tables. Empty cells
are left out of the record; an unknown column comes back from the API as a 422 that names it.
"""

from __future__ import annotations

import pandas as pd

from hrm_ray.serve.pipelines import summarise_departments

ID_COLUMNS = ("id", "EmployeeNumber", "EmpNumber")
FEEDBACK_SEPARATOR = " || "


class CsvError(ValueError):
    pass


def employees_from_csv(path: str) -> list[dict]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise CsvError(f"cannot read the CSV: {error}") from None
    if frame.empty:
        raise CsvError("the CSV has no rows")
    id_column = next((c for c in ID_COLUMNS if c in frame.columns), None)
    employees = []
    for number, row in enumerate(frame.to_dict("records")):
        record = {k: _value(v) for k, v in row.items()
                  if k not in (id_column, "department", "feedback") and str(v).strip() != ""}
        feedback = [t.strip() for t in str(row.get("feedback", "")).split(FEEDBACK_SEPARATOR) if t.strip()]
        employee = {"id": str(row[id_column]) if id_column else str(number + 1), "record": record, "feedback": feedback}
        if str(row.get("department", "")).strip():
            employee["department"] = row["department"].strip()
        employees.append(employee)
    return employees


def _value(text: str):
    """Numbers as numbers, so the API's type checks see what the CSV meant."""
    try:
        number = float(text)
    except ValueError:
        return text.strip()
    return int(number) if number.is_integer() else number


def chunks(employees: list[dict], max_inputs: int) -> list[list[dict]]:
    """Requests of at most max_inputs employees and max_inputs feedback texts each."""
    batches, current, texts = [], [], 0
    for employee in employees:
        if current and (len(current) == max_inputs or texts + len(employee["feedback"]) > max_inputs):
            batches.append(current)
            current, texts = [], 0
        current.append(employee)
        texts += len(employee["feedback"])
    return batches + [current] if current else batches


def score_all(client, employees: list[dict], max_inputs: int = 64) -> dict:
    """Every employee scored, over as many requests as the limits need, and one department summary."""
    scored = []
    for batch in chunks(employees, max_inputs):
        scored += client.insights(batch)["employees"]
    return {"employees": scored, "departments": summarise_departments(scored)}
