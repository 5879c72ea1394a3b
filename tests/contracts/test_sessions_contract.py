"""Sessions and API tokens through the use cases, alike on memory, SQLite and PostgreSQL:
rotation, reuse detection that ends the family, concurrent refreshes (exactly one wins, the
other counts as reuse), and API tokens found, narrowed, touched and revoked."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import FixedClock
from adapters.security import BcryptPasswordHasher, HmacOpaqueTokens, JwtTokenService
from application.actors import acting
from application.commands import CreateApiTokenCommand, LoginCommand, RefreshCommand
from application.credentials import ApiTokenCredential
from application.errors import AuthenticationFailed
from application.ports import AccessToken
from application.use_cases import (
    Authenticate,
    CreateApiToken,
    EndSession,
    ListApiTokens,
    ListSessions,
    Logout,
    RefreshSession,
    RevokeApiToken,
)
from domain.users import Permission, Role, User, Username
from tests.contracts.conftest import Backend

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
PASSWORD = "correct horse battery"


@dataclass
class Access:
    backend: Backend
    clock: FixedClock
    opaque: HmacOpaqueTokens
    jwt: JwtTokenService
    user: User

    async def login(self, device: str | None = "laptop") -> AccessToken:
        hasher = BcryptPasswordHasher(rounds=4)
        use_case = Authenticate(self.backend.uow(), self.clock, hasher, self.jwt, self.opaque)
        command = LoginCommand(username="alice", password=PASSWORD, device=device)
        return await use_case.execute(command)

    def refresh(self) -> RefreshSession:
        return RefreshSession(self.backend.uow(), self.clock, self.jwt, self.opaque)

    def credential(self, secret: str, username: str | None = None) -> ApiTokenCredential:
        return ApiTokenCredential(self.opaque.digest(secret), self.clock.now(), username)


@pytest.fixture
async def access(backend: Backend) -> Access:
    clock = FixedClock(T0)
    hashed = await BcryptPasswordHasher(rounds=4).hash(PASSWORD)
    user = User.register(
        username=Username.parse("alice"), password_hash=hashed, role=Role.CLERK, at=T0
    )
    async with backend.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    secret = "s" * 48
    return Access(backend, clock, HmacOpaqueTokens(secret), JwtTokenService(secret, clock), user)


async def test_a_login_starts_a_session_that_a_refresh_rotates(access: Access) -> None:
    first = await access.login()
    assert first.refresh_token
    assert len(first.refresh_token) >= 43
    access.clock.advance(minutes=5)
    second = await access.refresh().execute(RefreshCommand(refresh_token=first.refresh_token))
    assert second.refresh_token not in (None, first.refresh_token)
    assert access.jwt.verify(second.token).user_id == access.user.id
    sessions = await ListSessions(access.backend.queries(), access.clock).execute(
        access.user.principal()
    )
    assert [(s.device, s.created_at, s.last_used_at) for s in sessions] == [
        ("laptop", T0, T0 + timedelta(minutes=5))
    ]


async def test_reuse_ends_the_whole_family_and_is_logged(
    access: Access, caplog: pytest.LogCaptureFixture
) -> None:
    first = await access.login()
    assert first.refresh_token is not None
    second = await access.refresh().execute(RefreshCommand(refresh_token=first.refresh_token))
    assert second.refresh_token is not None
    with (
        caplog.at_level(logging.WARNING, "inventory.security"),
        pytest.raises(AuthenticationFailed, match="reused"),
    ):
        await access.refresh().execute(RefreshCommand(refresh_token=first.refresh_token))
    assert "refresh token reused" in caplog.text
    assert first.refresh_token not in caplog.text
    assert second.refresh_token not in caplog.text
    with pytest.raises(AuthenticationFailed, match="ended"):
        await access.refresh().execute(RefreshCommand(refresh_token=second.refresh_token))
    sessions = ListSessions(access.backend.queries(), access.clock)
    assert await sessions.execute(access.user.principal()) == []


async def test_of_two_concurrent_refreshes_one_wins_and_the_other_is_reuse(
    access: Access,
) -> None:
    login = await access.login()
    assert login.refresh_token is not None
    command = RefreshCommand(refresh_token=login.refresh_token)
    results = await asyncio.gather(
        access.refresh().execute(command),
        access.refresh().execute(command),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, AccessToken)]
    lost = [r for r in results if isinstance(r, AuthenticationFailed)]
    assert (len(won), len(lost)) == (1, 1), results
    assert "reused" in str(lost[0])
    assert won[0].refresh_token is not None
    with pytest.raises(AuthenticationFailed):  # the family ended with the reuse
        await access.refresh().execute(RefreshCommand(refresh_token=won[0].refresh_token))


async def test_a_password_or_role_change_ends_every_session(access: Access) -> None:
    login = await access.login()
    assert login.refresh_token is not None
    async with access.backend.uow() as uow:
        user = await uow.users.get(access.user.id)
        assert user is not None
        user.set_role(Role.VIEWER, at=T0)
        await uow.users.save(user)
        await uow.commit()
    with pytest.raises(AuthenticationFailed, match="ended"):
        await access.refresh().execute(RefreshCommand(refresh_token=login.refresh_token))
    listed = await ListSessions(access.backend.queries(), access.clock).execute(user.principal())
    assert listed == []


async def test_logout_and_ending_a_session(access: Access) -> None:
    one, two = await access.login("phone"), await access.login("laptop")
    assert one.refresh_token is not None
    assert two.refresh_token is not None
    await Logout(access.backend.uow(), access.clock, access.opaque).execute(one.refresh_token)
    await Logout(access.backend.uow(), access.clock, access.opaque).execute("unknown")
    with pytest.raises(AuthenticationFailed):
        await access.refresh().execute(RefreshCommand(refresh_token=one.refresh_token))
    me = access.user.principal()
    [left] = await ListSessions(access.backend.queries(), access.clock).execute(me)
    assert left.device == "laptop"
    await EndSession(access.backend.uow(), access.clock).execute(me, left.id)
    with pytest.raises(AuthenticationFailed):
        await access.refresh().execute(RefreshCommand(refresh_token=two.refresh_token))


async def test_an_api_token_acts_within_role_and_scopes_and_can_be_revoked(
    access: Access,
) -> None:
    me = access.user.principal()
    create = CreateApiToken(access.backend.uow(), access.clock, access.opaque)
    issued = await create.execute(
        CreateApiTokenCommand(actor=me, name="shop", scopes=("items:read", "users:admin"))
    )
    assert issued.secret.startswith("inv_")
    async with access.backend.queries() as session:
        principal = await acting(access.credential(issued.secret), session.users)
    assert principal.scopes == {"items:read", "users:admin"}
    assert principal.can(Permission.READ_ITEMS)
    assert not principal.can(Permission.MANAGE_USERS)  # a clerk's token: never more than the role
    assert not principal.can(Permission.ADJUST_STOCK)  # no scope for it
    listed = await ListApiTokens(access.backend.queries()).execute(me)
    assert [(t.name, t.last_used_at) for t in listed] == [("shop", T0)]
    for wrong in (access.credential(issued.secret, "bob"), access.credential("inv_nope")):
        async with access.backend.queries() as session:
            with pytest.raises(AuthenticationFailed):
                await acting(wrong, session.users)
    await RevokeApiToken(access.backend.uow(), access.clock).execute(me, issued.token.id)
    async with access.backend.uow() as uow:
        with pytest.raises(AuthenticationFailed):
            await acting(access.credential(issued.secret, "Alice"), uow.users)
    assert await ListApiTokens(access.backend.queries()).execute(me) == []


async def test_last_use_is_written_at_most_once_a_minute(access: Access) -> None:
    me = access.user.principal()
    create = CreateApiToken(access.backend.uow(), access.clock, access.opaque)
    secret = (
        await create.execute(CreateApiTokenCommand(actor=me, name="t", scopes=("items:read",)))
    ).secret

    async def use() -> datetime | None:
        async with access.backend.queries() as session:
            await acting(access.credential(secret), session.users)
        [token] = await ListApiTokens(access.backend.queries()).execute(me)
        return token.last_used_at

    assert await use() == T0
    access.clock.advance(seconds=59)
    assert await use() == T0
    access.clock.advance(seconds=1)
    async with access.backend.uow() as uow:  # a command's session writes it too
        await acting(access.credential(secret), uow.users)
        await uow.commit()
    assert await use() == T0 + timedelta(minutes=1)


async def test_an_expired_api_token_fails(access: Access) -> None:
    create = CreateApiToken(access.backend.uow(), access.clock, access.opaque)
    command = CreateApiTokenCommand(
        actor=access.user.principal(),
        name="brief",
        scopes=("items:read",),
        expires_in_days=1,
    )
    secret = (await create.execute(command)).secret
    access.clock.advance(days=1)
    async with access.backend.queries() as session:
        with pytest.raises(AuthenticationFailed):
            await acting(access.credential(secret), session.users)
