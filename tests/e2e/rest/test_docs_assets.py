"""The docs pages' assets, without a browser (the Chromium test is tests/e2e/live): ReDoc's
bundle is served patched, with no address outside the service for its footer logo, and the
pages forbid loading anything from elsewhere."""

from fastapi.testclient import TestClient

from entrypoints.rest.routes.docs import REDOC_JS, REDOC_REMOTE_LOGO


def test_redoc_is_served_without_its_remote_logo(client: TestClient) -> None:
    page = client.get("/redoc")
    assert REDOC_JS in page.text
    bundle = client.get(REDOC_JS)
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert REDOC_REMOTE_LOGO not in bundle.content
    assert b"cdn.redoc.ly" not in bundle.content
    assert b'src:"/static/docs/favicon.png"' in bundle.content


def test_the_docs_pages_allow_nothing_from_elsewhere(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        policy = client.get(path).headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"] == "'self'"
        assert directives["img-src"] == "'self' data:"
