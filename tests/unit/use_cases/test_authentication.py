"""Logging in, throttling, re-hashing, and turning a token back into a user."""

from collections.abc import Iterator

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from adapters.security import BcryptPasswordHasher
from application.commands import UpdateUserCommand
from application.errors import AuthenticationFailed, TooManyAttempts
from domain.users import User
from entrypoints.container import Container
from tests.logins import CountingHasher, log_in
from tests.unit.use_cases.conftest import PASSWORD, register, store


@pytest.fixture
def hasher(container: Container) -> Iterator[CountingHasher]:
    fake = CountingHasher()
    with container.password_hasher.override(providers.Object(fake)):
        yield fake


async def test_login_issues_a_token_that_resolves_to_the_user(
    container: Container, root: User
) -> None:
    token = await log_in(container, "  ROOT ", PASSWORD)
    assert token.expires_in == container.settings().token_ttl_seconds
    principal = await container.resolve_principal().execute(token.token)
    assert principal.user_id == root.id


async def test_unknown_user_and_wrong_password_fail_the_same_way(
    container: Container, hasher: CountingHasher
) -> None:
    await register(container, "root", "admin", actor=None)
    with pytest.raises(AuthenticationFailed) as unknown:
        await log_in(container, "nobody", PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        await log_in(container, "root", "wrong password")
    assert type(unknown.value) is type(wrong.value)
    assert unknown.value.message == wrong.value.message
    assert unknown.value.details == wrong.value.details
    # the unknown user was still checked (against no hash: the dummy one), like a real user
    assert hasher.verified[0] is None
    assert hasher.verified[1] is not None


async def test_a_too_long_password_fails_without_reaching_the_hasher(
    container: Container, hasher: CountingHasher
) -> None:
    await register(container, "root", "admin", actor=None)
    assert hasher.hashed == 1
    for password in ("x" * 73, "\N{GRINNING FACE}" * 19, "\ud800" * 40):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "root", password)
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "nobody", password)
    assert hasher.verified == []
    assert hasher.hashed == 1


@pytest.mark.parametrize("username", ["", "   ", "x" * 65, "a\x00b", "\ud800"])
async def test_impossible_usernames_fail_without_reaching_the_hasher(
    container: Container, hasher: CountingHasher, username: str
) -> None:
    with pytest.raises(AuthenticationFailed):
        await log_in(container, username, PASSWORD)
    assert hasher.verified == []


async def test_an_inactive_user_cannot_log_in(container: Container, root: User) -> None:
    bob = await register(container, "bob", "clerk", actor=root.principal())
    await container.update_user().execute(
        UpdateUserCommand(actor=root.principal(), user_id=bob.id, active=False)
    )
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "bob", PASSWORD)


async def test_repeated_failures_are_throttled_and_success_resets(
    container: Container, hasher: CountingHasher, clock: FixedClock
) -> None:
    await register(container, "root", "admin", actor=None)
    free = container.settings().login_free_attempts
    for _ in range(free):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "root", "wrong password")
    checks = len(hasher.verified)
    with pytest.raises(TooManyAttempts) as caught:
        await log_in(container, "Root", PASSWORD)  # even the right password waits
    assert caught.value.retry_after_seconds == 1
    assert caught.value.code == "too_many_attempts"
    assert caught.value.details["retry_after"] == 1
    assert len(hasher.verified) == checks  # throttled attempts cost no hashing

    clock.advance(seconds=1)
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "root", "wrong again")
    with pytest.raises(TooManyAttempts) as caught:
        await log_in(container, "root", PASSWORD)
    assert caught.value.retry_after_seconds == 2  # the delay doubles
    clock.advance(seconds=2)
    assert await log_in(container, "root", PASSWORD)
    assert store(container).login_failures == {}

    for _ in range(free):  # a fresh allowance after the success
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "root", "wrong password")
    with pytest.raises(TooManyAttempts):
        await log_in(container, "root", PASSWORD)


async def test_failures_expire_after_the_window(
    container: Container, hasher: CountingHasher, clock: FixedClock
) -> None:
    await register(container, "root", "admin", actor=None)
    for _ in range(container.settings().login_free_attempts):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "root", "wrong password")
    clock.advance(seconds=container.settings().login_window_seconds + 1)
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "root", "wrong password")
    assert store(container).login_failures["user:root"].count == 1


async def test_unknown_users_are_throttled_too(
    container: Container, hasher: CountingHasher
) -> None:
    for _ in range(container.settings().login_free_attempts):
        with pytest.raises(AuthenticationFailed):
            await log_in(container, "ghost", PASSWORD)
    with pytest.raises(TooManyAttempts):
        await log_in(container, "GHOST", PASSWORD)


async def test_a_weaker_hash_is_upgraded_after_login(container: Container, root: User) -> None:
    assert root.password_hash.startswith("$2b$04$")
    with container.password_hasher.override(providers.Object(BcryptPasswordHasher(rounds=5))):
        token = await log_in(container, "root", PASSWORD)
        stored = store(container).users[root.id]
        assert stored.password_hash.startswith("$2b$05$")
        assert stored.token_version == root.token_version  # tokens stay valid
        assert (await container.resolve_principal().execute(token.token)).user_id == root.id
        assert await log_in(container, "root", PASSWORD)
        assert store(container).users[root.id].password_hash == stored.password_hash


async def test_an_up_to_date_hash_is_left_alone(container: Container, root: User) -> None:
    await log_in(container, "root", PASSWORD)
    assert store(container).users[root.id].password_hash == root.password_hash


# -- resolving tokens ------------------------------------------------------------------------


async def test_tokens_go_stale_when_the_user_changes(container: Container, root: User) -> None:
    bob = await register(container, "bob", "clerk", actor=root.principal())
    resolve = container.resolve_principal()

    async def token() -> str:
        return (await log_in(container, "bob", PASSWORD)).token

    before_role = await token()
    await container.update_user().execute(
        UpdateUserCommand(actor=root.principal(), user_id=bob.id, role="viewer")
    )
    with pytest.raises(AuthenticationFailed):
        await resolve.execute(before_role)
    assert (await resolve.execute(await token())).role.value == "viewer"

    before_password = await token()
    await container.set_user_password().execute(root.principal(), "bob", "another password")
    with pytest.raises(AuthenticationFailed):
        await resolve.execute(before_password)

    before_deactivation = (await log_in(container, "bob", "another password")).token
    await container.update_user().execute(
        UpdateUserCommand(actor=root.principal(), user_id=bob.id, active=False)
    )
    with pytest.raises(AuthenticationFailed):
        await resolve.execute(before_deactivation)


async def test_a_token_of_a_deleted_user_is_refused(container: Container, root: User) -> None:
    token = (await log_in(container, "root", PASSWORD)).token
    del store(container).users[root.id]
    with pytest.raises(AuthenticationFailed):
        await container.resolve_principal().execute(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000])
async def test_malformed_tokens_are_refused(container: Container, token: str) -> None:
    with pytest.raises(AuthenticationFailed):
        await container.resolve_principal().execute(token)


async def test_an_expired_token_is_refused(
    container: Container, root: User, clock: FixedClock
) -> None:
    token = (await log_in(container, "root", PASSWORD)).token
    clock.advance(seconds=container.settings().token_ttl_seconds + 60)
    with pytest.raises(AuthenticationFailed):
        await container.resolve_principal().execute(token)


@pytest.mark.parametrize(("username", "password"), [(None, PASSWORD), ("root", None)])
async def test_non_text_credentials_fail_authentication(
    container: Container, hasher: CountingHasher, username: object, password: object
) -> None:
    await register(container, "root", "admin", actor=None)
    with pytest.raises(AuthenticationFailed):
        await log_in(container, username, password)  # type: ignore[arg-type]
    assert hasher.verified == []
