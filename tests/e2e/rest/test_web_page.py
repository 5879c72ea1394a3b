"""The web page as HTTP serves it: content negotiation at ``/``, the document's security
headers, and the assets' types, caching and total size (issue 19)."""

import re

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.web import ASSETS, wants_page

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: The page's JavaScript and CSS together, uncompressed (issue 19: under 100 KB).
ASSET_BUDGET = 100 * 1024


def test_browsers_get_the_page_and_api_clients_the_description_at_the_root(
    client: TestClient,
) -> None:
    page = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Accept" in page.headers["vary"].split(", ")
    assert '<main id="main">' in page.text
    for accept in ("", "*/*", "application/json", "application/json, text/html;q=0.5"):
        described = client.get("/", headers={"Accept": accept})
        assert described.status_code == 200
        assert described.headers["content-type"] == "application/json"
        assert "Accept" in described.headers["vary"].split(", ")
        assert described.json() == client.get("/api/v1").json()
    assert client.get("/api/v1").json()["links"]["web"] == "/"


def test_the_page_has_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache"
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert "style=" not in page.text
    assert "<style" not in page.text
    urls = re.findall(r"""(?:src|href)=["']([^"'#]+)["']""", page.text)
    assert urls
    for url in urls:
        assert url.startswith("/"), f"the page loads {url} from elsewhere"
        assert client.get(url).status_code == 200, url


def test_assets_have_their_types_long_caching_and_revalidation(client: TestClient) -> None:
    types = {"app.js": "text/javascript", "app.css": "text/css", "icon.svg": "image/svg+xml"}
    for name, kind in types.items():
        served = client.get(f"{ASSETS.base}/{name}")
        assert served.status_code == 200
        assert served.headers["content-type"].startswith(kind)
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["x-content-type-options"] == "nosniff"
        cached = client.get(
            f"{ASSETS.base}/{name}", headers={"If-None-Match": served.headers["etag"]}
        )
        assert cached.status_code == 304
        assert cached.content == b""
    stale = client.get("/static/app/0000000000000000/app.js")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"
    for missing in ("nothing.js", "..%2Fpage.py", "index.html"):
        assert client.get(f"{ASSETS.base}/{missing}").status_code == 404, missing


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    for name, asset in ASSETS.files.items():
        if name.endswith(".js"):
            for imported in re.findall(r'from "\./([^"]+)"', asset.body.decode()):
                assert imported in ASSETS.files, f"{name} imports the missing {imported}"


def test_the_scripts_and_styles_stay_small() -> None:
    scripts_and_styles = sum(
        len(asset.body) for name, asset in ASSETS.files.items() if name.endswith((".js", ".css"))
    )
    assert 0 < scripts_and_styles < ASSET_BUDGET


@given(st.text(max_size=200))
def test_any_accept_header_is_answered_without_html_unless_named(accept: str) -> None:
    wanted = wants_page(accept)
    if "text/html" not in accept.lower():
        assert not wanted
