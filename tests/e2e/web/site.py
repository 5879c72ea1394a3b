"""A real ``inventory serve`` for the page's browser tests, with a few users and items, and the
steps a person takes on the page (log in, open an item, ...), shared by the test modules."""

import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    ViewportSize,
    expect,
)

from tests.browser import OffOriginRequests
from tests.integration.servers import (
    ADMIN_PASSWORD,
    Server,
    run_cli,
    running_servers,
    server_environment,
)

PASSWORD = "page-password-1"
USERS = {"clerk": "clerk", "viewer": "viewer"}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
#: The output of the browser tests a person may want to look at (git-ignored).
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "web"
#: Small, so that the page's "too large" message can be tested with a small file.
MAX_IMAGE_BYTES = 20 * 1024
#: Long enough for a busy machine; nothing here waits on the clock when things work.
WAIT_MS = 15_000


@dataclass
class Site:
    """A served store with users ``admin``, ``clerk`` and ``viewer`` and a few items."""

    server: Server
    items: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @contextmanager
    def api(self, username: str = "admin") -> Iterator[httpx2.Client]:
        """A client logged in as ``username``, as another person would be."""
        password = ADMIN_PASSWORD if username == "admin" else PASSWORD
        with httpx2.Client(base_url=self.url, timeout=30) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": username, "password": password}
            )
            assert token.status_code == 200, token.text
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield client

    def create_item(self, sku: str, name: str, quantity: int, reorder_level: int = 0) -> str:
        with self.api() as client:
            body = {
                "sku": sku,
                "name": name,
                "unit_price": "12.50",
                "tax_rate": "20.00",
                "quantity": quantity,
                "reorder_level": reorder_level,
            }
            created = client.post("/api/v1/items", json=body)
            assert created.status_code == 201, created.text
            item: dict[str, object] = created.json()
        self.items[sku] = item
        return str(item["id"])

    def quantity(self, item_id: str) -> int:
        with self.api() as client:
            return int(client.get(f"/api/v1/items/{item_id}").json()["quantity"])


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, one-colour PNG (the browser shows it, so a screenshot has a picture in it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def seed(site: Site) -> None:
    with site.api() as client:
        for username, role in USERS.items():
            created = client.post(
                "/api/v1/users", json={"username": username, "password": PASSWORD, "role": role}
            )
            assert created.status_code == 201, created.text
    site.create_item("WID-1", "Blue widget", 40, reorder_level=5)
    site.create_item("WID-2", "Red widget", 3, reorder_level=10)
    site.create_item("GAD-1", "Gadget", 12)
    site.create_item("BOLT-9", "Hex bolt M6", 500, reorder_level=100)


@contextmanager
def served_site(database_url: str, directory: Path) -> Iterator[Site]:
    environment = server_environment(
        database_url, directory / "var", INVENTORY_MAX_IMAGE_BYTES=str(MAX_IMAGE_BYTES)
    )
    run_cli("db", "upgrade", environment=environment, cwd=directory)
    with running_servers(environment, directory / "logs", 1) as (server,):
        site = Site(server)
        seed(site)
        yield site


class Visit:
    """One person's browser context on the site: its page, and what it must never do (leave
    the origin, break the CSP, throw)."""

    def __init__(self, browser: Browser, site: Site, viewport: ViewportSize = DESKTOP) -> None:
        self.site = site
        self.context: BrowserContext = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(WAIT_MS)
        self.page: Page = self.context.new_page()
        self.off_origin = OffOriginRequests(self.page, site.url)
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.type == "warning":
            self.problems.append(f"console {message.type}: {message.text}")

    def close(self) -> None:
        self.context.close()

    def check(self) -> None:
        assert self.off_origin.seen == [], f"requests left the origin: {self.off_origin.seen}"
        assert self.problems == [], self.problems

    def log_in(self, username: str) -> None:
        page = self.page
        if not page.url.startswith(self.site.url):
            page.goto(self.site.url + "/")
        password = ADMIN_PASSWORD if username == "admin" else PASSWORD
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#who")).to_contain_text(username)
        expect(page.locator("#live")).to_have_text("Live")

    def items_row(self, sku: str) -> Locator:
        return self.page.locator("table.items tbody tr", has_text=sku)

    def open_item(self, name: str) -> None:
        self.page.get_by_role("link", name=name, exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(name)

    def quantity(self) -> str:
        text = self.page.locator(".details dd.quantity").inner_text()
        match = re.match(r"\d+", text)
        assert match, text
        return match.group(0)


@contextmanager
def visit(browser: Browser, site: Site, viewport: ViewportSize = DESKTOP) -> Iterator[Visit]:
    opened = Visit(browser, site, viewport)
    try:
        yield opened
        opened.check()
    finally:
        opened.close()


def record_a_movement(visit: Visit, sku: str, name: str, delta: int) -> None:
    """The main flow: search, open the item, record a movement, see the quantity change."""
    page = visit.page
    page.get_by_label("Search").fill(sku)
    expect(page.locator("table.items tbody tr")).to_have_count(1)
    visit.open_item(name)
    before = int(visit.quantity())
    form = page.locator("#movement-form")
    form.get_by_label("Reason").select_option("received" if delta > 0 else "sold")
    form.get_by_label("Change").fill(str(delta))
    form.get_by_label("Reference").fill("PO-7")
    form.get_by_role("button", name="Record movement").click()
    expect(page.locator(".details dd.quantity")).to_contain_text(str(before + delta))
    first = page.locator("table").last.locator("tbody tr").first
    expect(first).to_contain_text("PO-7")
    expect(first).to_contain_text(f"{delta:+d}")
