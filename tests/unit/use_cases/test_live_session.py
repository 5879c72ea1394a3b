"""A live-event subscriber's session: opened with the checks of every request, ended by its
token's expiry or by the revocation the user's changes announce on the event stream."""

from datetime import timedelta

import pytest

from adapters.clock import FixedClock
from application.commands import UpdateUserCommand
from application.errors import AuthenticationFailed
from application.use_cases import LiveSession
from domain.events import AccessRevoked, DomainEvent, ItemDeleted
from domain.users import Principal, User
from entrypoints.container import Container
from tests.unit.use_cases.conftest import PASSWORD, positioned, recorded, register, store


async def revocations_of(container: Container, clerk: User, root: User) -> list[DomainEvent]:
    """What each kind of token revocation publishes: password, role, deactivation."""
    admin = root.principal()
    async with recorded(container) as events:
        await container.change_own_password().execute(clerk.principal(), PASSWORD, "a new one 1")
        await container.set_user_password().execute(admin, "clerk", "a new one 2")
        await container.update_user().execute(
            UpdateUserCommand(actor=admin, user_id=clerk.id, role="viewer")
        )
        await container.update_user().execute(
            UpdateUserCommand(actor=admin, user_id=clerk.id, active=False)
        )
    return events


async def test_a_session_lasts_as_long_as_its_token(
    container: Container, clock: FixedClock, root: User
) -> None:
    clerk = await register(container, "clerk", "clerk", actor=root.principal())
    token = container.token_service().issue(clerk)

    session = await container.open_event_stream().execute(token.token)

    assert session.principal == clerk.principal()
    assert session.token_version == clerk.token_version
    assert session.expires_at == token.expires_at
    assert not session.expired(clock.now())
    assert session.seconds_left(clock.now()) == container.settings().token_ttl_seconds
    assert session.expired(token.expires_at)
    assert session.seconds_left(token.expires_at + timedelta(seconds=5)) == 0


async def test_every_revocation_ends_the_session_of_that_user_only(
    container: Container, root: User
) -> None:
    clerk = await register(container, "clerk", "clerk", actor=root.principal())
    tokens = container.token_service()
    clerks = await container.open_event_stream().execute(tokens.issue(clerk).token)
    admins = await container.open_event_stream().execute(tokens.issue(root).token)

    events = await revocations_of(container, clerk, root)

    assert [event.reason for event in events if isinstance(event, AccessRevoked)] == [
        "password changed",
        "password changed",
        "role changed",
        "deactivated",
    ]
    assert all(clerks.revoked_by(positioned(event)) for event in events)
    assert not any(admins.revoked_by(positioned(event)) for event in events)


async def test_an_announcement_of_an_older_version_ends_nothing(
    container: Container, clock: FixedClock, root: User
) -> None:
    clerk = await register(container, "clerk", "clerk", actor=root.principal())
    await container.change_own_password().execute(clerk.principal(), PASSWORD, "a new one 1")
    changed = store(container).users[clerk.id]  # the token is issued after the change
    session = await container.open_event_stream().execute(
        container.token_service().issue(changed).token
    )
    late = AccessRevoked(
        occurred_at=clock.now(), user_id=clerk.id, token_version=2, reason="password changed"
    )

    assert not session.revoked_by(positioned(late))


async def test_revoked_tokens_open_no_session(container: Container, root: User) -> None:
    clerk = await register(container, "clerk", "clerk", actor=root.principal())
    token = container.token_service().issue(clerk).token
    await container.update_user().execute(
        UpdateUserCommand(actor=root.principal(), user_id=clerk.id, active=False)
    )

    with pytest.raises(AuthenticationFailed):
        await container.open_event_stream().execute(token)
    with pytest.raises(AuthenticationFailed):
        await container.open_event_stream().execute("not a token")


def test_subscribers_see_item_events_but_never_access_changes(
    clock: FixedClock, clerk: Principal
) -> None:
    deleted = ItemDeleted(occurred_at=clock.now(), item_id=clerk.user_id, sku="A-1", version=2)
    revoked = AccessRevoked(
        occurred_at=clock.now(), user_id=clerk.user_id, token_version=2, reason="role changed"
    )

    assert LiveSession.shows(positioned(deleted))
    assert not LiveSession.shows(positioned(revoked))
