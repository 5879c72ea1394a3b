"""The page's static files, read once at start-up and served from memory.

They live under ``/static/app/<version>/``, where the version is a digest of all of them: a
browser may then keep them for a year (``immutable``), and a new release changes every URL at
once, the relative imports between the modules included. A request for another version (a
page loaded before a deployment) gets today's file, revalidated on every use instead.
"""

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException
from starlette.responses import Response

PREFIX = "/static/app"
#: By suffix; anything else in ``static/`` is not served.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_FOREVER = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True)
class Assets:
    files: dict[str, Asset]
    version: str

    @property
    def base(self) -> str:
        """The URL path the page loads its files from."""
        return f"{PREFIX}/{self.version}"

    @property
    def size(self) -> int:
        return sum(len(asset.body) for asset in self.files.values())


def load_assets() -> Assets:
    found: dict[str, Asset] = {}
    whole = hashlib.sha256()
    for entry in sorted(files("entrypoints.web").joinpath("static").iterdir(), key=str):
        suffix = "." + entry.name.rpartition(".")[2]
        if not entry.is_file() or suffix not in CONTENT_TYPES:
            continue
        body = entry.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        whole.update(f"{entry.name}:{digest}\n".encode())
        found[entry.name] = Asset(body, CONTENT_TYPES[suffix], f'"{digest[:32]}"')
    return Assets(found, whole.hexdigest()[:16])


ASSETS = load_assets()
router = APIRouter(include_in_schema=False)


@router.get(PREFIX + "/{version}/{name}")
async def asset(
    version: str,
    name: str,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    found = ASSETS.files.get(name)
    if found is None:
        raise HTTPException(404)
    headers = {
        "ETag": found.etag,
        "Cache-Control": _FOREVER if version == ASSETS.version else _REVALIDATE,
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match is not None and found.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.content_type, headers=headers)
