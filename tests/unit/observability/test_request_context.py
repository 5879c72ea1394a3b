"""``RequestContext`` driven with raw ASGI messages: what it sends, answers and records."""

import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
import structlog
from prometheus_client import CollectorRegistry
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.container import Container
from entrypoints.observability.logs import configure_logging
from entrypoints.observability.metrics import HttpMetrics
from entrypoints.observability.request_context import BodyTooLarge, RequestContext, RequestIds
from entrypoints.rest.app import create_app
from entrypoints.rest.errors import problem
from tests.conftest import make_settings

GZIP_MIN = 500
OURS = {b"server-timing", b"x-request-id"}
Responder = Callable[[Send], Awaitable[None]]


def scope_for(headers: list[tuple[bytes, bytes]] | None = None, method: str = "GET") -> Scope:
    return {
        "type": "http",
        "method": method,
        "path": "/things",
        "headers": headers or [],
        "query_string": b"",
        "state": {},
    }


def app_of(respond: Responder) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send)

    return app


async def run(app: ASGIApp, scope: Scope, body: list[bytes] | None = None) -> list[Message]:
    chunks = list(body or [b""])
    sent: list[Message] = []

    async def receive() -> Message:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def without_ours(messages: list[Message]) -> list[Message]:
    return [
        {**m, "headers": [h for h in m["headers"] if h[0] not in OURS]} if "headers" in m else m
        for m in messages
    ]


def start(status: int = 200, **headers: str) -> Message:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http.response.start", "status": status, "headers": raw}


def body(data: bytes, more: bool = False) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


def responder(*messages: Message) -> Responder:
    async def respond(send: Send) -> None:
        for message in messages:  # fresh copies: middlewares edit the headers they are sent
            headers = message.get("headers")
            await send(
                {**message, "headers": list(headers)} if headers is not None else {**message}
            )

    return respond


JSON = "application/json"
RESPONSES = {
    "small json": responder(start(content_type=JSON, content_length="2"), body(b"{}")),
    "large json": responder(start(content_type=JSON), body(b"x" * 2000)),
    "large, already encoded": responder(
        start(content_type=JSON, content_encoding="br"), body(b"x" * 2000)
    ),
    "large image": responder(start(content_type="image/png"), body(b"x" * 2000)),
    "large partial": responder(start(206, content_type=JSON), body(b"x" * 2000)),
    "large with a Vary": responder(start(content_type=JSON, vary="Origin"), body(b"x" * 2000)),
    "streamed": responder(
        start(content_type="text/csv"), body(b"a,b\n", True), body(b"1,2\n", True), body(b"")
    ),
    "empty 204": responder(start(204), body(b"")),
}


@pytest.mark.parametrize("name", sorted(RESPONSES))
async def test_a_client_without_gzip_gets_what_starlettes_gzip_middleware_sends(name: str) -> None:
    """The identity path skips Starlette's middleware, so it must say ``Vary`` exactly as it
    would (this fails when a Starlette upgrade changes the rule)."""
    app = app_of(RESPONSES[name])
    ours = await run(RequestContext(app, gzip_min_bytes=GZIP_MIN), scope_for())
    starlettes = await run(GZipMiddleware(app, minimum_size=GZIP_MIN), scope_for())
    assert without_ours(ours) == starlettes


@pytest.mark.parametrize("name", sorted(RESPONSES))
async def test_a_client_that_takes_gzip_goes_through_starlettes_middleware(name: str) -> None:
    app = app_of(RESPONSES[name])
    gzip = [(b"accept-encoding", b"gzip, br")]
    ours = await run(RequestContext(app, gzip_min_bytes=GZIP_MIN), scope_for(gzip))
    starlettes = await run(GZipMiddleware(app, minimum_size=GZIP_MIN), scope_for(gzip))
    assert without_ours(ours) == starlettes


async def test_our_headers_are_added_once_to_the_start_that_is_sent() -> None:
    app = app_of(RESPONSES["large json"])
    sent = await run(
        RequestContext(app, gzip_min_bytes=GZIP_MIN), scope_for([(b"x-request-id", b"abc-1")])
    )
    names = [name for name, _ in sent[0]["headers"]]
    assert names.count(b"server-timing") == names.count(b"x-request-id") == 1
    assert (b"x-request-id", b"abc-1") in sent[0]["headers"]
    assert (b"vary", b"Accept-Encoding") in sent[0]["headers"]


@pytest.fixture
def log_stream(tmp_path: Path) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(make_settings(tmp_path, env="production"), stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def request_lines(stream: io.StringIO) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["event"] == "request"]


def counted(registry: CollectorRegistry, status: str) -> float | None:
    labels = {"handler": "none", "method": "GET", "status": status}
    return registry.get_sample_value("http_requests_total", labels)


async def test_a_crash_before_the_response_is_a_500_problem_logged_once(
    log_stream: io.StringIO,
) -> None:
    async def crash(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("internal detail")

    registry = CollectorRegistry()
    middleware = RequestContext(crash, metrics=HttpMetrics(registry), problem=problem)
    sent = await run(middleware, scope_for([(b"x-request-id", b"req-9")]))

    assert sent[0]["status"] == 500
    document = json.loads(sent[1]["body"])
    assert document["request_id"] == "req-9"
    assert "internal detail" not in sent[1]["body"].decode()
    (line,) = request_lines(log_stream)
    assert (line["status"], line["level"], line["request_id"]) == (500, "error", "req-9")
    assert "internal detail" in json.dumps(line["exception"])
    assert counted(registry, "500") == 1


async def test_a_crash_after_the_response_started_is_logged_and_raised(
    log_stream: io.StringIO,
) -> None:
    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start(content_type="text/csv"))
        await send(body(b"a,b\n", True))
        raise RuntimeError("the export broke")

    registry = CollectorRegistry()
    middleware = RequestContext(half, metrics=HttpMetrics(registry), problem=problem)
    with pytest.raises(RuntimeError, match="the export broke"):
        await run(middleware, scope_for())

    (line,) = request_lines(log_stream)
    assert (line["status"], line["level"]) == (500, "error")  # a crash, whatever was sent
    assert "the export broke" in json.dumps(line["exception"])
    assert counted(registry, "200") == 1  # what the client was sent


async def read_everything(scope: Scope, receive: Receive, send: Send) -> None:
    while (await receive()).get("more_body"):
        pass
    await responder(start(content_type=JSON), body(b"{}"))(send)


@pytest.mark.parametrize(
    ("headers", "chunks", "status"),
    [
        ([(b"content-length", b"11")], [b"x" * 11], 413),
        ([(b"content-length", b"lots")], [b"{}"], 400),
        ([(b"transfer-encoding", b"chunked")], [b"x" * 6, b"x" * 6], 413),
        ([(b"transfer-encoding", b"chunked")], [b"x" * 5, b"x" * 5], 200),
        ([(b"content-length", b"10")], [b"x" * 10], 200),
    ],
)
async def test_bodies_over_the_limit_are_refused_as_problems(
    headers: list[tuple[bytes, bytes]], chunks: list[bytes], status: int
) -> None:
    middleware = RequestContext(read_everything, body_limit=lambda _: 10, problem=problem)
    sent = await run(middleware, scope_for(headers, method="POST"), chunks)

    assert sent[0]["status"] == status
    if status != 200:
        assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
        detail = json.loads(sent[1]["body"])["detail"]
        expected = "Content-Length is not a number" if status == 400 else BodyTooLarge(10).detail
        assert detail == expected


def test_new_request_ids_are_distinct_version_4_uuids() -> None:
    ids = RequestIds()
    made = [ids.new().decode() for _ in range(600)]  # more than one pool of random bytes

    assert len(set(made)) == 600
    assert all(UUID(one).version == 4 and UUID(one).hex == one for one in made)


async def test_a_context_value_json_cannot_hold_natively_still_reaches_the_line(
    log_stream: io.StringIO,
) -> None:
    structlog.contextvars.bind_contextvars(tenant="acme", big=2**70)
    await run(RequestContext(app_of(RESPONSES["small json"])), scope_for())

    (line,) = request_lines(log_stream)
    assert (line["tenant"], line["big"]) == ("acme", 2**70)


@pytest.mark.usefixtures("log_stream")  # create_app configures logging; the fixture restores it
def test_the_app_has_one_middleware_watching_responses(container: Container) -> None:
    app = create_app(container)
    classes: list[object] = [middleware.cls for middleware in app.user_middleware]
    assert classes == [RequestContext]
