"""The page's HTML document, and the content negotiation that gives it to browsers at ``/``
while API clients there keep getting the JSON service description."""

import re
from importlib.resources import files

from starlette.responses import Response

from entrypoints.web.assets import ASSETS

#: Only this origin's scripts, styles, pictures (``blob:``: an item's picture is fetched with
#: the token and shown from memory) and connections (fetch and the WebSocket); nothing inline,
#: no plugins, no frames around it, no form posted elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Small and fetched once per visit; revalidating keeps it in step with the assets' version.
    "Cache-Control": "no-cache",
    "Vary": "Accept",
}
_HTML = (
    files("entrypoints.web")
    .joinpath("index.html")
    .read_text(encoding="utf-8")
    .replace("{assets}", ASSETS.base)
    .encode()
)
_WEIGHT = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def page_response() -> Response:
    return Response(_HTML, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for element in accept.split(","):
        media, *parameters = (part.strip() for part in element.split(";"))
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _WEIGHT.fullmatch(value) else 0.0
        media = media.lower()
        weights[media] = max(weight, weights.get(media, 0.0))
    return weights


def wants_page(accept: str | None) -> bool:
    """A browser: ``text/html`` named in ``Accept`` with a weight no lower than JSON's. A client
    that sends no ``Accept``, only ``*/*`` or prefers ``application/json`` gets JSON, as before
    the page existed."""
    if not accept:
        return False
    weights = _weights(accept)
    html = weights.get("text/html", 0.0)
    return html > 0 and html >= weights.get("application/json", 0.0)
