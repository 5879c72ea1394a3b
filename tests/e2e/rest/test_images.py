import hashlib
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from adapters.memory import InMemoryImageStore
from entrypoints.container import Container
from tests.e2e.rest.conftest import JPEG, PNG, Headers, new_item

GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.fixture
def blobs(container: Container) -> InMemoryImageStore:
    store = container.image_store()
    assert isinstance(store, InMemoryImageStore)
    return store


def _url(item: dict[str, object]) -> str:
    return f"/api/v1/items/{item['id']}/image"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_upload_detects_the_type_from_the_bytes_and_serves_it_safely(
    client: TestClient, admin: Headers, blobs: InMemoryImageStore, data: bytes, kind: str
) -> None:
    item = new_item(client, admin)
    uploaded = client.put(
        _url(item),
        files={"file": ("../../etc/passwd", data, "text/html")},
        headers=admin,
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["has_image"] is True
    [key] = blobs.blobs
    assert "passwd" not in key
    assert "/" not in key
    served = client.get(_url(item), headers=admin)
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == kind
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert "max-age" in served.headers["cache-control"]
    assert served.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    cached = client.get(_url(item), headers={**admin, "If-None-Match": served.headers["etag"]})
    assert cached.status_code == 304


@pytest.mark.parametrize(
    ("accept", "served_as"),
    [
        ("application/octet-stream", "application/octet-stream"),
        ("application/octet-stream;q=0.5, image/*", "image/png"),
        ("*/*", "image/png"),
        ("image/webp", "image/png"),
    ],
)
def test_a_client_may_ask_for_plain_bytes(
    client: TestClient, admin: Headers, accept: str, served_as: str
) -> None:
    """Generated clients know ``application/octet-stream`` (issue 13, point 5): the OpenAPI
    document offers it beside ``image/*``, and a client that asks for it gets it."""
    item = new_item(client, admin)
    client.put(_url(item), files={"file": ("p.png", PNG, "image/png")}, headers=admin)
    served = client.get(_url(item), headers={**admin, "Accept": accept})
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == served_as
    assert served.headers["vary"] == "Accept"
    spec = client.get("/openapi.json").json()
    content = spec["paths"]["/api/v1/items/{item_id}/image"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"image/*", "application/octet-stream"}


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"<html><script>alert(1)</script>",
        b"just text",
    ],
)
def test_other_types_are_415(
    client: TestClient, admin: Headers, blobs: InMemoryImageStore, data: bytes
) -> None:
    item = new_item(client, admin)
    response = client.put(_url(item), files={"file": ("a.png", data, "image/png")}, headers=admin)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media"
    assert blobs.blobs == {}


def test_empty_upload_is_422_and_missing_file_is_422(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    empty = client.put(_url(item), files={"file": ("a.png", b"", "image/png")}, headers=admin)
    assert empty.status_code == 422
    nothing = client.put(_url(item), data={"other": "x"}, headers=admin)
    assert nothing.status_code == 422


def test_over_the_limit_is_413_and_stores_nothing(
    client: TestClient, admin: Headers, blobs: InMemoryImageStore
) -> None:
    item = new_item(client, admin)
    just_over = PNG + b"\x00" * (32 * 1024)
    response = client.put(_url(item), files={"file": ("a.png", just_over)}, headers=admin)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    far_over = PNG + b"\x00" * (200 * 1024)
    response = client.put(_url(item), files={"file": ("a.png", far_over)}, headers=admin)
    assert response.status_code == 413
    assert blobs.blobs == {}
    assert client.get(_url(item), headers=admin).status_code == 404


def test_a_chunked_oversized_upload_is_413(
    client: TestClient, admin: Headers, blobs: InMemoryImageStore
) -> None:
    item = new_item(client, admin)
    boundary = "XyZ"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head + PNG
        for _ in range(40):
            yield b"\x00" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.put(
        _url(item),
        content=chunks(),
        headers={**admin, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert blobs.blobs == {}


def test_replace_and_delete(
    client: TestClient, auth: Callable[[str], Headers], blobs: InMemoryImageStore
) -> None:
    admin = auth("admin")
    item = new_item(client, admin)
    client.put(_url(item), files={"file": ("a", PNG)}, headers=admin)
    replaced = client.put(_url(item), files={"file": ("b", JPEG)}, headers=admin)
    assert replaced.status_code == 200
    assert list(blobs.blobs.values()) == [JPEG]
    assert client.delete(_url(item), headers=auth("viewer")).status_code == 403
    assert client.get(_url(item), headers=auth("viewer")).status_code == 200
    assert client.delete(_url(item), headers=admin).status_code == 204
    assert blobs.blobs == {}
    assert client.delete(_url(item), headers=admin).status_code == 404
    assert client.get(_url(item), headers=admin).status_code == 404


def test_stale_if_match_on_upload_is_412(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    response = client.put(
        _url(item), files={"file": ("a", PNG)}, headers={**admin, "If-Match": '"9"'}
    )
    assert response.status_code == 412
