"""The HTTP API: FastAPI routes on a Serve ingress that calls the task deployments through their handles.

    GET  /v1/health                          liveness; the only route open without the token
    GET  /v1/tasks                           every task: name, kind, data files, primary metric, language
    GET  /v1/models                          the served models: task, version, learner, precision, test metrics
    GET  /v1/registry                        every trained version in the registry, served or not
    GET  /v1/registry/{task}/{version}/training-log   a version's training curve (loss, validation metrics)
    POST /v1/{task}/predict                  {"inputs": [record, ...]} -> {"predictions": [...], "model": {...}}
    POST /v1/pipelines/candidate-screening   a job and resumes -> candidates ranked by fit
    POST /v1/pipelines/employee-insights     employees -> risk, rating, sentiment, and per department
    GET  /docs, /openapi.json                Swagger UI and the OpenAPI document; open without the token

Every check that can fail on client input runs here, before a model is called: 413 for a request over a
limit (records, characters, bytes), 422 naming the field for a malformed one, 404 for an unknown task. A
model that does not answer within `request_timeout_s` gives 504, a replica lost mid-request 503; neither
leaves a replica stuck. Every error has one body shape (errors.py), and the OpenAPI document lists each.
"""

# No `from __future__ import annotations`: FastAPI must see the body types of Serve's wrapped methods.
import asyncio
import hmac
import json
import logging
import os
from pathlib import Path

from fastapi import FastAPI, Path as PathParam
from ray import serve
from ray.exceptions import RayActorError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from ray.serve.handle import DeploymentHandle

from hrm_ray import __version__
from hrm_ray.serve import docs, errors, pipelines
from hrm_ray.serve.coalesce import Coalescer
from hrm_ray.serve.errors import api_error, dotted, responses
from hrm_ray.registry import TRAINING_LOG, list_models
from hrm_ray.serve.schemas import (Health, InsightsRequest, InsightsResponse, ModelsResponse, PredictRequest,
                                   PredictResponse, RegistryResponse, ScreeningRequest, ScreeningResponse, TaskInfo)
from hrm_ray.serve.settings import AppSettings
from hrm_ray.kinds import get_kind
from hrm_ray.tasks import TASKS, InputError, get_task

logger = logging.getLogger("ray.serve")
HEALTH_PATH = "/v1/health"

app = FastAPI(
    title="hrm-ray",
    version=__version__,
    description="HR task models (GET /v1/tasks lists them: resume screening and parsing, skills, feedback "
                "sentiment in English and Chinese, attrition risk, performance rating) and composed pipelines, "
                "served by Ray Serve. Send `Authorization: Bearer <token>` when the "
                "server runs with HRM_API_TOKEN.",
    docs_url=None, redoc_url=None,  # docs.py serves Swagger UI from the installed package instead of a CDN
)
errors.install(app)
docs.install(app, open_paths=(HEALTH_PATH,))


class Guard:
    """ASGI middleware: the bearer token and the body size, checked before the body is even read."""

    def __init__(self, asgi_app):
        self.app = asgi_app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or docs.is_public(scope["path"], (HEALTH_PATH,)):
            return await self.app(scope, receive, send)
        state = scope["app"].state
        headers = dict(scope["headers"])
        if state.api_token and not _token_ok(headers.get(b"authorization", b""), state.api_token):
            return await _reply(send, 401, "missing or wrong bearer token (Authorization: Bearer <token>)",
                                {b"www-authenticate": b"Bearer"})
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > state.max_body_bytes:
            return await _reply(send, 413, f"request body has {int(length)} bytes; the limit is {state.max_body_bytes}")
        return await self.app(scope, _limited(receive, state.max_body_bytes), send)


def _token_ok(header: bytes, token: str) -> bool:
    scheme, _, given = header.decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _limited(receive, limit: int):
    """A body sent without Content-Length (chunked) is counted as it arrives."""
    seen = 0

    async def counted():
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise api_error(413, f"request body is over the limit of {limit} bytes", ["body"])
        return message

    return counted


async def _reply(send, status: int, msg: str, extra_headers: dict | None = None) -> None:
    loc = ["header", "authorization"] if status == 401 else ["body"]
    body = json.dumps({"detail": errors.status_detail(status, msg, loc)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += list((extra_headers or {}).items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app.add_middleware(Guard)


@serve.deployment(max_ongoing_requests=128, ray_actor_options={"num_cpus": 0.1})
@serve.ingress(app)
class Api:
    def __init__(self, models: dict[str, DeploymentHandle], encoder: DeploymentHandle | None, settings: dict):
        self.models = models
        self.encoder = encoder
        self.settings = AppSettings(**settings)
        self.coalescers = {task: Coalescer(handle.predict.remote, self.settings.max_calls_in_flight)
                           for task, handle in models.items()}
        # The token is read from this replica's environment, never from the YAML: the shell that started
        # Ray, or the runtime_env that `hrm serve` gives this deployment.
        app.state.api_token = os.environ.get("HRM_API_TOKEN") or None
        app.state.max_body_bytes = self.settings.max_body_bytes

    # ---- the model calls: timeouts and lost replicas become HTTP errors ----

    async def _predict(self, task: str, records: list) -> dict:
        return await self._call(f"the {task} model", self.coalescers[task].predict(records))

    async def _embed(self, texts: list[str]):
        if self.encoder is None:
            raise api_error(503, "no encoder is served")
        return await self._call("the encoder", self.encoder.embed.remote(texts))

    async def _call(self, what: str, response):
        try:
            return await asyncio.wait_for(response, self.settings.request_timeout_s)
        except asyncio.TimeoutError:
            raise api_error(504, f"{what} did not answer within {self.settings.request_timeout_s} s") from None
        except InputError as error:
            raise api_error(422, str(error), ["body"]) from None
        except (RayActorError, DeploymentUnavailableError, BackPressureError) as error:  # incl. a replica lost mid-call
            logger.warning("%s failed: %s", what, error)
            raise api_error(503, f"{what} is unavailable; retry shortly") from None

    # ---- limits and record checks ----

    def _check_count(self, loc: list, count: int) -> None:
        if count > self.settings.max_inputs:
            raise api_error(413, f"{dotted(loc)} has {count} items; the limit is {self.settings.max_inputs} per request",
                            ["body", *loc])

    def _check_chars(self, loc: list, text: object) -> None:
        if isinstance(text, str) and len(text) > self.settings.max_text_chars:
            raise api_error(413, f"{dotted(loc)} has {len(text)} characters; the limit is {self.settings.max_text_chars}",
                            ["body", *loc])

    def _served(self, task: str) -> None:
        if task not in TASKS:
            raise api_error(404, f"unknown task {task!r}; tasks: {sorted(self.models)}", ["path", "task"])
        if task not in self.models:
            raise api_error(404, f"no {task} model is served (train one with `hrm train {task}`)", ["path", "task"])

    # ---- routes ----

    @app.get(HEALTH_PATH, response_model=Health)
    async def health(self) -> dict:
        return {"status": "ok", "tasks": sorted(self.models)}

    @app.get("/v1/tasks", response_model=list[TaskInfo], responses=responses(401, 413))
    async def tasks(self) -> list[dict]:
        return [task.describe() | {"served": name in self.models} for name, task in TASKS.items()]

    @app.get("/v1/models", response_model=ModelsResponse, responses=responses(401, 413, 503, 504))
    async def models(self) -> dict:
        infos = await asyncio.gather(*(self._call(f"the {t} model", h.info.remote()) for t, h in self.models.items()))
        return {"models": list(infos)}

    @app.get("/v1/registry", response_model=RegistryResponse, responses=responses(401, 413))
    async def registry(self) -> dict:
        return {"models": list_models(self.settings.models_root)}

    @app.get("/v1/registry/{task}/{version}/training-log", responses=responses(401, 404, 413, 422))
    async def training_log(self, task: str, version: str) -> list[dict]:
        if task not in TASKS or "/" in version or version.startswith("."):
            raise api_error(404, f"no model {task}/{version}", ["path"])
        log = Path(self.settings.models_root) / task / version / TRAINING_LOG
        if not log.is_file():
            raise api_error(404, f"no training log for {task}/{version}", ["path"])
        return json.loads(log.read_text())

    @app.post("/v1/{task}/predict", response_model=PredictResponse, responses=responses(401, 404, 413, 422, 503, 504))
    async def predict(self, body: PredictRequest, task: str = PathParam(examples=sorted(TASKS))) -> dict:
        self._served(task)
        records = body.records()
        self._check_count(["inputs"], len(records))
        checked, kind = [], get_kind(get_task(task).kind)
        for index, record in enumerate(records):
            self._check_chars(["inputs", index, "text"], record.get("text"))
            try:
                checked.append(kind.check_record(get_task(task), record))
            except InputError as error:
                raise api_error(422, f"inputs[{index}]: {error}", ["body", "inputs", index]) from None
        return await self._predict(task, checked)

    @app.post("/v1/pipelines/candidate-screening", response_model=ScreeningResponse,
              responses=responses(401, 404, 413, 422, 503, 504))
    async def candidate_screening(self, body: ScreeningRequest) -> dict:
        self._check_count(["resumes"], len(body.resumes))
        self._check_chars(["job", "description"], body.job.description)
        for index, resume in enumerate(body.resumes):
            self._check_chars(["resumes", index, "text"], resume.text)
        return await pipelines.screen_candidates(body, self._predict, self._embed, set(self.models))

    @app.post("/v1/pipelines/employee-insights", response_model=InsightsResponse,
              responses=responses(401, 413, 422, 503, 504))
    async def employee_insights(self, body: InsightsRequest) -> dict:
        self._check_count(["employees"], len(body.employees))
        self._check_count(["employees", "feedback"], sum(len(e.feedback) for e in body.employees))
        for index, employee in enumerate(body.employees):
            for number, text in enumerate(employee.feedback):
                self._check_chars(["employees", index, "feedback", number], text)
        try:
            return await pipelines.employee_insights(body, self._predict, set(self.models))
        except InputError as error:
            raise api_error(422, str(error), ["body", "employees"]) from None

