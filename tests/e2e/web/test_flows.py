"""The page in headless Chromium against a real server: what a clerk, a viewer and an admin
do, live updates between two people, and the service's refusals shown where they happen."""

import json
import re

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.web.site import PASSWORD, Site, record_a_movement, visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_log_in_search_open_an_item_and_record_a_movement(browser: Browser, site: Site) -> None:
    item = site.create_item("FLOW-1", "Flow sprocket", 20)
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        record_a_movement(clerk, "FLOW-1", "Flow sprocket", -4)
    assert site.quantity(item) == 16


def test_a_second_person_sees_the_change_live(browser: Browser, site: Site) -> None:
    site.create_item("LIVE-1", "Live flange", 30, reorder_level=5)
    with visit(browser, site) as clerk, visit(browser, site) as viewer:
        viewer.log_in("viewer")
        viewer.page.get_by_label("Search").fill("LIVE")
        row = viewer.items_row("LIVE-1")
        expect(row.locator(".qty")).to_have_text("30")
        clerk.log_in("clerk")
        record_a_movement(clerk, "LIVE-1", "Live flange", -26)
        expect(row.locator(".qty")).to_have_text("4")
        expect(row).to_have_class(re.compile(r"\blow\b"))
        expect(row.locator(".badge")).to_have_text("Low")
        # A new item that matches the search appears without a reload.
        site.create_item("LIVE-2", "Live gasket", 1)
        expect(viewer.items_row("LIVE-2")).to_have_count(1)
        assert viewer.page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_removal_beyond_the_stock_shows_how_many_are_available(
    browser: Browser, site: Site
) -> None:
    item = site.create_item("FEW-1", "Scarce spring", 3)
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        clerk.page.get_by_label("Search").fill("FEW-1")
        clerk.open_item("Scarce spring")
        form = clerk.page.locator("#movement-form")
        form.get_by_label("Change").fill("-5")
        form.get_by_role("button", name="Record movement").click()
        expect(form.get_by_role("alert")).to_have_text("Only 3 available: cannot remove 5.")
        assert clerk.quantity() == "3"
    assert site.quantity(item) == 3


def test_an_edit_after_someone_elses_change_is_refused_with_a_reload_offer(
    browser: Browser, site: Site
) -> None:
    item = site.create_item("EDIT-1", "Edited valve", 7)
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        clerk.page.get_by_label("Search").fill("EDIT-1")
        clerk.open_item("Edited valve")
        clerk.page.get_by_role("button", name="Edit item").click()
        form = clerk.page.locator("#edit-form")
        form.get_by_label("Name").fill("Edited valve, mine")
        with site.api() as other:
            changed = other.patch(f"/api/v1/items/{item}", json={"name": "Edited valve, theirs"})
            assert changed.status_code == 200, changed.text
        form.get_by_role("button", name="Save changes").click()
        expect(form.get_by_role("alert")).to_have_text(
            "This item was changed by someone else since you opened the form."
        )
        form.get_by_role("button", name="Reload the item").click()
        expect(form.get_by_label("Name")).to_have_value("Edited valve, theirs")
        form.get_by_label("Name").fill("Edited valve, agreed")
        form.get_by_role("button", name="Save changes").click()
        expect(clerk.page.get_by_role("heading", level=1)).to_have_text("Edited valve, agreed")


def test_a_viewer_has_no_write_controls_and_the_service_refuses_one_anyway(
    browser: Browser, site: Site
) -> None:
    item = site.create_item("VIEW-1", "Viewed hinge", 9)
    with visit(browser, site) as viewer:
        viewer.log_in("viewer")
        page = viewer.page
        page.get_by_label("Search").fill("VIEW-1")
        viewer.open_item("Viewed hinge")
        expect(page.locator("table").last.locator("tbody tr")).to_have_count(1)
        for control in ("#movement-form", "#edit-form", "#picture-form"):
            assert page.locator(control).count() == 0, control
        assert page.get_by_role("button", name=re.compile("Record|Edit|Upload")).count() == 0
        assert page.get_by_role("link", name="Users").is_hidden()
        # Forced: the same request the clerk's form sends, with the viewer's own login.
        status = page.evaluate(
            """async ([item, password]) => {
                const form = new URLSearchParams({username: "viewer", password});
                const login = await fetch("/api/v1/auth/token", {method: "POST", body: form});
                const {access_token} = await login.json();
                const moved = await fetch(`/api/v1/items/${item}/movements`, {
                    method: "POST",
                    headers: {"Authorization": `Bearer ${access_token}`,
                              "Content-Type": "application/json"},
                    body: JSON.stringify({delta: -1, reason: "sold"}),
                });
                return [moved.status, (await moved.json()).code];
            }""",
            [item, PASSWORD],
        )
        assert status == [403, "permission_denied"]
    assert site.quantity(item) == 9


def test_an_admin_manages_users(browser: Browser, site: Site) -> None:
    with visit(browser, site) as admin:
        admin.log_in("admin")
        page = admin.page
        page.get_by_role("link", name="Users").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Users")
        form = page.locator("form", has=page.get_by_role("heading", name="New user"))
        form.get_by_label("Username").fill("newclerk")
        form.get_by_label("Password").fill("new-clerk-password")
        form.get_by_label("Role").select_option("clerk")
        form.get_by_role("button", name="Create user").click()
        role = page.get_by_label("Role of newclerk")
        expect(role).to_have_value("clerk")
        role.select_option("viewer")
        page.get_by_label("Role of admin").select_option("viewer")  # the last admin: refused
        expect(page.locator("p.error").first).to_contain_text("admin:")
        expect(page.get_by_label("Role of admin")).to_have_value("admin")
    with site.api() as client:
        users = {u["username"]: u["role"] for u in client.get("/api/v1/users").json()["items"]}
    assert users["newclerk"] == "viewer"
    assert users["admin"] == "admin"


def test_wrong_password_and_throttling_are_shown_at_the_form(browser: Browser, site: Site) -> None:
    with visit(browser, site) as someone:
        page = someone.page
        page.goto(site.url + "/")
        submit = page.get_by_role("button", name="Log in")
        alert = page.locator("form").get_by_role("alert")
        page.locator("form [role=alert]").wait_for(state="attached")  # built after a session check
        # Every text the alert shows, however briefly (the service's first delay is 1 s).
        page.evaluate(
            """() => {
                window.seen = [];
                const alert = document.querySelector("form [role=alert]");
                new MutationObserver(() => window.seen.push(alert.textContent))
                    .observe(alert, {childList: true, characterData: true, subtree: true});
            }"""
        )
        page.get_by_label("Username").fill("nobody-here")
        for _ in range(8):  # the service throttles a username after 5 free failures
            page.get_by_label("Password").fill("wrong-password")
            submit.click()
            expect(alert).not_to_be_empty()
            expect(submit).to_be_enabled(timeout=30_000)
            if any("Too many" in text for text in page.evaluate("window.seen")):
                break
        seen: list[str] = page.evaluate("window.seen")
    assert "Wrong username or password." in seen
    countdown = [text for text in seen if text.startswith("Too many")]
    assert countdown, seen
    assert all(
        re.fullmatch(r"Too many failed attempts\. You can try again in [1-9][0-9]* s\.", text)
        for text in countdown
    ), countdown
    assert seen[-1] == "You can try again now.", seen


def test_a_revoked_session_asks_to_log_in_again(browser: Browser, site: Site) -> None:
    with site.api() as client:
        created = client.post(
            "/api/v1/users", json={"username": "leaver", "password": PASSWORD, "role": "viewer"}
        )
        assert created.status_code == 201, created.text
    with visit(browser, site) as leaver:
        leaver.log_in("leaver")
        with site.api() as client:
            user = created.json()["id"]
            assert client.patch(f"/api/v1/users/{user}", json={"role": "clerk"}).is_success
        notice = leaver.page.get_by_role("status").filter(has_text="session")
        expect(notice).to_have_text("Your session has ended: please log in again.")
        expect(leaver.page.get_by_label("Username")).to_be_visible()
        expect(leaver.page.locator("#live")).to_have_text("Live updates off")
        leaver.log_in("leaver")
        expect(leaver.page.locator("#who")).to_have_text("leaver (clerk)")


def test_a_movement_whose_answer_was_lost_is_recorded_once_when_sent_again(
    browser: Browser, site: Site
) -> None:
    item = site.create_item("LOST-1", "Lost-answer pin", 10)
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        page = clerk.page
        page.get_by_label("Search").fill("LOST-1")
        clerk.open_item("Lost-answer pin")
        keys: list[str | None] = []

        def lose_the_answer(route: Route) -> None:
            keys.append(route.request.headers.get("idempotency-key"))
            route.fetch()  # the service records the movement ...
            route.abort()  # ... and the page never hears of it

        page.route(f"**/api/v1/items/{item}/movements", lose_the_answer)
        form = page.locator("#movement-form")
        form.get_by_label("Change").fill("-2")
        form.get_by_role("button", name="Record movement").click()
        expect(form.get_by_role("alert")).to_contain_text("cannot be reached")
        page.unroute(f"**/api/v1/items/{item}/movements")
        with page.expect_request(f"**/api/v1/items/{item}/movements") as sent:
            form.get_by_role("button", name="Record movement").click()
        expect(page.locator(".details dd.quantity")).to_contain_text("8")
        assert len(keys) == 1
        assert keys[0]
        assert sent.value.headers.get("idempotency-key") == keys[0]
    assert site.quantity(item) == 8


def test_a_401_from_the_api_asks_to_log_in_again_and_returns_to_the_view(
    browser: Browser, site: Site
) -> None:
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        page = clerk.page
        expect(clerk.items_row("GAD-1")).to_have_count(1)
        expired = json.dumps(
            {"status": 401, "code": "authentication_failed", "detail": "the token expired"}
        )
        page.route(
            "**/api/v1/items?*",
            lambda route: route.fulfill(
                status=401,
                content_type="application/problem+json",
                headers={"WWW-Authenticate": "Bearer"},
                body=expired,
            ),
        )
        page.get_by_label("Search").fill("GAD")
        notice = page.get_by_role("status").filter(has_text="session")
        expect(notice).to_have_text("Your session has ended: please log in again.")
        expect(page.locator("#live")).to_have_text("Live updates off")
        page.unroute("**/api/v1/items?*")
        clerk.log_in("clerk")
        expect(page.get_by_role("heading", level=1)).to_have_text("Items")
        expect(page.get_by_label("Search")).to_have_value("GAD")
        expect(page.locator("table.items tbody tr")).to_have_count(1)
