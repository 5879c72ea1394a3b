"""``inventory tokens create|list|revoke --as USER`` (issue 17), on memory and SQLite."""

import pytest

from application.actors import acting
from application.credentials import ApiTokenCredential
from application.errors import AuthenticationFailed
from domain.users import Permission, Principal
from tests.e2e.cli.conftest import Cli


def principal_of(cli: Cli, secret: str) -> Principal:
    container = cli.container
    credential = ApiTokenCredential(
        container.opaque_tokens().digest(secret), container.clock().now()
    )

    async def resolve() -> Principal:
        async with container.queries() as session:
            return await acting(credential, session.users)

    return cli.run(resolve)


def test_a_token_is_created_for_the_acting_user_listed_and_revoked(admin_cli: Cli) -> None:
    admin_cli.create_user("shop", "clerk")
    created = admin_cli.json(
        "tokens", "create", "shop sync", "--scope", "stock:write", "--scope", "items:read",
        "--expires-in-days", "30", "--as", "shop",
    )  # fmt: skip
    secret = created.pop("token")
    assert secret.startswith("inv_")
    assert created["scopes"] == ["items:read", "stock:write"]
    assert created["expires_at"] == "2026-01-31T12:00:00Z"
    principal = principal_of(admin_cli, secret)
    assert principal.username == "shop"
    assert principal.can(Permission.ADJUST_STOCK)
    assert not principal.can(Permission.WRITE_ITEMS)
    listed = admin_cli.json("--as", "shop", "tokens", "list")["items"]
    assert listed == [{**created, "last_used_at": "2026-01-01T12:00:00Z"}]
    assert admin_cli.json("tokens", "list")["items"] == []  # root's own: none
    admin_cli.fails(4, "tokens", "revoke", created["id"])  # not root's token
    revoked = admin_cli.ok("tokens", "revoke", created["id"], "--as", "shop")
    assert f"Revoked {created['id']}" in revoked.stdout
    with pytest.raises(AuthenticationFailed):
        principal_of(admin_cli, secret)


def test_the_secret_is_printed_once_for_people_too(admin_cli: Cli) -> None:
    shown = admin_cli.ok("tokens", "create", "script", "--scope", "items:read").stdout
    assert "It is not shown again" in shown
    secret = shown.strip().splitlines()[-1]
    assert secret.startswith("inv_")
    assert secret not in admin_cli.ok("tokens", "list").stdout


def test_bad_token_requests_fail_with_one_line(admin_cli: Cli) -> None:
    for args in (
        ("create", "x", "--scope", "items:eat"),
        ("create", "x", "--scope", "items:read", "--expires-in-days", "0"),
        ("create", " ", "--scope", "items:read"),
    ):
        result = admin_cli(*("tokens", *args))
        assert result.exit_code != 0
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
