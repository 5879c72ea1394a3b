"""The page's main flow against PostgreSQL (the other browser tests run on SQLite): log in,
search, open an item, record a movement, and a second person sees it live; the session goes on
through a reload and ends with Log out."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.databases import new_postgres_database
from tests.e2e.web.site import record_a_movement, served_site, visit

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


def test_the_main_flow_on_postgresql(browser: Browser, tmp_path: Path) -> None:
    with new_postgres_database("inventory_web") as url, served_site(url, tmp_path) as site:
        item = site.create_item("PG-1", "Postgres pulley", 25, reorder_level=2)
        with visit(browser, site) as clerk, visit(browser, site) as viewer:
            viewer.log_in("viewer")
            row = viewer.items_row("PG-1")
            expect(row.locator(".qty")).to_have_text("25")
            clerk.log_in("clerk")
            record_a_movement(clerk, "PG-1", "Postgres pulley", -7)
            expect(row.locator(".qty")).to_have_text("18")
            # The session through the refresh cookie: a reload goes on, log out ends it.
            viewer.page.reload()
            expect(viewer.page.locator("#who")).to_contain_text("viewer")
            viewer.page.get_by_role("button", name="Log out").click()
            expect(viewer.page.get_by_text("You have logged out.")).to_be_visible()
            viewer.page.reload()
            expect(viewer.page.get_by_label("Username")).to_be_visible()
        assert site.quantity(item) == 18
