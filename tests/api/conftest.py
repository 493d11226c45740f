"""The API's callers: real personal access tokens made by the service, sent as headers."""

import json
from typing import Any

import pytest
from django.test import Client

from projects.services.tokens import token_create


class Caller:
    """A client that sends a person's token (`Authorization: Bearer tg_…`) and JSON bodies."""

    def __init__(self, secret: str = "") -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self._send("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):
        return self._send("patch", path, body, **kwargs)

    def _send(self, method: str, path: str, body: Any, **kwargs: Any):
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        kwargs.setdefault("content_type", "application/json")
        return getattr(self.client, method)(path, data, headers=self.headers, **kwargs)


def caller_for(user, scope: str = "write") -> Caller:
    return Caller(token_create(owner=user, name="Tests", scope=scope).secret)


@pytest.fixture
def api_as():
    return caller_for


def problem(response) -> dict:
    """The body of an error answer, which is always a problem document."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == response.status_code
    return body
