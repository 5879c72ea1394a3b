"""Swagger UI and ReDoc served from this service, so ``/docs`` works with no internet access.

The assets come from the ``fastapi-offline`` package (Swagger UI: Apache-2.0, ReDoc: MIT).
ReDoc's bundle is served patched: its footer shows Redocly's logo from their CDN
(``cdn.redoc.ly``), the one request the docs pages would make outside the service; the patched
copy points it at our own favicon. The pages also carry a Content-Security-Policy that allows
nothing from elsewhere, so an asset upgrade that adds a remote URL shows as a blocked request
(``tests/e2e/live/test_docs_offline.py`` fails on any) rather than as a silent leak.
"""

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/static/docs"
ASSETS_DIR = files("fastapi_offline") / "static"
TITLE = "inventory-service"
FAVICON = f"{ASSETS_PATH}/favicon.png"
REDOC_JS = f"{ASSETS_PATH}/redoc.offline.js"
#: Where ReDoc's footer loads its logo from, in the bundle as published.
REDOC_REMOTE_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
#: The pages' own inline scripts and styles start the UIs; ReDoc renders in a blob worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_DOCS_HEADERS = {"Content-Security-Policy": DOCS_POLICY}

router = APIRouter(include_in_schema=False)
assets = StaticFiles(directory=str(ASSETS_DIR))


@cache
def redoc_bundle() -> bytes:
    """ReDoc's bundle with the remote logo replaced by our favicon. Read once, on first use; a
    bundle without the expected URL fails loudly, so an upgrade cannot bring the request back
    unnoticed."""
    bundle = (ASSETS_DIR / "redoc.standalone.js").read_bytes()
    if bundle.count(REDOC_REMOTE_LOGO) != 1:
        raise RuntimeError("redoc.standalone.js changed: check where its footer logo comes from")
    return bundle.replace(REDOC_REMOTE_LOGO, f'"{FAVICON}"'.encode())


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
    )
    page.headers.update(_DOCS_HEADERS)
    return page


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    page = get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - ReDoc",
        redoc_js_url=REDOC_JS,
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
    page.headers.update(_DOCS_HEADERS)
    return page


@router.get(REDOC_JS)
async def redoc_script() -> Response:
    return Response(
        redoc_bundle(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
