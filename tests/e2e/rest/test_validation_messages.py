"""Every validation message a client can trigger reads as a sentence (issue 13, point 9): the
test walks the published schema, breaks each constraint of each request field and parameter,
and reads every message that comes back. None shows a regex or pydantic's internals."""

import re
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import Headers

#: A sentence: words and quoted examples; no regex syntax, no 'Value error,' prefixes.
SENTENCE = re.compile(r"[A-Za-z][^\^$\\\[\]{}]*")
FORBIDDEN = ("pattern", "Value error", "regex", "\\x")


def bad_values(schema: dict[str, Any]) -> list[object]:
    """Values that break one constraint of ``schema`` each, and ones of the wrong type."""
    options = schema.get("anyOf", [schema])
    found: list[object] = [[], {"a": 1}, 1.5, True]
    for option in options:
        if option.get("type") == "string":
            found += ["", "   ", "\u200b", "a\x00b", "!!", "x y", "é" * 30]
            if "maxLength" in option:
                found.append("x" * (option["maxLength"] + 1))
        if option.get("type") == "integer":
            found += [-1, 10**15, "5", 5.0]
    return found


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _messages(response: Any) -> list[str]:
    if response.status_code not in (400, 422):
        return []
    body = response.json()
    return [body["detail"]] + [error["message"] for error in body.get("errors") or []]


def _requests(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, request) for every broken field of every operation."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for template, operations in spec["paths"].items():
        path = template.replace("{item_id}", str(uuid4())).replace("{user}", "admin")
        path = re.sub(r"\{[^}]+\}", "x", path)
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = {"query": "params", "header": "headers"}.get(parameter["in"])
                for value in bad_values(parameter["schema"]) if where else ():
                    if isinstance(value, str) and (where == "params" or value.isascii()):
                        found.append((method, path, {where: {parameter["name"]: value}}))
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _resolve(spec, content["application/json"]["schema"])
                for name, field in body.get("properties", {}).items():
                    for value in bad_values(field):
                        found.append((method, path, {"json": {name: value}}))
    return found


def test_every_validation_message_is_a_sentence(client: TestClient, admin: Headers) -> None:
    spec = client.get("/openapi.json").json()
    requests = _requests(spec)
    assert len(requests) > 200
    read = 0
    for method, path, request in requests:
        headers = {**admin, **request.pop("headers", {})}
        response = client.request(method.upper(), path, headers=headers, **request)
        assert response.status_code < 500, (method, path, request, response.text)
        for message in _messages(response):
            read += 1
            assert SENTENCE.fullmatch(message), (method, path, request, message)
            assert not any(word in message for word in FORBIDDEN), (path, request, message)
    assert read > 200


def test_a_pattern_of_a_parameter_is_said_in_words(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/api/v1/items",
        json={"sku": "A", "name": "n", "unit_price": "1"},
        headers={**admin, "Idempotency-Key": "not a key!"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "must be 1-200 letters, digits, '.', '_', ':' or '-'"
    )
    blank = client.post(
        "/api/v1/items", json={"sku": " ", "name": "n", "unit_price": "1"}, headers=admin
    )
    assert blank.json()["errors"] == [
        {"location": ["body", "sku"], "message": "must not be empty", "type": "invalid_value"}
    ]
