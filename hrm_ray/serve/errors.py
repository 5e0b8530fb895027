"""One error body for every error the API gives, FastAPI's validation shape:

    {"detail": [{"loc": ["body", "inputs", 0], "msg": "record.Age must be in [14, 100], got -5", "type": "value_error"}]}

so a client reads one shape whether the token, a limit, the route or a field was wrong. The request's values
are not echoed back (FastAPI's `input` and `ctx`): they may be personal data, and a lone surrogate in them
could not even be encoded into the answer.
"""

from __future__ import annotations

from typing import Sequence, Union

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

Loc = Sequence[Union[str, int]]

# FastAPI answers 400 with this detail when a body cannot be decoded (e.g. bytes that are not UTF-8), and 422
# when it decodes but is no JSON: both are a body that is not JSON text, so both are the same 422.
_UNPARSEABLE_BODY = "There was an error parsing the body"

# The type of each status's error, for a client that branches on it.
_TYPES = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 422: "value_error",
          503: "unavailable", 504: "timeout"}


class ErrorItem(BaseModel):
    loc: list[Union[str, int]]
    msg: str
    type: str


class ErrorBody(BaseModel):
    detail: list[ErrorItem]


def error_detail(msg: str, loc: Loc = (), type: str = "value_error") -> list[dict]:
    return [{"loc": list(loc), "msg": msg, "type": type}]


def status_detail(status: int, msg: str, loc: Loc = ()) -> list[dict]:
    return error_detail(msg, loc, _TYPES.get(status, "error"))


def api_error(status: int, msg: str, loc: Loc = ()) -> HTTPException:
    """An HTTPException whose body has the one shape; raise it."""
    return HTTPException(status, status_detail(status, msg, loc))


def dotted(loc: Loc) -> str:
    """["resumes", 2, "text"] -> "resumes[2].text", as the messages name fields."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    status, detail = error.status_code, error.detail
    if status == 400 and detail == _UNPARSEABLE_BODY:
        status, detail = 422, error_detail("the body is not JSON text in UTF-8", ["body"], "json_invalid")
    elif not isinstance(detail, list):  # Starlette's own, e.g. 404 "Not Found" for an unknown route
        detail = status_detail(status, str(detail))
    return JSONResponse({"detail": detail}, status_code=status, headers=getattr(error, "headers", None))


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    items = [{"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "value_error")}
             for item in error.errors()]
    return JSONResponse({"detail": items}, status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


def responses(*statuses: int) -> dict:
    """The OpenAPI `responses` of a route that can answer these statuses, all with the one body."""
    described = {
        401: "missing or wrong bearer token",
        404: "unknown task, model or route",
        413: "a request over a limit (records, characters, bytes)",
        422: "a malformed request; `loc` names the field",
        503: "a model replica is unavailable; retry shortly",
        504: "a model did not answer within the request timeout",
    }
    return {status: {"model": ErrorBody, "description": described[status]} for status in statuses}
