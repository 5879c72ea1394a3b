"""Swagger UI and ReDoc, in headless Chromium against a real server: both render the API, and
neither page makes a single request outside the service (issue 13, point 4: ReDoc's footer
logo came from Redocly's CDN).

The pages' Content-Security-Policy blocks requests elsewhere before they are made; a blocked
one shows as a console error, which counts here as a request outside the service too."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from tests.browser import OffOriginRequests
from tests.integration.servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: A known operation's summary, as both UIs list it.
OPERATION = "Adjust stock"
TIMEOUT_MS = 30_000


class Visit:
    def __init__(self, browser: Browser, server: Server, path: str) -> None:
        self.page = browser.new_page()
        self.elsewhere = OffOriginRequests(self.page, server.url)
        self.blocked: list[str] = []
        self.page.on("console", self._record_blocked)
        self.page.goto(server.url + path, wait_until="networkidle", timeout=TIMEOUT_MS)

    def _record_blocked(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.blocked.append(message.text)

    def assert_nothing_from_elsewhere(self) -> None:
        self.page.wait_for_load_state("networkidle")
        assert self.elsewhere.seen == []
        assert self.blocked == []


@pytest.fixture
def visit(browser: Browser, live_server: Server) -> Iterator[Callable[[str], Visit]]:
    opened: list[Visit] = []

    def open_page(path: str) -> Visit:
        opened.append(Visit(browser, live_server, path))
        return opened[-1]

    yield open_page
    for each in opened:
        each.page.close()


def test_swagger_ui_renders_the_operations_offline(visit: Callable[[str], Visit]) -> None:
    docs = visit("/docs")
    operation = docs.page.locator(".opblock-summary-description", has_text=OPERATION)
    operation.first.wait_for(timeout=TIMEOUT_MS)
    assert docs.page.locator(".opblock").count() > 10
    docs.assert_nothing_from_elsewhere()


def test_redoc_renders_the_menu_offline(visit: Callable[[str], Visit]) -> None:
    redoc = visit("/redoc")
    redoc.page.locator("[role=menuitem]", has_text=OPERATION).first.wait_for(timeout=TIMEOUT_MS)
    redoc.assert_nothing_from_elsewhere()
    # The footer's logo, which came from Redocly's CDN, is the service's own.
    logo = redoc.page.locator("img[alt='redocly logo']")
    assert logo.get_attribute("src", timeout=TIMEOUT_MS) == "/static/docs/favicon.png"
