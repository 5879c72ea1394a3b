"""Runs inside a private mount namespace over a tmpfs that is read-only or nearly full (see
``test_image_storage_faults.py``): stores a picture directly and through the REST API, runs the
readiness probe, and prints what happened as one JSON line.

``python -m tests.integration.image_storage_peer DIR``
"""

import asyncio
import errno
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.images import FileSystemImageStore
from domain.errors import CodedError
from entrypoints.container import build_container
from entrypoints.rest.app import create_app
from tests.conftest import make_settings

PASSWORD = "admin-password-1"
#: Larger than the nearly full tmpfs, well under the upload limit.
PICTURE = b"\x89PNG\r\n\x1a\n" + b"\x00" * (256 * 1024)


async def direct(root: Path) -> dict[str, Any]:
    store = FileSystemImageStore(root)
    result: dict[str, Any] = {}
    try:
        await store.check_writable()
        result["probe"] = "ok"
    except CodedError as error:
        result["probe"] = error.code
    try:
        await store.put(PICTURE, extension="png")
        result["put"] = "stored"
    except CodedError as error:
        cause = error.__cause__
        result["put"] = error.code
        result["cause"] = errno.errorcode.get(getattr(cause, "errno", 0) or 0)
        result["cause_hidden_by_another"] = cause is not None and cause.__context__ is not None
    result["left"] = sorted(os.listdir(root))
    return result


def over_http(root: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        container = build_container(make_settings(Path(scratch), admin_password=PASSWORD))
        with (
            container.image_store.override(providers.Object(FileSystemImageStore(root))),
            TestClient(create_app(container)) as client,
        ):
            token = client.post(
                "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            item = client.post(
                "/api/v1/items",
                json={"sku": "F-1", "name": "n", "unit_price": "1"},
                headers=headers,
            ).json()
            upload = client.put(
                f"/api/v1/items/{item['id']}/image",
                files={"file": ("a.png", PICTURE)},
                headers=headers,
            )
            return {"status": upload.status_code, "type": upload.json().get("type")}


def main() -> None:
    root = Path(sys.argv[1])
    result = asyncio.run(direct(root))
    result["http"] = over_http(root)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
