"""The UI's only way to the models: the Serve HTTP API, with the bearer token when one is set."""

from __future__ import annotations

import requests


class ApiError(RuntimeError):
    """The API refused or failed a call; the message is the API's own (it names the field or limit)."""


class ApiClient:
    def __init__(self, url: str, token: str | None = None, timeout_s: float = 300):
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout_s = timeout_s

    def _call(self, method: str, path: str, body=None):
        try:
            answer = requests.request(method, self.url + path, json=body, headers=self.headers, timeout=self.timeout_s)
        except requests.RequestException as error:
            raise ApiError(f"the API at {self.url} cannot be reached ({type(error).__name__}); is `hrm serve` running?") from None
        if answer.status_code != 200:
            raise ApiError(f"{answer.status_code}: {_messages(answer)}")
        return answer.json()

    def health(self) -> dict:
        return self._call("GET", "/v1/health")

    def served_models(self) -> list[dict]:
        return self._call("GET", "/v1/models")["models"]

    def registry(self) -> list[dict]:
        return self._call("GET", "/v1/registry")["models"]

    def training_log(self, task: str, version: str) -> list[dict]:
        return self._call("GET", f"/v1/registry/{task}/{version}/training-log")

    def screen(self, job: dict, resumes: list[dict]) -> dict:
        return self._call("POST", "/v1/pipelines/candidate-screening", {"job": job, "resumes": resumes})

    def insights(self, employees: list[dict]) -> dict:
        return self._call("POST", "/v1/pipelines/employee-insights", {"employees": employees})


def _messages(answer: requests.Response) -> str:
    """The API's error messages ({"detail": [{"loc", "msg", "type"}]}), or the body as it came."""
    try:
        detail = answer.json().get("detail", answer.text)
    except (ValueError, AttributeError):
        return answer.text
    if isinstance(detail, list):
        return "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in detail)
    return str(detail)
