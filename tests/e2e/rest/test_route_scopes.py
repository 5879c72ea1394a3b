"""Every route declares the API-token scope it needs, and the use cases enforce exactly that:
a scope-by-role matrix over every authenticated route of the app (issue 17)."""

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient

from domain.locations import MAIN_LOCATION_ID
from domain.users import SCOPES, Permission, Role
from entrypoints.rest.scopes import PERSONAL, PUBLIC, ROUTE_SCOPES, SELF
from entrypoints.rest.security import current_caller
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, PNG, Headers, login, new_item
from tests.webhook_receiver import Receiver

Request = Callable[[TestClient, Headers], int]


def _app_routes(app: FastAPI) -> dict[str, bool]:
    """Every documented route by operation id (or name), and whether it takes a caller."""
    found: dict[str, bool] = {}
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            assert route.operation_id, route.path
            takes = any(d.call is current_caller for d in route.dependant.dependencies)
            found[route.operation_id] = takes
        elif isinstance(route, APIWebSocketRoute):
            found[route.name] = True
    return found


def test_every_route_declares_its_scope(app: FastAPI) -> None:
    routes = _app_routes(app)
    missing = sorted(set(routes) - set(ROUTE_SCOPES))
    assert not missing, f"routes without a declared scope in entrypoints/rest/scopes.py: {missing}"
    assert sorted(set(ROUTE_SCOPES) - set(routes)) == [], "declared for routes that do not exist"
    for operation, takes_caller in routes.items():
        access = ROUTE_SCOPES[operation]
        assert (access != PUBLIC) is takes_caller, operation
        assert access in (PUBLIC, SELF, PERSONAL) or access in SCOPES, operation


def test_openapi_says_which_scope_each_operation_needs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    get_item = spec["paths"]["/api/v1/items/{item_id}"]["get"]
    assert get_item["x-api-token-scope"] == "items:read"
    assert "`items:read`" in get_item["description"]
    assert "x-api-token-scope" not in spec["paths"]["/api/v1/auth/token"]["post"]


# -- the matrix ---------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Many tokens are created here: their throttle must not get in the way; webhooks reach
    the local receiver."""
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        login_free_attempts_per_address=1_000_000,
        webhook_allowed_hosts=("127.0.0.1",),
        event_poll_seconds=0.05,
    )


#: What the matrix's webhooks listen to, so that the many it adds send little.
RARE_EVENT = "stock.transferred"


@dataclass
class World:
    client: TestClient
    admin: Headers
    target_id: str
    hook_url: str
    target_password: str = "target-password-1"
    delivered: tuple[str, str] | None = None

    def item(self, *, image: bool = False) -> str:
        item_id = str(new_item(self.client, self.admin, sku=f"S-{uuid4().hex[:12]}")["id"])
        if image:
            files = {"file": ("a.png", PNG, "image/png")}
            put = self.client.put(f"/api/v1/items/{item_id}/image", files=files, headers=self.admin)
            assert put.status_code == 200, put.text
        return item_id

    def stocked_item(self) -> str:
        """An item holding 5 at the default location."""
        sku = f"S-{uuid4().hex[:12]}"
        return str(new_item(self.client, self.admin, sku=sku, quantity=5)["id"])

    def location(self) -> str:
        body = {"code": f"L-{uuid4().hex[:12]}", "name": "Bin"}
        created = self.client.post("/api/v1/locations", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def stocktake(self, *, counted: bool = False) -> str:
        """An open stocktake of one stocked item at the default location (counted: 3)."""
        line = {"item_id": self.stocked_item(), "location_id": str(MAIN_LOCATION_ID)}
        take = self.client.post("/api/v1/stocktakes", json={"lines": [line]}, headers=self.admin)
        assert take.status_code == 201, take.text
        url = f"/api/v1/stocktakes/{take.json()['id']}"
        if counted:
            body = {"lines": [{**line, "counted": 3}]}
            assert self.client.put(f"{url}/lines", json=body, headers=self.admin).is_success
        return url

    def hook(self, event_type: str = RARE_EVENT) -> dict[str, object]:
        return {"url": self.hook_url, "event_types": [event_type]}

    def webhook(self, event_type: str = RARE_EVENT) -> str:
        body = self.hook(event_type)
        created = self.client.post("/api/v1/webhooks", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        return str(created.json()["webhook"]["id"])

    def delivery(self) -> tuple[str, str]:
        """A webhook endpoint and one logged delivery of it (made once: redelivering it again
        adds a log line, it does not use it up)."""
        if self.delivered is None:
            hook_id = self.webhook("item.created")
            self.item()
            url = f"/api/v1/webhooks/{hook_id}/deliveries"
            deadline = time.monotonic() + 15
            while not (log := self.client.get(url, headers=self.admin).json()["items"]):
                assert time.monotonic() < deadline, "no delivery logged"
                time.sleep(0.05)
            self.delivered = (hook_id, str(log[-1]["id"]))
        return self.delivered

    def session_of_target(self) -> str:
        body = {"username": "target", "password": self.target_password}
        assert self.client.post("/api/v1/auth/token", data=body).status_code == 200
        sessions = self.client.get(f"/api/v1/users/{self.target_id}/sessions", headers=self.admin)
        return str(sessions.json()[0]["id"])

    def token_of(self, user_id: str, scopes: list[str]) -> str:
        body = {"name": "matrix", "scopes": scopes}
        url = f"/api/v1/users/{user_id}/api-tokens"
        created = self.client.post(url, json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        return str(created.json()["token"])


def _status(method: str, url: str, **kwargs: object) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        return world.client.request(
            method, url.format(w=world), headers=headers, **kwargs
        ).status_code  # type: ignore[arg-type]

    return call


def _on_item(
    method: str, suffix: str = "", *, image: bool = False, **kwargs: object
) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        url = f"/api/v1/items/{world.item(image=image)}{suffix}"
        return world.client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]

    return call


def _by_sku(world: World, headers: Headers) -> int:
    sku = f"K-{uuid4().hex[:12]}"
    new_item(world.client, world.admin, sku=sku)
    return world.client.get(f"/api/v1/items/by-sku/{sku}", headers=headers).status_code


def _transfer(world: World, headers: Headers) -> int:
    body = {
        "item_id": world.stocked_item(),
        "from_location_id": str(MAIN_LOCATION_ID),
        "to_location_id": world.location(),
        "quantity": 2,
    }
    return world.client.post("/api/v1/transfers", json=body, headers=headers).status_code


def _reservation(world: World) -> str:
    """A 1-unit hold on a stocked item (by the admin)."""
    body = {"item_id": world.stocked_item(), "quantity": 1, "reference": uuid4().hex}
    made = world.client.post("/api/v1/reservations", json=body, headers=world.admin)
    assert made.status_code == 201, made.text
    return str(made.json()["reservation"]["id"])


def _on_reservation(
    method: str, suffix: str = "", **kwargs: object
) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        url = f"/api/v1/reservations/{_reservation(world)}{suffix}"
        return world.client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]

    return call


def _reserve(world: World, headers: Headers) -> int:
    body = {"item_id": world.stocked_item(), "quantity": 2, "reference": "SO-1"}
    return world.client.post("/api/v1/reservations", json=body, headers=headers).status_code


def _on_location(method: str, **kwargs: object) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        url = f"/api/v1/locations/{world.location()}"
        return world.client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]

    return call


def _on_stocktake(
    method: str, suffix: str = "", *, counted: bool = False, **kwargs: object
) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        url = world.stocktake(counted=counted) + suffix
        return world.client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]

    return call


def _count_lines(world: World, headers: Headers) -> int:
    url = world.stocktake()
    item_id = world.client.get(url, headers=world.admin).json()["lines"][0]["item_id"]
    line = {"item_id": item_id, "location_id": str(MAIN_LOCATION_ID), "counted": 4}
    body = {"lines": [line]}
    return world.client.put(f"{url}/lines", json=body, headers=headers).status_code


def _on_webhook(method: str, suffix: str = "", **kwargs: object) -> Callable[[World, Headers], int]:
    def call(world: World, headers: Headers) -> int:
        url = f"/api/v1/webhooks/{world.webhook()}{suffix}"
        return world.client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]

    return call


def _redeliver(world: World, headers: Headers) -> int:
    hook_id, delivery_id = world.delivery()
    url = f"/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver"
    return world.client.post(url, headers=headers).status_code


def _new_user(world: World, headers: Headers) -> int:
    body = {"username": f"u{uuid4().hex[:10]}", "password": "a-long-password", "role": "viewer"}
    return world.client.post("/api/v1/users", json=body, headers=headers).status_code


def _end_session(world: World, headers: Headers) -> int:
    url = f"/api/v1/users/{world.target_id}/sessions/{world.session_of_target()}"
    return world.client.delete(url, headers=headers).status_code


def _revoke_token(world: World, headers: Headers) -> int:
    token_id = world.client.get(
        f"/api/v1/users/{world.target_id}/api-tokens", headers=world.admin
    ).json()[0]["id"]
    url = f"/api/v1/users/{world.target_id}/api-tokens/{token_id}"
    status = world.client.delete(url, headers=headers).status_code
    if status == 204:  # keep one for the next call
        world.token_of(world.target_id, ["items:read"])
    return status


def _restore(world: World, headers: Headers) -> int:
    url = f"/api/v1/items/{world.item()}"
    assert world.client.delete(url, headers=world.admin).status_code == 204
    return world.client.post(f"{url}/restore", headers=headers).status_code


_ITEM = {"sku": "R-1", "name": "Replaced", "unit_price": "1.00"}
#: Per authenticated operation: a request that succeeds when allowed, and the permission the
#: use case checks (for the personal ones: the one no scope grants).
CALLS: dict[str, tuple[Callable[[World, Headers], int], Permission | None]] = {
    "items-list": (_status("GET", "/api/v1/items"), Permission.READ_ITEMS),
    "items-get": (_on_item("GET"), Permission.READ_ITEMS),
    "movements-list": (_on_item("GET", "/movements"), Permission.READ_ITEMS),
    "images-get": (_on_item("GET", "/image", image=True), Permission.READ_ITEMS),
    "items-create": (
        lambda w, h: (
            w.client.post(
                "/api/v1/items", json={**_ITEM, "sku": f"C-{uuid4().hex[:8]}"}, headers=h
            ).status_code
        ),
        Permission.WRITE_ITEMS,
    ),
    "items-replace": (
        lambda w, h: (
            w.client.put(
                f"/api/v1/items/{w.item()}",
                json={**_ITEM, "sku": f"R-{uuid4().hex[:8]}"},
                headers=h,
            ).status_code
        ),
        Permission.WRITE_ITEMS,
    ),
    "items-update": (_on_item("PATCH", json={"name": "New"}), Permission.WRITE_ITEMS),
    "items-delete": (_on_item("DELETE"), Permission.DELETE_ITEMS),
    "items-restore": (_restore, Permission.DELETE_ITEMS),
    "items-history": (_on_item("GET", "/history"), Permission.READ_ITEMS),
    "audit-list": (_status("GET", "/api/v1/audit"), Permission.READ_AUDIT),
    "movements-export": (_status("GET", "/api/v1/movements"), Permission.READ_ITEMS),
    "reports-stock": (
        _status("GET", "/api/v1/reports/stock?as_of=2026-01-01T00:00:00Z"),
        Permission.READ_ITEMS,
    ),
    "reports-valuation": (
        _status("GET", "/api/v1/reports/valuation?as_of=2026-01-01T00:00:00Z"),
        Permission.READ_ITEMS,
    ),
    "images-put": (
        _on_item("PUT", "/image", files={"file": ("a.png", PNG, "image/png")}),
        Permission.WRITE_ITEMS,
    ),
    "images-delete": (_on_item("DELETE", "/image", image=True), Permission.WRITE_ITEMS),
    "movements-create": (
        _on_item("POST", "/movements", json={"delta": 1, "reason": "received"}),
        Permission.ADJUST_STOCK,
    ),
    "counts-create": (_on_item("POST", "/counts", json={"counted": 3}), Permission.ADJUST_STOCK),
    "items-get-by-sku": (_by_sku, Permission.READ_ITEMS),
    "items-stock": (_on_item("GET", "/stock"), Permission.READ_ITEMS),
    "locations-list": (_status("GET", "/api/v1/locations"), Permission.READ_ITEMS),
    "locations-get": (
        _status("GET", f"/api/v1/locations/{MAIN_LOCATION_ID}"),
        Permission.READ_ITEMS,
    ),
    "locations-stock": (
        _status("GET", f"/api/v1/locations/{MAIN_LOCATION_ID}/stock"),
        Permission.READ_ITEMS,
    ),
    "locations-create": (
        lambda w, h: (
            w.client.post(
                "/api/v1/locations", json={"code": f"N-{uuid4().hex[:8]}", "name": "N"}, headers=h
            ).status_code
        ),
        Permission.MANAGE_LOCATIONS,
    ),
    "locations-update": (
        _on_location("PATCH", json={"name": "Shelf"}),
        Permission.MANAGE_LOCATIONS,
    ),
    "locations-delete": (_on_location("DELETE"), Permission.MANAGE_LOCATIONS),
    "transfers-create": (_transfer, Permission.ADJUST_STOCK),
    "transfers-list": (_status("GET", "/api/v1/transfers"), Permission.READ_ITEMS),
    "stocktakes-create": (
        lambda w, h: (
            w.client.post(
                "/api/v1/stocktakes", json={"location_id": w.location()}, headers=h
            ).status_code
        ),
        Permission.ADJUST_STOCK,
    ),
    "stocktakes-get": (_on_stocktake("GET"), Permission.READ_ITEMS),
    "stocktakes-count": (_count_lines, Permission.ADJUST_STOCK),
    "stocktakes-commit": (
        _on_stocktake("POST", "/commit", counted=True, json={}),
        Permission.ADJUST_STOCK,
    ),
    "users-me": (_status("GET", "/api/v1/users/me"), None),
    "users-change-password": (
        _status(
            "PUT",
            "/api/v1/users/me/password",
            json={"current_password": "x" * 8, "new_password": "y" * 8},
        ),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "sessions-list-mine": (
        _status("GET", "/api/v1/users/me/sessions"),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "sessions-end-mine": (
        _status("DELETE", f"/api/v1/users/me/sessions/{uuid4()}"),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "api-tokens-create-mine": (
        _status(
            "POST", "/api/v1/users/me/api-tokens", json={"name": "x", "scopes": ["items:read"]}
        ),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "api-tokens-list-mine": (
        _status("GET", "/api/v1/users/me/api-tokens"),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "api-tokens-revoke-mine": (
        _status("DELETE", f"/api/v1/users/me/api-tokens/{uuid4()}"),
        Permission.MANAGE_OWN_ACCESS,
    ),
    "users-create": (_new_user, Permission.MANAGE_USERS),
    "users-list": (_status("GET", "/api/v1/users"), Permission.MANAGE_USERS),
    "users-get": (_status("GET", "/api/v1/users/{w.target_id}"), Permission.MANAGE_USERS),
    "users-update": (
        _status("PATCH", "/api/v1/users/{w.target_id}", json={"full_name": "T"}),
        Permission.MANAGE_USERS,
    ),
    "sessions-list": (
        _status("GET", "/api/v1/users/{w.target_id}/sessions"),
        Permission.MANAGE_USERS,
    ),
    "sessions-end": (_end_session, Permission.MANAGE_USERS),
    "api-tokens-create": (
        _status(
            "POST",
            "/api/v1/users/{w.target_id}/api-tokens",
            json={"name": "x", "scopes": ["items:read"]},
        ),
        Permission.MANAGE_USERS,
    ),
    "api-tokens-list": (
        _status("GET", "/api/v1/users/{w.target_id}/api-tokens"),
        Permission.MANAGE_USERS,
    ),
    "api-tokens-revoke": (_revoke_token, Permission.MANAGE_USERS),
    "reservations-list": (_status("GET", "/api/v1/reservations"), Permission.READ_ITEMS),
    "reservations-get": (_on_reservation("GET"), Permission.READ_ITEMS),
    "reservations-create": (_reserve, Permission.RESERVE_STOCK),
    "reservations-update": (
        _on_reservation("PATCH", json={"quantity": 2}),
        Permission.RESERVE_STOCK,
    ),
    "reservations-fulfil": (_on_reservation("POST", "/fulfil"), Permission.RESERVE_STOCK),
    "reservations-release": (_on_reservation("POST", "/release"), Permission.RESERVE_STOCK),
    "events-replay": (_status("GET", "/api/v1/events"), Permission.READ_EVENTS),
    "webhooks-create": (
        lambda w, h: w.client.post("/api/v1/webhooks", json=w.hook(), headers=h).status_code,
        Permission.MANAGE_WEBHOOKS,
    ),
    "webhooks-list": (_status("GET", "/api/v1/webhooks"), Permission.MANAGE_WEBHOOKS),
    "webhooks-get": (_on_webhook("GET"), Permission.MANAGE_WEBHOOKS),
    "webhooks-update": (_on_webhook("PATCH", json={"active": False}), Permission.MANAGE_WEBHOOKS),
    "webhooks-delete": (_on_webhook("DELETE"), Permission.MANAGE_WEBHOOKS),
    "webhooks-rotate-secret": (_on_webhook("POST", "/rotate-secret"), Permission.MANAGE_WEBHOOKS),
    "webhooks-deliveries": (_on_webhook("GET", "/deliveries"), Permission.MANAGE_WEBHOOKS),
    "webhooks-redeliver": (_redeliver, Permission.MANAGE_WEBHOOKS),
}


def test_the_matrix_covers_every_authenticated_route(app: FastAPI) -> None:
    authenticated = {op for op, takes in _app_routes(app).items() if takes}
    assert authenticated - {"events-stream"} == set(CALLS)
    for operation, (_call, permission) in CALLS.items():
        declared = ROUTE_SCOPES[operation]
        if declared == SELF:
            assert permission is None
        elif declared == PERSONAL:
            assert not any(permission in granted for granted in SCOPES.values())
        else:
            assert permission in SCOPES[declared], operation  # the table matches the use case


@pytest.fixture
def world(client: TestClient, admin: Headers, receiver: Receiver) -> Iterator[World]:
    body = {"username": "target", "password": "target-password-1", "role": "viewer"}
    target = client.post("/api/v1/users", json=body, headers=admin).json()
    world = World(client, admin, target["id"], receiver.url)
    world.token_of(target["id"], ["items:read"])
    return world


@pytest.mark.slow
@pytest.mark.parametrize("role", list(Role))
def test_scope_by_role_matrix(world: World, role: Role) -> None:
    """Each route, with a token of each single scope for a user of ``role``: allowed (2xx)
    exactly when the role has the route's permission and the scope grants it, else 403."""
    client = world.client
    if role is Role.ADMIN:
        user_id = client.get("/api/v1/users/me", headers=world.admin).json()["id"]
    else:
        body = {"username": role.value, "password": f"{role.value}-password-1", "role": role.value}
        user_id = client.post("/api/v1/users", json=body, headers=world.admin).json()["id"]
    tokens = {scope: world.token_of(user_id, [scope]) for scope in SCOPES}
    failures = []
    for (operation, (call, permission)), scope in itertools.product(CALLS.items(), SCOPES):
        allowed = permission is None or (
            permission in role.permissions and permission in SCOPES[scope]
        )
        status = call(world, {"Authorization": f"Bearer {tokens[scope]}"})
        if (200 <= status < 300) if allowed else status == 403:
            continue
        failures.append((operation, scope, "allowed" if allowed else "denied", status))
    assert failures == []
    assert login(client, "admin", ADMIN_PASSWORD)  # nothing above locked anyone out


def test_every_scoped_operation_documents_403(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in spec["paths"].values():
        for operation in path.values():
            access = ROUTE_SCOPES[operation["operationId"]]
            if access not in (PUBLIC, SELF):
                assert "403" in operation["responses"], operation["operationId"]
