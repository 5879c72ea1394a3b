"""The live indicator and reconnection: when the service goes away the page says so and retries
with backoff; when it is back, the page resumes the stream with ``after=`` the last position it
got, and the service replays what changed meanwhile (issue 19, with the replay of issue 16): the
page shows it without re-reading anything."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Request, WebSocket, expect

from tests.databases import fresh_sqlite_url
from tests.e2e.web.site import Site, seed, visit
from tests.integration.servers import run_cli, server_environment, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_page_reconnects_with_backoff_and_resumes_after_its_last_event(
    browser: Browser, sqlite_template: Path, tmp_path: Path
) -> None:
    environment = server_environment(
        fresh_sqlite_url(sqlite_template, tmp_path / "db"), tmp_path / "var"
    )
    run_cli("db", "upgrade", environment=environment, cwd=tmp_path)
    first = start_server(environment, tmp_path / "logs")
    second = None
    try:
        first.wait_ready()
        site = Site(first)
        seed(site)
        with visit(browser, site) as viewer:
            sockets: list[str] = []
            viewer.page.on("websocket", lambda socket: sockets.append(socket_url(socket)))
            viewer.log_in("viewer")
            live = viewer.page.locator("#live")
            quantity = viewer.items_row("WID-1").locator(".qty")
            expect(quantity).to_have_text("40")
            item_id = site.items["WID-1"]["id"]
            with site.api() as client:  # an event the page gets live: its position to resume
                moved = {"delta": 1, "reason": "received"}
                url = f"/api/v1/items/{item_id}/movements"
                assert client.post(url, json=moved).status_code == 201
                expect(quantity).to_have_text("41")
                query = {"type": "stock.adjusted", "item_id": item_id}
                (event,) = client.get("/api/v1/events", params=query).json()["events"]
            position = event["position"]

            first.kill_all()  # the service is gone at once, as in a crash
            expect(live).to_have_text(re.compile(r"Reconnecting in \d+ s"))
            expect(live).to_have_attribute("data-state", "reconnecting")
            reads: list[str] = []
            viewer.page.on("request", lambda request: reads.extend(api_reads(request)))
            # Changed while no server ran: only the replay can tell the page.
            run_cli(
                "items", "adjust", "WID-1", "15", "--reason", "received",
                environment=environment, cwd=tmp_path,
            )  # fmt: skip
            second = start_server(environment, tmp_path / "logs", port=first.port)
            second.wait_ready()
            expect(live).to_have_text("Live", timeout=45_000)
            expect(quantity).to_have_text("56")
            resumed = [parse_qs(urlsplit(url).query).get("after") for url in sockets]
            assert resumed[0] is None  # the login's first socket re-reads instead
            assert resumed[-1] == [str(position)]
            assert reads == []  # caught up by the replay alone
    finally:
        first.kill_all()
        if second is not None:
            second.kill_all()


def socket_url(socket: WebSocket) -> str:
    return socket.url


def api_reads(request: Request) -> list[str]:
    """The page's reads of what it shows (items, an item, its movements)."""
    path = urlsplit(request.url).path
    return [path] if request.method == "GET" and path.startswith("/api/v1/items") else []
