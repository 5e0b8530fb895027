"""The bodies of every route, as pydantic models: FastAPI validates them (422 naming the field) and
publishes them in the OpenAPI document at /docs.

Record contents are checked by the task itself (hrm_ray.tasks), the same code that training reads with,
so the API and the CLI accept exactly the same records.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Scalar = Optional[Union[str, int, float, bool]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not silently ignored


# ---- /v1/{task}/predict ----

class PredictRequest(Strict):
    inputs: list[dict[str, Any]] = Field(
        min_length=1,
        description='Records of the task: {"text": ...} for screening and sentiment, {"record": {column: value}} '
                    "for attrition and performance.",
        examples=[[{"text": "Great team and flexible hours, but pay is below market."}]],
    )


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
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(min_length=1)


class Resume(Strict):
    id: Optional[str] = Field(None, max_length=200, description="your reference; defaults to the position in the list")
    text: str = Field(min_length=1)


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
    id: str = Field(min_length=1, max_length=200)
    department: Optional[str] = Field(None, max_length=200, description="defaults to the record's department column")
    record: dict[str, Scalar] = Field(
        default_factory=dict,
        description="HR columns: those of the attrition table (IBM) and/or the performance table (INX)",
    )
    feedback: list[str] = Field(default_factory=list, description="free-text feedback by or about the employee")


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
