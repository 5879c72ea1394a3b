"""Access tokens: every invalid token is one ``AuthenticationFailed``, never another exception."""

import base64
import contextlib
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.clock import FixedClock
from adapters.security import JwtTokenService
from application.errors import AuthenticationFailed
from domain.users import Role, User, Username

SECRET = "s" * 48
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(
    payload: dict[str, object] | str,
    *,
    header: dict[str, object] | None = None,
    key: str = SECRET,
    digest: str = "sha256",
) -> str:
    """Builds a token byte by byte, so even headers PyJWT would never write can be tested."""
    head = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64((payload if isinstance(payload, str) else json.dumps(payload)).encode())
    signing_input = f"{head}.{body}".encode()
    signature = hmac.new(key.encode(), signing_input, getattr(hashlib, digest)).digest()
    return f"{head}.{body}.{b64(signature)}"


def claims(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "sub": str(uuid4()),
        "ver": 1,
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 600,
        "iss": "inventory-service",
        "aud": "inventory-api",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def tokens(clock: FixedClock) -> JwtTokenService:
    return JwtTokenService(SECRET, clock, lifetime_seconds=600)


def make_user() -> User:
    return User.register(
        username=Username.parse("alice"), password_hash="x", role=Role.CLERK, at=NOW
    )


def test_issue_and_verify_round_trip(tokens: JwtTokenService) -> None:
    user = make_user()
    user.token_version = 7
    issued = tokens.issue(user)
    assert issued.expires_in == 600
    assert issued.expires_at == NOW + timedelta(seconds=600)
    verified = tokens.verify(issued.token)
    assert (verified.user_id, verified.token_version) == (user.id, 7)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "HS256"


def test_a_hand_made_valid_token_is_accepted(tokens: JwtTokenService) -> None:
    payload = claims()
    assert str(tokens.verify(forge(payload)).user_id) == payload["sub"]


def test_tokens_expire_by_the_injected_clock(tokens: JwtTokenService, clock: FixedClock) -> None:
    issued = tokens.issue(make_user())
    clock.advance(seconds=600 + 9)  # inside the leeway
    assert tokens.verify(issued.token)
    clock.advance(seconds=2)
    with pytest.raises(AuthenticationFailed):
        tokens.verify(issued.token)


def test_a_token_from_the_future_is_refused(tokens: JwtTokenService, clock: FixedClock) -> None:
    issued = tokens.issue(make_user())
    clock.advance(seconds=-60)
    with pytest.raises(AuthenticationFailed):
        tokens.verify(issued.token)


def test_tokens_signed_with_another_key_are_refused(clock: FixedClock) -> None:
    other = JwtTokenService("o" * 48, clock)
    token = other.issue(make_user()).token
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, clock).verify(token)


def test_issuer_and_audience_are_checked(clock: FixedClock) -> None:
    token = JwtTokenService(SECRET, clock, issuer="someone-else").issue(make_user()).token
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, clock).verify(token)
    token = JwtTokenService(SECRET, clock, audience="other-api").issue(make_user()).token
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, clock).verify(token)


BAD_TOKENS = {
    "alg none": forge(claims(), header={"alg": "none", "typ": "JWT"}).rsplit(".", 1)[0] + ".",
    "alg None with signature": forge(claims(), header={"alg": "None"}),
    "HS512": forge(claims(), header={"alg": "HS512", "typ": "JWT"}, digest="sha512"),
    "RS256": forge(claims(), header={"alg": "RS256", "typ": "JWT"}),
    "ES256": forge(claims(), header={"alg": "ES256"}),
    "bad signature": forge(claims())[:-4] + "AAAA",
    "other key": forge(claims(), key="k" * 48),
    "expired": forge(claims(exp=int(NOW.timestamp()) - 60)),
    "missing exp": forge(claims(exp=None)),
    "missing iat": forge(claims(iat=None)),
    "missing sub": forge(claims(sub=None)),
    "missing iss": forge(claims(iss=None)),
    "missing aud": forge(claims(aud=None)),
    "missing ver": forge(claims(ver=None)),
    "wrong iss": forge(claims(iss="evil")),
    "wrong aud": forge(claims(aud="evil")),
    "non-uuid sub": forge(claims(sub="alice")),
    "integer sub": forge(claims(sub=12)),
    "list sub": forge(claims(sub=[str(uuid4())])),
    "boolean ver": forge(claims(ver=True)),
    "string ver": forge(claims(ver="1")),
    "float ver": forge(claims(ver=1.0)),
    "string exp": forge(claims(exp="tomorrow")),
    "boolean exp": forge(claims(exp=True)),
    "infinite exp": forge(
        json.dumps(claims()).replace(f'"exp": {int(NOW.timestamp()) + 600}', '"exp": Infinity')
    ),
    "infinite iat": forge(
        json.dumps(claims()).replace(f'"iat": {int(NOW.timestamp())}', '"iat": -Infinity')
    ),
    "huge iat": forge(claims(iat=10**400)),
    "huge exp": forge(claims(exp=10**400)),
    "NaN nbf": forge(json.dumps(claims()).replace('"ver": 1', '"ver": 1, "nbf": NaN')),
    "future nbf": forge(claims(nbf=int(NOW.timestamp()) + 3600)),
    "future iat": forge(claims(iat=int(NOW.timestamp()) + 3600)),
    "payload is a list": forge("[1, 2]"),
    "payload is not json": forge("{not json"),
    "header is not json": "e30x." + forge(claims()).split(".", 1)[1],
    "two parts": "abc.def",
    "four parts": forge(claims()) + ".extra",
    "empty": "",
    "spaces": "   ",
    "non-ascii": "é.é.é",
    "surrogate": "\ud800.a.b",
    "nul": "a\x00.b.c",
    "over-long": forge(claims(pad="x" * 5000)),
}


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_one_authentication_failure(tokens: JwtTokenService, token: str) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        tokens.verify(token)
    assert caught.value.code == "authentication_failed"


@pytest.mark.parametrize("token", [None, 42, b"bytes.token.here"])
def test_non_text_tokens_are_refused(tokens: JwtTokenService, token: object) -> None:
    with pytest.raises(AuthenticationFailed):
        tokens.verify(token)  # type: ignore[arg-type]


@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_verification(token: str) -> None:
    service = JwtTokenService(SECRET, FixedClock(NOW))
    with pytest.raises(AuthenticationFailed):
        service.verify(token)


@given(
    st.dictionaries(
        st.sampled_from(list(claims())),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=2),
        ),
    )
)
def test_arbitrary_signed_claims_never_crash_verification(mutation: dict[str, object]) -> None:
    service = JwtTokenService(SECRET, FixedClock(NOW))
    token = forge(json.dumps({**claims(), **mutation}))
    with contextlib.suppress(AuthenticationFailed):
        service.verify(token)


@pytest.mark.parametrize("secret", ["", "short", "x" * 31, b"y" * 31])
def test_short_secrets_are_refused(secret: str | bytes, clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtTokenService(secret, clock)


def test_a_32_byte_secret_is_enough(clock: FixedClock) -> None:
    service = JwtTokenService(b"z" * 32, clock)
    assert service.verify(service.issue(make_user()).token)
