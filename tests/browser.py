"""Headless Chromium for the tests of pages a person looks at (docs, the web page).

Debian's ``chromium`` (``make chromium``) driven by playwright through ``executable_path``:
``playwright install`` downloads a browser of its own, which cannot be fetched here. Without a
chromium on the PATH the browser tests skip, loudly; with ``INVENTORY_TEST_BROWSER_REQUIRED=1``
(CI, see ``.ci/run``) they fail instead, as the PostgreSQL tests do.
"""

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

ENABLE_HINT = "no chromium on the PATH: run `make chromium` (Debian's package) to enable"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Not per session: playwright's sync API keeps its event loop
    running in the main thread while it is open, and ``asyncio.run`` in later tests (outside any
    browser module) would then fail with "cannot be called from a running event loop"."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("INVENTORY_TEST_BROWSER_REQUIRED") == "1":
            pytest.fail(ENABLE_HINT + " (INVENTORY_TEST_BROWSER_REQUIRED=1)", pytrace=False)
        pytest.skip(ENABLE_HINT)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


class OffOriginRequests:
    """Every request a page makes outside ``origin``: a page served by the service must make
    none (no CDN, no fonts, no logos from elsewhere)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self.seen: list[str] = []
        page.on("request", self._record)

    def _record(self, request: Request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not (url == self.origin or url.startswith(self.origin + "/")):
            self.seen.append(url)
