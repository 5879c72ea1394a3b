"""Scopes narrowing a principal, sessions (refresh-token families) and API tokens."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.api_tokens import (
    LAST_USED_RESOLUTION,
    ApiToken,
    is_api_token,
    last_use_is_stale,
    usable,
)
from domain.errors import InvalidValue, PermissionDenied, ScopeMissing
from domain.sessions import LoginSession, Refresh
from domain.users import SCOPES, Permission, Principal, Role, parse_scopes

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def principal(role: Role, scopes: frozenset[str] | None) -> Principal:
    return Principal(user_id=uuid4(), username="u", role=role, scopes=scopes)


# -- scopes -----------------------------------------------------------------------------------


@given(
    role=st.sampled_from(list(Role)),
    scopes=st.frozensets(st.sampled_from(list(SCOPES))),
    permission=st.sampled_from(list(Permission)),
)
def test_a_scoped_principal_may_do_what_both_its_role_and_a_scope_allow(
    role: Role, scopes: frozenset[str], permission: Permission
) -> None:
    granted = any(permission in SCOPES[scope] for scope in scopes)
    expected = permission in role.permissions and granted
    assert principal(role, scopes).can(permission) is expected
    assert principal(role, None).can(permission) is (permission in role.permissions)


def test_a_refusal_says_whether_the_role_or_the_token_was_short() -> None:
    with pytest.raises(ScopeMissing, match="API token has no scope"):
        principal(Role.ADMIN, frozenset({"items:read"})).require(Permission.ADJUST_STOCK)
    with pytest.raises(PermissionDenied, match="a viewer may not") as refused:
        principal(Role.VIEWER, frozenset({"stock:write"})).require(Permission.ADJUST_STOCK)
    assert not isinstance(refused.value, ScopeMissing)
    assert ScopeMissing.code == PermissionDenied.code


def test_locations_are_managed_with_their_own_scope_and_an_admin_role() -> None:
    """Issue 17: ``locations:write`` once locations exist; moving stock stays ``stock:write``."""
    assert SCOPES["locations:write"] == {Permission.MANAGE_LOCATIONS}
    assert principal(Role.ADMIN, frozenset({"locations:write"})).can(Permission.MANAGE_LOCATIONS)
    for scope in set(SCOPES) - {"locations:write"}:
        assert not principal(Role.ADMIN, frozenset({scope})).can(Permission.MANAGE_LOCATIONS)
    with pytest.raises(PermissionDenied, match="a clerk may not"):
        principal(Role.CLERK, frozenset({"locations:write"})).require(Permission.MANAGE_LOCATIONS)


def test_no_scope_lets_a_token_manage_sessions_or_tokens() -> None:
    every = principal(Role.ADMIN, frozenset(SCOPES))
    assert not every.can(Permission.MANAGE_OWN_ACCESS)
    assert every.can(Permission.MANAGE_USERS)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "at least one"),
        (["items:read", "items:eat"], "unknown items:eat"),
        ("items:read", "a list"),
        (None, "a list"),
    ],
)
def test_scopes_are_parsed_from_the_fixed_list(raw: object, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_scopes(raw)  # type: ignore[arg-type]
    assert parse_scopes(["items:read", "items:read"]) == {"items:read"}


# -- sessions -----------------------------------------------------------------------------------


def session(version: int = 1) -> LoginSession:
    return LoginSession.start(
        user_id=uuid4(),
        token_version=version,
        token_hash=b"a" * 32,
        device=" Firefox ",
        at=T0,
        lifetime=14 * DAY,
    )


def test_a_refresh_swaps_the_current_token() -> None:
    s = session()
    assert s.device == "Firefox"
    assert s.refresh(b"a" * 32, b"b" * 32, at=T0 + DAY, token_version=1) is Refresh.ROTATED
    assert (s.token_hash, s.last_used_at, s.expires_at) == (b"b" * 32, T0 + DAY, T0 + 14 * DAY)


def test_an_earlier_token_coming_back_ends_the_family() -> None:
    s = session()
    s.refresh(b"a" * 32, b"b" * 32, at=T0, token_version=1)
    assert s.refresh(b"a" * 32, b"c" * 32, at=T0 + DAY, token_version=1) is Refresh.REUSED
    assert (s.ended_at, s.end_reason, s.token_hash) == (T0 + DAY, "refresh token reused", b"b" * 32)
    assert s.refresh(b"b" * 32, b"c" * 32, at=T0 + DAY, token_version=1) is Refresh.OVER


@pytest.mark.parametrize(
    ("at", "version"),
    [(T0 + 14 * DAY, 1), (T0 + DAY, 2)],
    ids=["expired", "user changed"],
)
def test_a_session_is_over_when_expired_or_its_user_changed(at: datetime, version: int) -> None:
    s = session()
    assert not s.live(at, version)
    assert s.refresh(b"a" * 32, b"b" * 32, at=at, token_version=version) is Refresh.OVER
    assert s.token_hash == b"a" * 32


def test_ending_keeps_the_first_reason() -> None:
    s = session()
    s.end("logged out", at=T0)
    s.end("ended", at=T0 + DAY)
    assert (s.ended_at, s.end_reason) == (T0, "logged out")


# -- API tokens -------------------------------------------------------------------------------


def test_an_api_token_has_a_clean_name_scopes_and_an_expiry_in_the_future() -> None:
    token = ApiToken.issue(
        user_id=uuid4(), name=" shop ", scopes=["items:read"], token_hash=b"h", at=T0
    )
    assert (token.name, token.scopes, token.expires_at) == ("shop", {"items:read"}, None)
    with pytest.raises(InvalidValue, match="expires_at"):
        ApiToken.issue(
            user_id=uuid4(), name="x", scopes=["items:read"], token_hash=b"h", at=T0, expires_at=T0
        )
    with pytest.raises(InvalidValue, match="name"):
        ApiToken.issue(user_id=uuid4(), name=" ", scopes=["items:read"], token_hash=b"h", at=T0)
    token.revoke(at=T0 + DAY)
    token.revoke(at=T0 + 2 * DAY)
    assert token.revoked_at == T0 + DAY
    assert is_api_token("inv_abc")
    assert not is_api_token("eyJhbGciOi")


def test_a_token_is_usable_until_revoked_or_expired() -> None:
    assert usable(None, None, T0)
    assert usable(None, T0 + DAY, T0)
    assert not usable(None, T0, T0)
    assert not usable(T0, None, T0)


@given(st.integers(min_value=0, max_value=600))
def test_last_use_is_written_once_a_minute_at_most(seconds: int) -> None:
    later = T0 + timedelta(seconds=seconds)
    assert last_use_is_stale(T0, later) is (later - T0 >= LAST_USED_RESOLUTION)
    assert last_use_is_stale(None, later)


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=12))
def test_a_family_lives_while_only_its_current_token_is_presented(presented: list[int]) -> None:
    """Tokens are numbered in issue order (0 first). Presenting the current one rotates to the
    next; presenting any other ends the family for good."""
    family = session()
    family.token_hash = bytes([0]) * 32
    current, live = 0, True
    for n, choice in enumerate(presented, start=1):
        at = T0 + timedelta(minutes=n)
        issued = bytes([current + 1]) * 32
        outcome = family.refresh(bytes([choice]) * 32, issued, at=at, token_version=1)
        if not live:
            assert outcome is Refresh.OVER
        elif choice == current:
            assert outcome is Refresh.ROTATED
            current += 1
        else:
            assert outcome is Refresh.REUSED
            live = False
        assert family.live(at, 1) is live
