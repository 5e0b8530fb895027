"""The bodies of every route, as pydantic models: FastAPI validates them (422 naming the field) and
publishes them in the OpenAPI document at /docs.

A predict route's records and predictions are the kinds' own schemas (hrm_ray.kinds); record contents are
checked by the task's kind, the same code the CLI and batch scoring use, so all accept the same records.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, Discriminator, Field, Tag

from hrm_ray.kinds.records import Scalar, Strict, Text, Unicode
from hrm_ray.kinds.sequence_classification import ClassPrediction, TextRecord
from hrm_ray.kinds.tabular import TableRecord
from hrm_ray.kinds.token_classification import EntitiesPrediction


# ---- /v1/{task}/predict ----

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
        description='Records of the task: {"text": ...} for the text kinds (sequence and token classification), '
                    '{"record": {column: value}} for the tabular kind (GET /v1/tasks says which task is which).',
        examples=[[{"text": "Great team and flexible hours, but pay is below market."}]],
    )

    def records(self) -> list[dict[str, Any]]:
        return [record.model_dump() for record in self.inputs]


# A class (classification kinds) or the entity spans (token classification).
Prediction = Union[ClassPrediction, EntitiesPrediction]


class ModelRef(BaseModel):
    task: str
    version: str


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    model: ModelRef


# ---- /v1/health, /v1/tasks, /v1/models ----

class TaskInfo(BaseModel):
    name: str
    kind: str
    data_files: list[str]
    primary_metric: str
    language: str
    default_learner: str
    served: bool


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


class Profile(BaseModel):
    title: Optional[str] = None
    companies: list[str] = Field(default_factory=list)
    degree: Optional[str] = None
    college: Optional[str] = None
    skills: list[str] = Field(default_factory=list)
    years_of_experience: Optional[float] = None


class Candidate(BaseModel):
    id: str
    rank: int
    language: str = Field(description="the resume's detected language (ISO 639-1), which picked its models")
    fit_score: float = Field(description="cosine similarity of the job's and the resume's embeddings, -1..1")
    category: Optional[str] = Field(description="the job family; null where no category model reads its language")
    probabilities: dict[str, float] = Field(description="the three most likely categories")
    profile: Profile = Field(description="fields the resume parser found (empty without a parser for its language)")
    parsed_by: Optional[ModelRef] = Field(description="the parser model that read it")
    redacted_text: str = Field(description="the resume without the person's name, e-mail, phone, location and URLs")
    redactions: dict[str, int] = Field(description="how many of each kind were removed")


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
