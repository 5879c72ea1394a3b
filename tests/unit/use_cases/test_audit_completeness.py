"""Every writing use case leaves an audit record, and none rewrites one.

A writing use case is one that takes a unit of work. Each is either driven here (and must append
at least one record of the expected entity, leaving the earlier records as they were), or listed
in ``RECORDED_ELSEWHERE`` with the reason. A new writing use case fails
``test_every_writing_use_case_is_accounted_for`` until it is one or the other.
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

import pytest
from dependency_injector import providers

from application import use_cases as uc
from application.commands import (
    AdjustStockCommand,
    AttachImageCommand,
    CreateApiTokenCommand,
    CreateItemCommand,
    CreateLocationCommand,
    CreateReservationCommand,
    FulfilReservationCommand,
    LoginCommand,
    RefreshCommand,
    RegisterUserCommand,
    ReleaseReservationCommand,
    ReplaceItemCommand,
    UpdateItemCommand,
    UpdateLocationCommand,
    UpdateReservationCommand,
    UpdateUserCommand,
)
from application.history import AuditTrail
from application.use_cases import ImportRow
from domain.audit import WITHHELD, AuditRecord
from domain.users import Principal, User
from entrypoints.container import Container
from tests.unit.use_cases.conftest import PASSWORD, create_item, register, store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

#: Writing use cases whose changes another record already keeps, and why.
RECORDED_ELSEWHERE = {
    "AdjustStock": "stock changes are the ledger: immutable movements with who and when",
    "CountStock": "a count is a ledger movement",
    "TransferStock": "a transfer is two ledger movements",
    "TakeStock": "a stock take is ledger movements",
    "OpenStocktake": "a stocktake's counts end as ledger movements when committed",
    "CountStocktake": "as OpenStocktake",
    "CommitStocktake": "its result is ledger movements",
    "BootstrapAdmin": "creates the first admin through RegisterUser (driven here)",
    "RedeliverWebhook": "a delivery, not a change: the webhook's delivery log keeps it",
    # Reads that check their caller in a unit of work:
    "GetWebhook": "reads",
    "ListWebhooks": "reads",
    "ListWebhookDeliveries": "reads",
}


@dataclass
class World:
    container: Container
    root: User
    clerk: User
    item_id: UUID
    refresh_token: str


Step = Callable[[World], Awaitable[object]]


async def _none(world: World) -> None:
    return None


async def _attach(world: World) -> object:
    command = AttachImageCommand(actor=world.root.principal(), item=world.item_id, data=PNG)
    return await world.container.attach_image().execute(command)


async def _archive(world: World) -> object:
    return await world.container.archive_item().execute(world.root.principal(), world.item_id)


async def _location(world: World) -> object:
    command = CreateLocationCommand(actor=world.root.principal(), code="SHELF", name="Shelf")
    return await world.container.create_location().execute(command)


async def _token(world: World) -> UUID:
    command = CreateApiTokenCommand(actor=world.root.principal(), name="t", scopes=("items:read",))
    return (await world.container.create_api_token().execute(command)).token.id


async def _session_id(world: World) -> UUID:
    [session] = await world.container.list_sessions().execute(world.clerk.principal())
    return session.id


async def _reuse_refresh_token(world: World) -> None:
    refresh = world.container.refresh_session()
    await refresh.execute(RefreshCommand(refresh_token=world.refresh_token))
    with pytest.raises(Exception, match="reused"):
        await world.container.refresh_session().execute(
            RefreshCommand(refresh_token=world.refresh_token)
        )


#: name → (preparation, the write, the entity it must record)
DRIVEN: dict[str, tuple[Step, Step, str]] = {
    "CreateItem": (
        _none,
        lambda w: w.container.create_item().execute(
            CreateItemCommand(actor=w.root.principal(), sku="NEW", name="New", unit_price="1")
        ),
        "item",
    ),
    "UpdateItem": (
        _none,
        lambda w: w.container.update_item().execute(
            UpdateItemCommand(actor=w.root.principal(), item=w.item_id, unit_price="2.50")
        ),
        "item",
    ),
    "ReplaceItem": (
        _none,
        lambda w: w.container.replace_item().execute(
            ReplaceItemCommand(
                actor=w.root.principal(), item=w.item_id, sku="W-1", name="Other", unit_price="1"
            )
        ),
        "item",
    ),
    "AttachImage": (_none, _attach, "item"),
    "RemoveImage": (
        _attach,
        lambda w: w.container.remove_image().execute(w.root.principal(), w.item_id),
        "item",
    ),
    "ArchiveItem": (_none, _archive, "item"),
    "RestoreItem": (
        _archive,
        lambda w: w.container.restore_item().execute(w.root.principal(), w.item_id),
        "item",
    ),
    "PurgeItem": (
        _none,
        lambda w: w.container.purge_item().execute(w.root.principal(), w.item_id),
        "item",
    ),
    "ImportItems": (
        _none,
        lambda w: w.container.import_items().execute(
            w.root.principal(),
            [
                ImportRow(2, {"sku": "W-1", "name": "Renamed", "price": "9.99"}),
                ImportRow(3, {"sku": "IMP-1", "name": "Imported", "price": "1"}),
            ],
        ),
        "item",
    ),
    "RegisterUser": (
        _none,
        lambda w: w.container.register_user().execute(
            RegisterUserCommand(
                actor=w.root.principal(), username="vic", password=PASSWORD, role="viewer"
            )
        ),
        "user",
    ),
    "UpdateUser": (
        _none,
        lambda w: w.container.update_user().execute(
            UpdateUserCommand(actor=w.root.principal(), user_id=w.clerk.id, role="viewer")
        ),
        "user",
    ),
    "SetUserPassword": (
        _none,
        lambda w: w.container.set_user_password().execute(
            w.root.principal(), "clara", "another password"
        ),
        "user",
    ),
    "ChangeOwnPassword": (
        _none,
        lambda w: w.container.change_own_password().execute(
            w.clerk.principal(), PASSWORD, "another password"
        ),
        "user",
    ),
    "CreateLocation": (_none, _location, "location"),
    "UpdateLocation": (
        _location,
        lambda w: w.container.update_location().execute(
            UpdateLocationCommand(actor=w.root.principal(), location="SHELF", name="Top shelf")
        ),
        "location",
    ),
    "DeleteLocation": (
        _location,
        lambda w: w.container.delete_location().execute(w.root.principal(), "SHELF"),
        "location",
    ),
    "CreateApiToken": (_none, _token, "api_token"),
    "RevokeApiToken": (
        _none,
        lambda w: _revoke(w),
        "api_token",
    ),
    "Authenticate": (
        _none,
        lambda w: w.container.authenticate().execute(
            LoginCommand(username="clara", password=PASSWORD)
        ),
        "session",
    ),
    "EndSession": (
        _none,
        lambda w: _end_session(w),
        "session",
    ),
    "Logout": (_none, lambda w: w.container.logout().execute(w.refresh_token), "session"),
    "RefreshSession": (_none, _reuse_refresh_token, "session"),
    "CreateWebhook": (_none, lambda w: _webhook(w), "webhook"),
    "UpdateWebhook": (
        _none,
        lambda w: _on_webhook(
            w, lambda c, i: c.update_webhook().execute(_root(w), i, active=False)
        ),
        "webhook",
    ),
    "RotateWebhookSecret": (
        _none,
        lambda w: _on_webhook(w, lambda c, i: c.rotate_webhook_secret().execute(_root(w), i)),
        "webhook",
    ),
    "DeleteWebhook": (
        _none,
        lambda w: _on_webhook(w, lambda c, i: c.delete_webhook().execute(_root(w), i)),
        "webhook",
    ),
    "CreateReservation": (_none, lambda w: _reserve(w), "reservation"),
    "UpdateReservation": (
        _none,
        lambda w: _on_reservation(
            w,
            lambda i: w.container.update_reservation().execute(
                UpdateReservationCommand(actor=w.clerk.principal(), reservation_id=i, quantity=3)
            ),
        ),
        "reservation",
    ),
    "FulfilReservation": (
        _none,
        lambda w: _on_reservation(
            w,
            lambda i: w.container.fulfil_reservation().execute(
                FulfilReservationCommand(actor=w.clerk.principal(), reservation_id=i)
            ),
        ),
        "reservation",
    ),
    "ReleaseReservation": (
        _none,
        lambda w: _on_reservation(
            w,
            lambda i: w.container.release_reservation().execute(
                ReleaseReservationCommand(actor=w.clerk.principal(), reservation_id=i)
            ),
        ),
        "reservation",
    ),
    "ExpireReservations": (_none, lambda w: _expire(w), "reservation"),
}


def _root(world: World) -> Principal:
    return world.root.principal()


class _AnyUrl:
    """A URL guard that lets everything through: these tests send nothing anywhere."""

    async def check(self, url: str) -> None:
        return None


async def _webhook(world: World) -> UUID:
    with world.container.webhook_guard.override(providers.Object(_AnyUrl())):
        created = await world.container.create_webhook().execute(
            _root(world), url="https://hooks.example.org/in"
        )
    return created.endpoint.id


async def _on_webhook(world: World, act: Callable[[Container, UUID], Awaitable[object]]) -> None:
    endpoint_id = await _webhook(world)
    before = len(store(world.container).audit)
    await act(world.container, endpoint_id)
    assert len(store(world.container).audit) > before


async def _reserve(world: World) -> UUID:
    """A hold of 2 on the world's item, given stock first."""
    clerk = world.clerk.principal()
    await world.container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=world.item_id, delta=5, reason="received")
    )
    made = await world.container.create_reservation().execute(
        CreateReservationCommand(
            actor=clerk, item=world.item_id, quantity=2, reference="SO-1", ttl_seconds=60
        )
    )
    return made.reservation.id


async def _on_reservation(world: World, act: Callable[[UUID], Awaitable[object]]) -> None:
    reservation_id = await _reserve(world)
    before = len(store(world.container).audit)
    await act(reservation_id)
    assert store(world.container).audit[before:], "the change left no record"


async def _expire(world: World) -> None:
    reservation_id = await _reserve(world)
    world.container.clock().advance(minutes=2)  # type: ignore[attr-defined]
    before = len(store(world.container).audit)
    await world.container.expire_reservations().execute()
    added = store(world.container).audit[before:]
    assert [(r.entity_id, r.action, r.actor_id) for r in added] == [
        (reservation_id, "expired", None)
    ]


async def _revoke(world: World) -> None:
    token_id = await _token(world)
    before = len(store(world.container).audit)
    await world.container.revoke_api_token().execute(world.root.principal(), token_id)
    assert store(world.container).audit[before].action == "revoked"


async def _end_session(world: World) -> None:
    session_id = await _session_id(world)
    await world.container.end_session().execute(world.root.principal(), session_id, "clara")


def _writing_use_cases() -> set[str]:
    return {
        name
        for name in uc.__all__
        if inspect.isclass(cls := getattr(uc, name))
        and hasattr(cls, "execute")
        and "uow" in inspect.signature(cls.__init__).parameters
    }


def test_every_writing_use_case_is_accounted_for() -> None:
    writing = _writing_use_cases()
    assert set(DRIVEN) | set(RECORDED_ELSEWHERE) == writing
    assert not set(DRIVEN) & set(RECORDED_ELSEWHERE)


def test_the_audit_port_can_only_append() -> None:
    members = {name for name in vars(AuditTrail) if not name.startswith("_")}
    assert members == {"append"}


@pytest.fixture
async def world(container: Container, root: User) -> World:
    clerk = await register(container, "clara", "clerk", actor=root.principal())
    item = await create_item(container, root.principal(), sku="W-1")
    login = await container.authenticate().execute(
        LoginCommand(username="clara", password=PASSWORD)
    )
    assert login.refresh_token is not None
    return World(container, root, clerk, item.id, login.refresh_token)


@pytest.mark.parametrize("name", sorted(DRIVEN))
async def test_each_write_appends_a_record_and_keeps_the_earlier_ones(
    world: World, name: str
) -> None:
    prepare, write, entity = DRIVEN[name]
    await prepare(world)
    trail = store(world.container).audit
    earlier = list(trail)
    await write(world)
    assert trail[: len(earlier)] == earlier, f"{name} changed an earlier record"
    added: list[AuditRecord] = trail[len(earlier) :]
    assert added, f"{name} left no audit record"
    assert entity in {record.entity for record in added}
    for record in added:
        assert record.changes
        assert record.occurred_at.tzinfo is not None
        for change in record.changes:
            if change.field == "password":
                assert {change.old, change.new} <= {None, WITHHELD}
