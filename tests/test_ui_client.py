"""The UI shows the API's error messages, whatever shape the body has."""

from __future__ import annotations

import json

import requests

from ui.client import _messages


def response(status: int, body: bytes) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, body
    return answer


def test_the_api_error_shape_reads_as_its_messages():
    body = {"detail": [{"loc": ["body", "inputs", 0], "msg": "inputs[0]: field 'text' is empty", "type": "value_error"},
                       {"loc": ["body"], "msg": "second", "type": "value_error"}]}
    assert _messages(response(422, json.dumps(body).encode())) == "inputs[0]: field 'text' is empty; second"


def test_a_body_that_is_no_json_reads_as_it_came():
    assert _messages(response(502, b"Bad gateway")) == "Bad gateway"
    assert _messages(response(500, b'"plain"')) == '"plain"'
