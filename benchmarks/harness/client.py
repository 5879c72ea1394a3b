"""The few HTTP calls the harness makes itself (logging in, collecting item ids), stdlib only."""

import json
import urllib.parse
import urllib.request
from typing import Any

from benchmarks.harness.store import PASSWORD


def _read(request: urllib.request.Request, timeout: float) -> Any:
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def token_for(base_url: str, username: str) -> str:
    """A bearer token for one of the store's users."""
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    url = base_url + "/api/v1/auth/token"
    request = urllib.request.Request(url, data=form, method="POST")  # noqa: S310 - loopback
    return str(_read(request, timeout=30)["access_token"])


def item_ids(base_url: str, token: str, wanted: int) -> list[str]:
    """Up to ``wanted`` item ids, read page by page through the API."""
    ids: list[str] = []
    while len(ids) < wanted:
        url = f"{base_url}/api/v1/items?limit=100&offset={len(ids)}"
        headers = {"Authorization": f"Bearer {token}"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
        batch = [str(item["id"]) for item in _read(request, timeout=30)["items"]]
        if not batch:
            break
        ids.extend(batch)
    return ids[:wanted]
