"""``inventory --json`` prints an item, a movement or a user exactly as the REST API returns it.

One store, two doors: the CLI writes and reads through its commands, the REST app through HTTP,
and the JSON of the same object must be the same bytes once the CLI's indentation is taken out
(same fields, same order, same spelling of every value).
"""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from entrypoints.container import Container, build_container
from entrypoints.rest.app import create_app
from entrypoints.settings import Settings
from tests.e2e.cli.conftest import PASSWORD, Cli

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def shared(new_settings: Callable[[Path], Settings], tmp_path: Path) -> Iterator[Container]:
    """A store both doors use, on the real clock (the REST API checks tokens against it)."""
    container = build_container(new_settings(tmp_path))
    yield container
    container.unwire()


def compact(cli_stdout: str) -> bytes:
    return orjson.dumps(json.loads(cli_stdout))


def test_items_movements_and_users_print_as_rest_returns_them(shared: Container) -> None:
    cli = Cli(shared)
    root = cli.create_user("root", "admin")
    cli.json("items", "add", "--sku", "A-1", "--name", "Widget", "--price", "12.5", "--tax", "20")
    cli.json("items", "adjust", "A-1", "7", "--reason", "received", "--note", "first delivery")

    with TestClient(create_app(shared)) as client:
        token = client.post("/api/v1/auth/token", data={"username": "root", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        item_id = client.get("/api/v1/items", headers=headers).json()["items"][0]["id"]
        uploaded = client.put(
            f"/api/v1/items/{item_id}/image",
            files={"file": ("a.png", PNG, "image/png")},
            headers=headers,
        )
        assert uploaded.status_code == 200, uploaded.text
        rest: dict[str, Any] = {
            path: client.get(path, headers=headers)
            for path in (
                f"/api/v1/items/{item_id}",
                "/api/v1/items",
                f"/api/v1/items/{item_id}/history",
                f"/api/v1/users/{root['id']}",
            )
        }

    shown = cli.ok("--json", "items", "show", "A-1").stdout
    assert json.loads(shown)["has_image"] is True
    assert compact(shown) == rest[f"/api/v1/items/{item_id}"].content
    assert compact(cli.ok("--json", "items", "list").stdout) == rest["/api/v1/items"].content
    history = cli.ok("--json", "items", "history", "A-1").stdout
    assert compact(history) == rest[f"/api/v1/items/{item_id}/history"].content
    assert json.loads(history)["total"] == 3  # created, the 7 received, the image attached
    user = cli.ok("--json", "users", "show", "root").stdout
    assert compact(user) == rest[f"/api/v1/users/{root['id']}"].content
