"""The profile mode: CPU time per authenticated request through the whole ASGI app, no network.

The parent (``profile_get_item``) runs this module in a process of its own with a prepared
store's environment, so the app is built exactly as ``inventory serve`` builds it: settings from
the environment, ``create_app`` around a ``Container``, the lifespan run through the ASGI
protocol. The child logs in and lists items through the app itself, then sends requests of one
kind (``REQUESTS``: a GET item by default, a list of 20, a stock movement) straight into it, one
after the other, on uvloop as uvicorn runs it, and reports the CPU time (``process_time``: all
threads, network waits excluded) per request, the best of several rounds. Only public entry
points are used, so it measures whatever the request path currently is.

``--top N`` adds cProfile's N most expensive functions of one more round.
"""

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.harness.processes import VENV_BIN, pinned
from benchmarks.harness.store import PASSWORD, Store

#: The issue's CPU budget for an authenticated GET item, in µs.
BUDGET_US = 250
MARKER = "PROFILE_RESULT "
App = Any  # an ASGI application


@dataclass(frozen=True)
class Profile:
    best_us: float
    median_us: float
    requests: int
    rounds: int
    top: str = ""


#: The kinds of request the profile can send (``_requests`` builds them).
KINDS = ("item", "list", "movement", "transfer")
#: How cProfile's listing is ordered: by time in the function itself, or with what it calls.
SORTS = ("tottime", "cumulative")
#: A request: method, target and JSON body (empty for none).
Request = tuple[str, str, bytes]


def profile_get_item(
    store: Store,
    *,
    requests: int,
    rounds: int,
    top: int = 0,
    kind: str = "item",
    sort: str = "tottime",
) -> Profile:
    """Run the profile in a child process against ``store`` (which no server may be using)."""
    command = [str(VENV_BIN / "python"), "-m", "benchmarks.harness.inprocess"]
    command += ["--requests", str(requests), "--rounds", str(rounds), "--top", str(top)]
    command += ["--kind", kind, "--sort", sort]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        pinned(command, 0), env=store.env, capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line.removeprefix(MARKER))
            return Profile(**data)
    raise RuntimeError(
        f"the profile printed no result (exit {result.returncode}):\n{result.stderr}"
    )


# -- the child process -------------------------------------------------------------------------
class AsgiClient:
    """Requests sent straight into an ASGI app, as uvicorn would pass them."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        task = asyncio.create_task(self.app(scope, inbox.get, outbox.put))
        await inbox.put({"type": "lifespan.startup"})
        started = await outbox.get()
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the app did not start: {started}")
        try:
            yield
        finally:
            await inbox.put({"type": "lifespan.shutdown"})
            await outbox.get()
            await task

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        path, _, query = target.partition("?")
        raw_headers = [(b"host", b"127.0.0.1")]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 40000),
            "scheme": "http",
            "method": method,
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": raw_headers,
            "state": dict(self.state),
        }
        status, chunks = 0, []
        sent_body = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if sent_body:
                await asyncio.Event().wait()  # nothing more: as if the client waited
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def _login(client: AsgiClient, username: str) -> dict[str, str]:
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    content_type = {"content-type": "application/x-www-form-urlencoded"}
    status, answer = await client.request("POST", "/api/v1/auth/token", content_type, form)
    if status != 200:
        raise RuntimeError(f"login failed with {status}: {answer[:200]!r}")
    return {"authorization": f"Bearer {json.loads(answer)['access_token']}"}


async def _authenticated(client: AsgiClient) -> tuple[dict[str, str], list[str]]:
    headers = await _login(client, "clerk")
    status, answer = await client.request("GET", "/api/v1/items?limit=100", headers)
    ids = [str(item["id"]) for item in json.loads(answer)["items"] if item["quantity"] > 0]
    if status != 200 or not ids:
        raise RuntimeError(f"no items to read ({status})")
    return headers, ids


async def _second_location(client: AsgiClient) -> tuple[str, str]:
    """The default location's id and a new one's (made by the admin)."""
    admin = {**await _login(client, "admin"), "content-type": "application/json"}
    code = f"PROFILE-{uuid.uuid4().hex[:8].upper()}"
    body = json.dumps({"code": code, "name": "Profile"}).encode()
    status, answer = await client.request("POST", "/api/v1/locations", admin, body)
    if status != 201:
        raise RuntimeError(f"creating a location answered {status}: {answer[:200]!r}")
    made = json.loads(answer)["id"]
    status, answer = await client.request("GET", "/api/v1/locations?search=MAIN", admin)
    (main,) = [place["id"] for place in json.loads(answer)["items"] if place["code"] == "MAIN"]
    return main, made


async def _requests(client: AsgiClient, kind: str, ids: list[str], count: int) -> list[Request]:
    """``count`` requests of ``kind`` on random items. Transfers go there and back in pairs on
    the same item, so none runs short (every item listed has stock at the default location)."""
    rng = random.Random(7)  # noqa: S311 - picking items, not secrets
    picked = [rng.choice(ids) for _ in range(count)]
    if kind == "item":
        return [("GET", f"/api/v1/items/{item}", b"") for item in picked]
    if kind == "list":
        return [("GET", "/api/v1/items?limit=20", b"")] * count
    if kind == "movement":
        body = b'{"delta": 1, "reason": "received"}'
        return [("POST", f"/api/v1/items/{item}/movements", body) for item in picked]
    main, other = await _second_location(client)
    requests: list[Request] = []
    for n in range(count):
        source, target = (main, other) if n % 2 == 0 else (other, main)
        move = {"item_id": picked[n - n % 2], "quantity": 1}
        move |= {"from_location_id": source, "to_location_id": target}
        requests.append(("POST", "/api/v1/transfers", json.dumps(move).encode()))
    return requests


async def _round(client: AsgiClient, headers: dict[str, str], requests: list[Request]) -> float:
    sending = {**headers, "content-type": "application/json"}
    started = time.process_time()
    for method, path, body in requests:
        status, answer = await client.request(method, path, sending if body else headers, body)
        if status not in (200, 201):
            raise RuntimeError(f"{method} {path} answered {status}: {answer[:200]!r}")
    return (time.process_time() - started) / len(requests) * 1_000_000


async def _profile(
    app: App, count: int, rounds: int, top: int, kind: str, sort: str = "tottime"
) -> Profile:
    client = AsgiClient(app)
    async with client.lifespan():
        headers, ids = await _authenticated(client)
        requests = await _requests(client, kind, ids, count)
        await _round(client, headers, requests[: max(2, count // 4)])  # warm up
        spent = sorted([await _round(client, headers, requests) for _ in range(rounds)])
        listing = await _top(client, headers, requests, top, sort) if top else ""
    return Profile(round(spent[0], 1), round(spent[len(spent) // 2], 1), count, rounds, listing)


async def _top(
    client: AsgiClient, headers: dict[str, str], requests: list[Request], top: int, sort: str
) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    await _round(client, headers, requests)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(top)
    return text.getvalue()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when it is installed, as uvicorn chooses it."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU µs per request, in-process")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--kind", choices=KINDS, default="item")
    parser.add_argument("--sort", choices=SORTS, default="tottime")
    args = parser.parse_args(argv)
    from entrypoints.container import build_container
    from entrypoints.rest.app import create_app

    with open(os.devnull, "w") as devnull:
        with contextlib.redirect_stdout(devnull):
            app = create_app(build_container())  # settings from the environment; logs to devnull
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            profile = runner.run(
                _profile(app, args.requests, args.rounds, args.top, args.kind, args.sort)
            )
    print(MARKER + json.dumps(asdict(profile)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
