"""Sessions and API tokens through the container's use cases (memory): who may see and end
whose, and the throttling of refreshes and of token creation."""

from collections.abc import Iterator
from uuid import uuid4

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from application.commands import CreateApiTokenCommand, LoginCommand, RefreshCommand
from application.errors import AuthenticationFailed, TooManyAttempts
from application.ports import AccessToken
from application.use_cases import LoginPolicy
from domain.errors import NotFound, PermissionDenied
from domain.users import Principal, User
from entrypoints.container import Container
from tests.unit.use_cases.conftest import PASSWORD, register, store

ADDRESS = "198.51.100.7"


@pytest.fixture
def policy(container: Container) -> Iterator[LoginPolicy]:
    chosen = LoginPolicy(free_attempts=2, free_attempts_per_address=3)
    with container.login_policy.override(providers.Object(chosen)):
        yield chosen


async def login(container: Container, username: str) -> AccessToken:
    command = LoginCommand(username=username, password=PASSWORD, device="cli")
    return await container.authenticate().execute(command)


async def test_people_see_and_end_their_own_sessions_and_admins_anyone_s(
    container: Container, root: User
) -> None:
    clerk = await register(container, "clara", "clerk", actor=root.principal())
    other = await register(container, "otto", "clerk", actor=root.principal())
    await login(container, "clara")
    [mine] = await container.list_sessions().execute(clerk.principal())
    assert mine.user_id == clerk.id
    with pytest.raises(PermissionDenied):
        await container.list_sessions().execute(other.principal(), clerk.id)
    with pytest.raises(NotFound):  # not another user's session through one's own
        await container.end_session().execute(other.principal(), mine.id)
    assert await container.list_sessions().execute(root.principal(), "clara") == [mine]
    await container.end_session().execute(root.principal(), mine.id, clerk.id)
    assert await container.list_sessions().execute(clerk.principal()) == []
    with pytest.raises(NotFound):  # ended already
        await container.end_session().execute(clerk.principal(), mine.id)


async def test_an_admin_creates_tokens_for_a_service_user_and_a_clerk_cannot(
    container: Container, root: User
) -> None:
    service = await register(container, "shop", "clerk", actor=root.principal())
    clerk = await register(container, "clara", "clerk", actor=root.principal())
    command = CreateApiTokenCommand(
        actor=root.principal(), name="shop sync", scopes=("stock:write",), user="shop"
    )
    issued = await container.create_api_token().execute(command)
    assert issued.token.user_id == service.id
    assert [t.id for t in await container.list_api_tokens().execute(service.principal())] == [
        issued.token.id
    ]
    with pytest.raises(PermissionDenied):
        await container.create_api_token().execute(
            CreateApiTokenCommand(
                actor=clerk.principal(), name="x", scopes=("items:read",), user="shop"
            )
        )
    with pytest.raises(NotFound):
        await container.revoke_api_token().execute(clerk.principal(), issued.token.id)
    with pytest.raises(NotFound):
        await container.revoke_api_token().execute(root.principal(), uuid4(), "shop")


async def test_failed_refreshes_are_throttled_per_address(
    container: Container, root: User, policy: LoginPolicy, clock: FixedClock
) -> None:
    good = (await login(container, "root")).refresh_token
    assert good is not None
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            await container.refresh_session().execute(
                RefreshCommand(refresh_token="guess", client_address=ADDRESS)
            )
    with pytest.raises(TooManyAttempts):
        await container.refresh_session().execute(
            RefreshCommand(refresh_token=good, client_address=ADDRESS)
        )
    clock.advance(seconds=policy.max_delay_seconds)
    fresh = await container.refresh_session().execute(
        RefreshCommand(refresh_token=good, client_address=ADDRESS)
    )
    assert fresh.refresh_token is not None


async def test_token_creation_is_throttled_per_creator(
    container: Container, root: User, policy: LoginPolicy
) -> None:
    actor: Principal = root.principal()
    for n in range(3):
        await container.create_api_token().execute(
            CreateApiTokenCommand(actor=actor, name=f"t{n}", scopes=("items:read",))
        )
    with pytest.raises(TooManyAttempts):
        await container.create_api_token().execute(
            CreateApiTokenCommand(actor=actor, name="one too many", scopes=("items:read",))
        )
    assert len(await container.list_api_tokens().execute(actor)) == 3


@pytest.mark.parametrize("token", ["", "x" * 257, None])
async def test_a_refresh_token_that_cannot_be_one_fails_before_the_store(
    container: Container, token: object
) -> None:
    with pytest.raises(AuthenticationFailed, match="invalid refresh token"):
        await container.refresh_session().execute(RefreshCommand(refresh_token=token))  # type: ignore[arg-type]


async def test_without_address_throttling_refreshes_are_not_counted(
    container: Container, root: User
) -> None:
    policy = LoginPolicy(free_attempts_per_address=0)
    with container.login_policy.override(providers.Object(policy)):
        for _ in range(10):
            with pytest.raises(AuthenticationFailed):
                await container.refresh_session().execute(
                    RefreshCommand(refresh_token="guess", client_address=ADDRESS)
                )
    assert not [key for key in store(container).login_failures if key.startswith("refresh")]


async def test_logging_out_twice_is_no_error(container: Container, root: User) -> None:
    token = (await login(container, "root")).refresh_token
    assert token is not None
    await container.logout().execute(token)
    await container.logout().execute(token)
    await container.logout().execute("")
    assert await container.list_sessions().execute(root.principal()) == []
