"""The live indicator and reconnection: when the service goes away the page says so and retries
with backoff; when it is back, the page is live again and shows what changed meanwhile (the
stream is at-most-once, so a reconnect re-reads the view)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.databases import fresh_sqlite_url
from tests.e2e.web.site import Site, seed, visit
from tests.integration.servers import run_cli, server_environment, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_page_reconnects_with_backoff_and_catches_up(
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
            viewer.log_in("viewer")
            live = viewer.page.locator("#live")
            quantity = viewer.items_row("WID-1").locator(".qty")
            expect(quantity).to_have_text("40")
            first.kill_all()  # the service is gone at once, as in a crash
            expect(live).to_have_text(re.compile(r"Reconnecting in \d+ s"))
            expect(live).to_have_attribute("data-state", "reconnecting")
            # Changed while no server ran, so no event can tell the page: it must re-read.
            run_cli(
                "items", "adjust", "WID-1", "15", "--reason", "received",
                environment=environment, cwd=tmp_path,
            )  # fmt: skip
            second = start_server(environment, tmp_path / "logs", port=first.port)
            second.wait_ready()
            expect(live).to_have_text("Live", timeout=45_000)
            expect(quantity).to_have_text("55")
    finally:
        first.kill_all()
        if second is not None:
            second.kill_all()
