import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import httpx2
import pytest
import structlog

from adapters.metrics import PrometheusDomainMetrics
from entrypoints.observability.logs import configure_logging
from entrypoints.observability.metrics import new_metrics_registry
from entrypoints.observability.request_context import RequestContext, request_id
from tests.conftest import make_settings
from tests.unit.observability.tiny_app import USER_ID, tiny_app

TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-bearer-token"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def client_for(tmp_path: Path, stream: io.StringIO, **settings: object) -> httpx2.AsyncClient:
    configured = make_settings(tmp_path, **settings)
    configure_logging(configured, stream)
    registry = new_metrics_registry()
    app = tiny_app(configured, registry, PrometheusDomainMetrics(registry))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx2.AsyncClient(transport=transport, base_url="http://test")


def request_lines(stream: io.StringIO) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["event"] == "request"]


@pytest.mark.usefixtures("restore_logging")
async def test_production_logs_one_json_line_per_request(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with client_for(tmp_path, stream, env="production") as client:
        response = await client.get(f"/items/{uuid4()}", params={"verbose": "1"})

    (line,) = request_lines(stream)
    assert line["request_id"] == response.headers["X-Request-ID"]
    UUID(str(line["request_id"]))
    assert line["method"] == "GET"
    assert line["route"] == "/items/{item_id}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == str(USER_ID)
    assert line["level"] == "info"
    assert "timestamp" in line


@pytest.mark.usefixtures("restore_logging")
async def test_the_clients_request_id_is_kept(tmp_path: Path) -> None:
    stream = io.StringIO()
    given = str(uuid4())
    async with client_for(tmp_path, stream, env="production") as client:
        response = await client.get("/items/1", headers={"X-Request-ID": given})

    assert response.headers["X-Request-ID"] == given
    assert request_lines(stream)[0]["request_id"] == given


@pytest.mark.usefixtures("restore_logging")
async def test_tokens_and_passwords_never_reach_the_log(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with client_for(tmp_path, stream, env="production") as client:
        await client.get(
            "/items/1",
            params={"token": TOKEN},
            headers={"Authorization": f"Bearer {TOKEN}", "Cookie": f"session={TOKEN}"},
        )
        await client.post("/items/1/adjust", json={"password": "hunter2-hunter2"})
    structlog.get_logger("test").info("careless", password="hunter2-hunter2", data={"token": TOKEN})
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /api/v1/events?token=%s"', TOKEN)

    text = stream.getvalue()
    assert TOKEN not in text
    assert "hunter2" not in text
    assert len(request_lines(stream)) == 2
    assert '"password": "[redacted]"' in text


@pytest.mark.usefixtures("restore_logging")
async def test_a_crash_is_logged_as_an_error_with_status_500(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with client_for(tmp_path, stream, env="production") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    (line,) = request_lines(stream)
    assert line["status"] == 500
    assert line["level"] == "error"
    assert line["route"] == "/boom"
    assert line["user_id"] is None
    assert "RuntimeError" in json.dumps(line["exception"])


@pytest.mark.usefixtures("restore_logging")
async def test_development_logs_are_readable_lines(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with client_for(tmp_path, stream) as client:
        await client.get("/items/7")
    logging.getLogger("uvicorn.error").info("Application startup complete.")

    lines = stream.getvalue().splitlines()
    assert any("request" in line and "route=/items/{item_id}" in line for line in lines)
    assert any("Application startup complete." in line for line in lines)
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_keeps_one_handler(tmp_path: Path) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(make_settings(tmp_path, log_format="json"), first)
    configure_logging(make_settings(tmp_path, log_format="json"), second)

    logging.getLogger("somewhere").warning("once")

    assert first.getvalue() == ""
    assert [json.loads(line)["event"] for line in second.getvalue().splitlines()] == ["once"]


async def test_websockets_get_a_request_id_but_no_request_line() -> None:
    seen: list[tuple[str, str | None]] = []

    async def app(scope: dict[str, object], _receive: object, _send: object) -> None:
        seen.append((str(scope["type"]), request_id.get()))

    middleware = RequestContext(app)  # type: ignore[arg-type]
    scope = {"type": "websocket", "path": "/api/v1/events", "headers": [(b"x-request-id", b"ws-1")]}
    await middleware(scope, None, None)  # type: ignore[arg-type]
    await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]

    assert seen == [("websocket", "ws-1"), ("lifespan", "ws-1")]


@pytest.mark.usefixtures("restore_logging")
async def test_a_broken_log_stream_never_fails_the_request(tmp_path: Path) -> None:
    stream = io.StringIO()
    async with client_for(tmp_path, stream, env="production") as client:
        stream.close()  # e.g. a closed pipe or a full disk behind the log
        response = await client.get(f"/items/{uuid4()}")
    assert response.status_code == 200


@pytest.mark.usefixtures("restore_logging")
async def test_the_fast_line_stops_when_logging_is_reconfigured(tmp_path: Path) -> None:
    first = io.StringIO()
    async with client_for(tmp_path, first, env="production") as client:
        logging.getLogger().handlers.clear()  # someone else took over logging
        response = await client.get(f"/items/{uuid4()}")
    assert response.status_code == 200
    assert request_lines(first) == []
