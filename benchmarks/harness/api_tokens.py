"""Issue 17: a GET item authenticated with an API token must cost what a JWT one does (±10 %).

The token is found with its user in one indexed read by its keyed hash, in the session the
use case opens anyway, so the request path has the same statements; the token's last use is
written at most once a minute. Measured back to back with the JWT scenario on the same server.
"""

import json
import urllib.request

from benchmarks.harness.report import Row

SCENARIO = "GET /api/v1/items/{id} (API token, Bearer inv_…)"
#: The API-token request may be at most this much slower than the JWT one.
TOLERANCE = 0.10


def api_token_for(base_url: str, jwt: str) -> str:
    """An ``items:read`` API token of the user behind ``jwt``."""
    body = json.dumps({"name": "bench", "scopes": ["items:read"]}).encode()
    headers = {"Authorization": f"Bearer {jwt}", "Content-Type": "application/json"}
    url = base_url + "/api/v1/users/me/api-tokens"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return str(json.loads(response.read())["token"])


def expect_like_jwt(row: Row, jwt_row: Row) -> None:
    within = (
        row.rps is not None and jwt_row.rps is not None and row.rps >= jwt_row.rps * (1 - TOLERANCE)
    )
    row.expect(f"≥ {1 - TOLERANCE:.0%} of the JWT GET's req/s", within)
