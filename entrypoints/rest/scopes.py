"""The API-token scope each route needs, declared for every route of the app in one table.

The use cases enforce it (``Principal.can``: the caller's current role and, for an API token,
a scope); this table says it in OpenAPI (``x-api-token-scope`` and a line of each operation's
description) and is held to both by tests: ``tests/e2e/rest/test_route_scopes.py`` fails when
a route is missing here, and its matrix calls every route with every scope and role. A new
route adds one line; a new scope adds one line in ``domain.users.SCOPES``.
"""

from typing import Any

from entrypoints.rest.errors import error_responses

#: Needs no credential at all.
PUBLIC = "public"
#: Any valid credential: the route is about the caller themself (who am I).
SELF = "self"
#: Not with an API token: a person's own password, sessions and tokens.
PERSONAL = "personal"

#: By operation id (and, for the WebSocket, route name).
ROUTE_SCOPES: dict[str, str] = {
    "service-info": PUBLIC,
    "health-live": PUBLIC,
    "health-ready": PUBLIC,
    "auth-token": PUBLIC,
    "auth-refresh": PUBLIC,
    "auth-logout": PUBLIC,
    "auth-session": PUBLIC,
    "items-list": "items:read",
    "items-get": "items:read",
    "items-get-by-sku": "items:read",
    "movements-list": "items:read",
    "images-get": "items:read",
    "items-stock": "items:read",
    "locations-list": "items:read",
    "locations-get": "items:read",
    "locations-stock": "items:read",
    "transfers-list": "items:read",
    "stocktakes-get": "items:read",
    "items-create": "items:write",
    "items-replace": "items:write",
    "items-update": "items:write",
    "items-delete": "items:write",
    "items-restore": "items:write",
    "images-put": "items:write",
    "images-delete": "items:write",
    "movements-create": "stock:write",
    "counts-create": "stock:write",
    "transfers-create": "stock:write",
    "stocktakes-create": "stock:write",
    "stocktakes-count": "stock:write",
    "stocktakes-commit": "stock:write",
    "locations-create": "locations:write",
    "locations-update": "locations:write",
    "locations-delete": "locations:write",
    "users-me": SELF,
    "users-change-password": PERSONAL,
    "sessions-list-mine": PERSONAL,
    "sessions-end-mine": PERSONAL,
    "api-tokens-create-mine": PERSONAL,
    "api-tokens-list-mine": PERSONAL,
    "api-tokens-revoke-mine": PERSONAL,
    "users-create": "users:admin",
    "users-list": "users:admin",
    "users-get": "users:admin",
    "users-update": "users:admin",
    "sessions-list": "users:admin",
    "sessions-end": "users:admin",
    "api-tokens-create": "users:admin",
    "api-tokens-list": "users:admin",
    "api-tokens-revoke": "users:admin",
    "events-stream": "events:read",
    "reservations-list": "items:read",
    "reservations-get": "items:read",
    "reservations-create": "reservations:write",
    "reservations-update": "reservations:write",
    "reservations-fulfil": "reservations:write",
    "reservations-release": "reservations:write",
    "audit-list": "audit:read",
    "items-history": "items:read",
    "reports-stock": "items:read",
    "reports-valuation": "items:read",
    "movements-export": "items:read",
    "events-replay": "events:read",
    "webhooks-create": "webhooks:admin",
    "webhooks-list": "webhooks:admin",
    "webhooks-get": "webhooks:admin",
    "webhooks-update": "webhooks:admin",
    "webhooks-delete": "webhooks:admin",
    "webhooks-rotate-secret": "webhooks:admin",
    "webhooks-deliveries": "webhooks:admin",
    "webhooks-redeliver": "webhooks:admin",
}

_SAY = {
    SELF: "Any API token may call this.",
    PERSONAL: "Not with an API token (403): sign in with your password.",
}


def document_scopes(schema: dict[str, Any]) -> None:
    """Each authenticated operation says which scope an API token needs for it, and that an
    API token without it gets 403."""
    forbidden = {str(status): body for status, body in error_responses(403).items()}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            access = ROUTE_SCOPES.get(operation.get("operationId", ""), PUBLIC)
            if access == PUBLIC:
                continue
            operation["x-api-token-scope"] = access
            if access != SELF:
                responses = operation.setdefault("responses", {})
                responses.update({k: v for k, v in forbidden.items() if k not in responses})
            line = _SAY.get(access, f"An API token needs the scope `{access}`.")
            text = operation.get("description")
            operation["description"] = f"{text}\n\n{line}" if text else line
