"""HTTP details of issue 12, item 9: If-Match as RFC 9110 says, HEAD wherever GET is served,
integer fields that refuse 5.0, and names that show nothing."""

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import PNG, Headers, new_item

PROBLEM = "application/problem+json"
CHANGE = {"sku": "AB-1", "name": "Changed", "unit_price": "1"}


def _item_url(item: dict[str, object]) -> str:
    return f"/api/v1/items/{item['id']}"


# -- If-Match ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tag",
    ['W/"1"', 'W/"1", W/"2"', '"2", "3"', '"01"', '"abc"', '"0"', b'"\xe9"', '"2", , "3"'],
)
def test_weak_foreign_and_other_tags_do_not_match(
    client: TestClient, admin: Headers, tag: str | bytes
) -> None:
    item = new_item(client, admin)
    response = client.put(_item_url(item), json=CHANGE, headers={**admin, "If-Match": tag})
    assert response.status_code == 412, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["actual"] == 1
    assert client.get(_item_url(item), headers=admin).json() == item


@pytest.mark.parametrize(
    "tag", ['"1", "99"', '"99", "1"', '"7" ,  "1"', ' "1" ', 'W/"9", "1"', ', "2", , "1",']
)
def test_a_list_matches_when_any_member_matches(
    client: TestClient, admin: Headers, tag: str
) -> None:
    item = new_item(client, admin)
    response = client.put(_item_url(item), json=CHANGE, headers={**admin, "If-Match": tag})
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


def test_a_list_names_the_versions_when_none_matches(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    response = client.delete(_item_url(item), headers={**admin, "If-Match": '"3", "2"'})
    assert response.status_code == 412
    problem = response.json()
    assert problem["code"] == "version_mismatch"
    assert problem["actual"] == 1
    assert "not 2 or 3" in problem["detail"]


def test_star_matches_any_existing_item(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    url = _item_url(item)
    assert client.put(url, json=CHANGE, headers={**admin, "If-Match": "*"}).status_code == 200
    assert client.delete(url, headers={**admin, "If-Match": "*"}).status_code == 204  # archived
    purge = {"purge": "true"}
    assert client.delete(url, params=purge, headers={**admin, "If-Match": "*"}).status_code == 204
    assert client.delete(url, params=purge, headers={**admin, "If-Match": "*"}).status_code == 404


MALFORMED = ["abc", "0000", "", " ", "1", '"1 "', '"1" "2"', '*, "1"', "W/1", '"1', 'w/"1"', ","]


@pytest.mark.parametrize("tag", MALFORMED)
def test_a_malformed_if_match_is_400_and_changes_nothing(
    client: TestClient, admin: Headers, tag: str
) -> None:
    item = new_item(client, admin)
    url = _item_url(item)
    attempts = [
        client.put(url, json=CHANGE, headers={**admin, "If-Match": tag}),
        client.patch(url, json={"name": "x"}, headers={**admin, "If-Match": tag}),
        client.delete(url, headers={**admin, "If-Match": tag}),
        client.post(
            f"{url}/movements",
            json={"delta": 1, "reason": "received"},
            headers={**admin, "If-Match": tag},
        ),
        client.put(
            f"{url}/image", files={"file": ("a.png", PNG)}, headers={**admin, "If-Match": tag}
        ),
        client.delete(f"{url}/image", headers={**admin, "If-Match": tag}),
    ]
    for response in attempts:
        assert response.status_code == 400, (response.request.method, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == 'If-Match must be an entity tag such as "3"'
    assert client.get(url, headers=admin).json() == item


def test_openapi_documents_the_if_match_format_and_its_400(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    replace = spec["paths"]["/api/v1/items/{item_id}"]["put"]
    header = next(p for p in replace["parameters"] if p["name"] == "if-match")
    pattern = header["schema"]["pattern"]
    assert re.fullmatch(pattern, '"3"')
    assert re.fullmatch(pattern, 'W/"3", "4"')
    assert not re.fullmatch(pattern, "abc")
    assert "400" in replace["responses"]


# -- HEAD --------------------------------------------------------------------------------------
def _same_headers(head: dict[str, str], get: dict[str, str]) -> None:
    varying = {"date", "x-request-id", "server-timing"}
    assert {k: v for k, v in head.items() if k not in varying} == {
        k: v for k, v in get.items() if k not in varying
    }


@pytest.mark.parametrize(
    "path",
    ["/", "/health/live", "/health/ready", "/openapi.json", "/api/v1/items", "/api/v1/users/me"],
)
def test_head_is_served_wherever_get_is(client: TestClient, admin: Headers, path: str) -> None:
    get = client.get(path, headers=admin)
    head = client.head(path, headers=admin)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    _same_headers(dict(head.headers), dict(get.headers))


def test_head_of_an_item_and_its_picture(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    url = _item_url(item)
    assert client.put(f"{url}/image", files={"file": ("a.png", PNG)}, headers=admin).is_success
    for path in (url, f"{url}/image", f"{url}/movements"):
        get = client.get(path, headers=admin)
        head = client.head(path, headers=admin)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        _same_headers(dict(head.headers), dict(get.headers))
    tag = client.get(url, headers=admin).headers["etag"]
    cached = client.head(url, headers={**admin, "If-None-Match": tag})
    assert cached.status_code == 304
    assert cached.headers["etag"] == tag


def test_head_errors_have_the_status_and_no_body(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    missing = client.head(
        "/api/v1/items/00000000-0000-0000-0000-000000000000", headers=auth("admin")
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.content == b""
    assert client.head("/api/v1/items").status_code == 401
    assert client.head("/api/v1/users", headers=auth("viewer")).status_code == 403
    not_get = client.head("/api/v1/auth/token")
    assert not_get.status_code == 405
    assert not_get.headers["allow"] == "POST"
    assert not_get.content == b""


def test_allow_lists_head_where_get_is(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    response = client.post(_item_url(item), headers=admin)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"


def test_openapi_has_no_head_operations(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert all("head" not in operations for operations in spec["paths"].values())
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_head_is_logged_and_counted_as_head(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    assert client.head(_item_url(item), headers=admin).status_code == 200
    metrics = client.get("/metrics").text
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("http_requests_total{")
        and 'handler="/api/v1/items/{item_id}"' in line
        and 'method="HEAD"' in line
    ]
    assert counted, metrics


# -- integer fields ----------------------------------------------------------------------------
@pytest.mark.parametrize("number", [b"5.0", b"5e0", b"5E0", b"5.00", b"0.0", b"1e1", b"-0.0"])
@pytest.mark.parametrize("field", ["quantity", "reorder_level"])
def test_integer_fields_refuse_a_fraction_or_an_exponent(
    client: TestClient, admin: Headers, field: str, number: bytes
) -> None:
    body = b'{"sku": "A", "name": "n", "unit_price": "1", "%s": %s}' % (field.encode(), number)
    response = client.post(
        "/api/v1/items", content=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == ["body", field]
    assert "without a fraction or exponent" in response.json()["errors"][0]["message"]
    assert client.get("/api/v1/items", headers=admin).json()["total"] == 0


@pytest.mark.parametrize("number", [b"5.0", b"-2e0", b"1E1"])
def test_a_stock_delta_refuses_a_fraction_or_an_exponent(
    client: TestClient, admin: Headers, number: bytes
) -> None:
    item = new_item(client, admin, quantity=5)
    url = f"{_item_url(item)}/movements"
    headers = {**admin, "Content-Type": "application/json"}
    body = b'{"delta": %s, "reason": "correction"}' % number
    assert client.post(url, content=body, headers=headers).status_code == 422
    patch = client.patch(
        _item_url(item), content=b'{"quantity": %s}' % number.lstrip(b"-"), headers=headers
    )
    assert patch.status_code == 422
    assert client.get(_item_url(item), headers=admin).json()["quantity"] == 5


def test_plain_integers_still_work(client: TestClient, admin: Headers) -> None:
    body = b'{"sku": "A", "name": "n", "unit_price": 1.50, "quantity": 5, "reorder_level": 0}'
    response = client.post(
        "/api/v1/items", content=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["quantity"] == 5


# -- text that shows nothing -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["\u200b", "\u2060", "\ufeff", " \u200b\u2060\ufeff ", "\u00ad"])
def test_a_name_of_invisible_format_characters_is_refused(
    client: TestClient, admin: Headers, name: str
) -> None:
    created = client.post(
        "/api/v1/items", json={"sku": "A", "name": name, "unit_price": "1"}, headers=admin
    )
    assert created.status_code == 422, created.text
    item = new_item(client, admin)
    patched = client.patch(_item_url(item), json={"name": name}, headers=admin)
    assert patched.status_code == 422
    assert client.get(_item_url(item), headers=admin).json()["name"] == "Widget"
