"""The bodies of every route, as pydantic models: FastAPI validates them (422 naming the field) and
publishes them in the OpenAPI document at /docs.

Record contents are checked by the task itself (hrm_ray.tasks), the same code that training reads with,
so the API and the CLI accept exactly the same records.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from hrm_ray.tasks.base import text_problem, unicode_problem


def _checked(problem_of):
    def check(text: str) -> str:
        problem = problem_of(text)
        if problem:
            raise ValueError(f"text {problem}")
        return text

    return AfterValidator(check)


# Text a model reads or an id the answer echoes: valid Unicode (no lone surrogate) with a visible character.
Text = Annotated[str, _checked(text_problem)]
# A record's column name or value: valid Unicode (an answer may echo it back, e.g. the department).
Unicode = Annotated[str, _checked(unicode_problem)]
Scalar = Optional[Union[Unicode, int, float, bool]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not silently ignored


# ---- /v1/{task}/predict ----

class TextRecord(Strict):
    text: Text = Field(description="screening: a resume; sentiment: a feedback text")


class TableRecord(Strict):
    record: dict[Unicode, Scalar] = Field(
        min_length=1, description="attrition, performance: HR columns of one employee (the task's columns)")


def _record_shape(value: Any) -> Optional[str]:
    if isinstance(value, dict):
        return "text" if "text" in value else "record"
    return None  # neither: a 422 saying so


# One shape or the other, told apart by its key, so a bad record's error names only its own shape's field.
Record = Annotated[Union[Annotated[TextRecord, Tag("text")], Annotated[TableRecord, Tag("record")]],
                   Discriminator(_record_shape)]


class PredictRequest(Strict):
    # Which of the two a task takes, and its columns, the task checks (a 422 naming the field): the route
    # serves every task, so one task's valid record can be another's 422.
    inputs: list[Record] = Field(
        min_length=1,
        description='Records of the task: {"text": ...} for screening and sentiment, {"record": {column: value}} '
                    "for attrition and performance.",
        examples=[[{"text": "Great team and flexible hours, but pay is below market."}]],
    )

    def records(self) -> list[dict[str, Any]]:
        return [record.model_dump() for record in self.inputs]


class Prediction(BaseModel):
    label: str
    probabilities: dict[str, float]
    score: Optional[float] = Field(None, description="binary tasks: the probability of the positive label")


class ModelRef(BaseModel):
    task: str
    version: str


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    model: ModelRef


# ---- /v1/health, /v1/models ----

class Health(BaseModel):
    status: str
    tasks: list[str]


class ModelInfo(BaseModel):
    task: str
    version: str
    learner: str
    precision: str
    precision_note: str
    metrics: Optional[dict[str, Any]]


class ModelsResponse(BaseModel):
    models: list[ModelInfo]


class RegisteredModel(BaseModel):
    task: str
    version: str
    latest: bool
    metrics: Optional[dict[str, Any]]


class RegistryResponse(BaseModel):
    models: list[RegisteredModel]


# ---- /v1/pipelines/candidate-screening ----

class Job(Strict):
    title: Text = Field(min_length=1, max_length=300)
    description: Text = Field(min_length=1)


class Resume(Strict):
    id: Optional[Text] = Field(None, max_length=200, description="your reference; defaults to the position in the list")
    text: Text = Field(min_length=1)


class ScreeningRequest(Strict):
    job: Job
    resumes: list[Resume] = Field(min_length=1)


class Candidate(BaseModel):
    id: str
    rank: int
    fit_score: float = Field(description="cosine similarity of the job's and the resume's embeddings, -1..1")
    category: str
    probabilities: dict[str, float] = Field(description="the three most likely categories")
    redacted_text: str
    redactions: dict[str, int] = Field(description="how many emails, phone numbers and URLs were removed")


class ScreeningResponse(BaseModel):
    candidates: list[Candidate]
    models: dict[str, ModelRef]


# ---- /v1/pipelines/employee-insights ----

class Employee(Strict):
    id: Text = Field(min_length=1, max_length=200)
    department: Optional[Text] = Field(None, max_length=200, description="defaults to the record's department column")
    record: dict[Unicode, Scalar] = Field(
        default_factory=dict,
        description="HR columns: those of the attrition table (IBM) and/or the performance table (INX)",
    )
    feedback: list[Text] = Field(default_factory=list, description="free-text feedback by or about the employee")


class InsightsRequest(Strict):
    employees: list[Employee] = Field(min_length=1)


class SentimentSummary(BaseModel):
    label: str
    counts: dict[str, int]
    probabilities: dict[str, float] = Field(description="mean over the feedback texts")


class EmployeeInsight(BaseModel):
    id: str
    department: str
    attrition_risk: Optional[float] = Field(None, description="probability of leaving; null without attrition columns")
    performance_rating: Optional[str] = None
    performance_probabilities: Optional[dict[str, float]] = None
    sentiment: Optional[SentimentSummary] = None
    notes: list[str] = Field(default_factory=list, description="why a field is null")


class DepartmentSummary(BaseModel):
    department: str
    employees: int
    mean_attrition_risk: Optional[float]
    high_risk: int = Field(description="employees with attrition risk of at least 0.5")
    ratings: dict[str, int]
    sentiment: dict[str, int] = Field(description="feedback texts per sentiment label")


class InsightsResponse(BaseModel):
    employees: list[EmployeeInsight]
    departments: list[DepartmentSummary]
    models: dict[str, ModelRef]
