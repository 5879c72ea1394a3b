"""The page's session with refresh tokens: the access token in memory, the refresh token in an
HttpOnly cookie the page's scripts never see; a reload goes on silently, a 401 or a refused
live socket refreshes once through the cookie, and logging out ends the session on the server."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from playwright.sync_api import Browser, Request, Route, WebSocketRoute, expect

from entrypoints.rest.refresh_cookie import COOKIE_NAME, COOKIE_PATH
from tests.e2e.web.site import PASSWORD, Site, Visit, visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFRESH = "/api/v1/auth/refresh"
STORAGE = "[localStorage.length, sessionStorage.length, document.cookie]"


def refresh_cookie(visit: Visit) -> str:
    [cookie] = [c for c in visit.context.cookies() if c["name"] == COOKIE_NAME]
    return cookie["value"]


def bearer_of(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def refreshes(visit: Visit) -> list[Request]:
    seen: list[Request] = []
    visit.page.on("request", lambda r: seen.append(r) if r.url.endswith(REFRESH) else None)
    return seen


def test_the_refresh_token_is_an_httponly_cookie_and_a_reload_goes_on(
    browser: Browser, site: Site
) -> None:
    with visit(browser, site) as clerk:
        page = clerk.page
        clerk.log_in("clerk")
        [cookie] = clerk.context.cookies()
        assert cookie["name"] == COOKIE_NAME
        assert cookie["path"] == COOKIE_PATH
        assert cookie["httpOnly"] is True
        assert cookie["secure"] is True
        assert cookie["sameSite"] == "Strict"
        assert page.evaluate(STORAGE) == [0, 0, ""]
        before = cookie["value"]
        page.reload()
        expect(page.locator("#who")).to_contain_text("clerk")
        expect(page.locator("#live")).to_have_text("Live")
        expect(clerk.items_row("WID-1")).to_have_count(1)
        expect(page.get_by_label("Username")).to_have_count(0)
        assert page.evaluate(STORAGE) == [0, 0, ""]
        assert refresh_cookie(clerk) != before  # the reload rotated it


def test_a_401_refreshes_once_through_the_cookie_and_retries(browser: Browser, site: Site) -> None:
    site.create_item("RETRY-1", "Retried rivet", 9)
    with visit(browser, site) as viewer:
        page = viewer.page
        viewer.log_in("viewer")
        seen = refreshes(viewer)
        searches: list[Request] = []

        def expire_once(route: Route) -> None:
            searches.append(route.request)
            if len(searches) == 1:  # the service says the access token ran out
                route.fulfill(
                    status=401,
                    content_type="application/problem+json",
                    body='{"status": 401, "code": "authentication_failed", "detail": "expired"}',
                )
            else:
                route.continue_()

        page.route(re.compile(r".*/api/v1/items\?.*q=RETRY.*"), expire_once)
        page.wait_for_timeout(1100)  # so that a new access token differs (its iat, in seconds)
        with (
            page.expect_response(lambda r: r.url.endswith(REFRESH)) as refreshed,
            page.expect_response(lambda r: "q=RETRY" in r.url and r.ok) as retried,
        ):
            page.get_by_label("Search").fill("RETRY")
        expect(page.locator("table.items tbody tr")).to_have_count(1)
        fresh = refreshed.value.json()["access_token"]
        assert len(seen) == 1
        assert len(searches) == 2
        assert bearer_of(retried.value.request) == fresh
        assert bearer_of(searches[0]) != fresh
        expect(page.locator("#who")).to_contain_text("viewer")


def test_the_live_socket_reconnects_with_the_fresh_access_token(
    browser: Browser, site: Site
) -> None:
    with visit(browser, site) as viewer:
        sockets: list[WebSocketRoute] = []

        def through(socket: WebSocketRoute) -> None:
            sockets.append(socket)
            socket.connect_to_server()

        viewer.page.route_web_socket(re.compile(r".*/api/v1/events.*"), through)
        viewer.log_in("viewer")
        seen = refreshes(viewer)
        viewer.page.wait_for_timeout(1100)  # so that a new access token differs (its iat)
        with viewer.page.expect_response(lambda r: r.url.endswith(REFRESH)) as refreshed:
            # The service closes a socket whose token ran out with 1008 (policy violation).
            sockets[0].close(code=1008, reason="the token has expired")
        expect(viewer.page.locator("#live")).to_have_text("Live")
        assert len(seen) == 1
        assert len(sockets) == 2
        tokens = [parse_qs(urlsplit(s.url).query)["token"][0] for s in sockets]
        assert tokens[1] == refreshed.value.json()["access_token"]
        assert tokens[1] != tokens[0]
        with httpx2.Client(base_url=site.url) as client:
            me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens[1]}"})
            assert me.status_code == 200


def test_logging_out_ends_the_session_on_the_server(browser: Browser, site: Site) -> None:
    with visit(browser, site) as clerk:
        page = clerk.page
        clerk.log_in("clerk")
        cookie = refresh_cookie(clerk)
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You have logged out.")).to_be_visible()
        assert [c for c in clerk.context.cookies() if c["name"] == COOKIE_NAME] == []
        with httpx2.Client(base_url=site.url) as client:
            refused = client.post(REFRESH, json={"refresh_token": cookie})
            assert refused.status_code == 401
        page.reload()
        expect(page.get_by_label("Username")).to_be_visible()


def test_when_the_session_ends_elsewhere_the_page_asks_to_log_in(
    browser: Browser, site: Site
) -> None:
    with site.api() as admin:
        body = {"username": "leaver", "password": PASSWORD, "role": "viewer"}
        created = admin.post("/api/v1/users", json=body)
        assert created.status_code == 201, created.text
        leaver = created.json()["id"]
    with visit(browser, site) as viewer:
        page = viewer.page
        viewer.log_in("leaver")
        with site.api() as admin:
            ended = admin.patch(f"/api/v1/users/{leaver}", json={"active": False})
            assert ended.status_code == 200, ended.text
        # The live socket is closed, the refresh through the cookie is refused: log in again.
        expect(page.get_by_text("Your session has ended: please log in again.")).to_be_visible()
        expect(page.get_by_label("Username")).to_be_visible()
        # The refused cookie was cleared: a reload does not even send it.
        assert [c for c in viewer.context.cookies() if c["name"] == COOKIE_NAME] == []
        page.reload()
        expect(page.get_by_label("Username")).to_be_visible()
        expect(page.locator("#who")).to_have_text("")


def test_the_access_token_is_refreshed_before_it_runs_out(browser: Browser, site: Site) -> None:
    with visit(browser, site) as clerk:
        page = clerk.page
        page.clock.install()
        clerk.log_in("clerk")
        before = refresh_cookie(clerk)
        with page.expect_response(lambda r: r.url.endswith(REFRESH)) as refreshed:
            # The service's default access token lasts 30 minutes; the page renews a minute early.
            page.clock.fast_forward("29:01")
        assert refreshed.value.ok
        assert refresh_cookie(clerk) != before
        expect(page.locator("#who")).to_contain_text("clerk")


# The page's own module, imported again: the same instance as the page's (one per URL).
START_REFRESH = """() => {
    const url = document.querySelector('link[rel=modulepreload][href$="/api.js"]').href;
    window.refreshed = import(url).then((api) => api.refreshSession());
}"""


def test_two_tabs_refreshing_at_once_take_turns(browser: Browser, site: Site) -> None:
    """Two refreshes with one cookie would be reuse and end the session: the tabs serialise
    theirs (a Web Lock), so each sends the cookie the other left."""
    with visit(browser, site) as clerk:
        clerk.log_in("clerk")
        other = clerk.context.new_page()
        other.goto(site.url + "/")
        expect(other.locator("#who")).to_contain_text("clerk")
        for _ in range(3):
            for page in (clerk.page, other):
                page.evaluate(START_REFRESH)
            assert [page.evaluate("window.refreshed") for page in (clerk.page, other)] == [
                True,
                True,
            ]
        with httpx2.Client(base_url=site.url) as client:
            headers = {"Origin": site.url, "Cookie": f"{COOKIE_NAME}={refresh_cookie(clerk)}"}
            assert client.post(REFRESH, headers=headers).status_code == 200
