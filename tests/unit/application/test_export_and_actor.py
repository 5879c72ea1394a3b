import pytest

from adapters.clock import FixedClock
from application.commands import CreateItemCommand, RegisterUserCommand, UpdateUserCommand
from application.errors import AuthenticationFailed
from application.use_cases import ExportItems
from domain.errors import NotFound
from entrypoints.container import Container


async def test_export_reads_every_item_in_sku_order(container: Container) -> None:
    admin = (
        await container.register_user().execute(
            RegisterUserCommand(actor=None, username="root", password="long enough", role="admin")
        )
    ).principal()
    for sku in ["E", "B", "D", "A", "C"]:
        await container.create_item().execute(
            CreateItemCommand(actor=admin, sku=sku, name=sku, unit_price="1")
        )
    export = ExportItems(snapshot=container.snapshot_queries, page_size=2)
    reported: list[tuple[int, int]] = []
    exported = await export.execute(
        admin, progress=lambda read, total: reported.append((read, total))
    )
    assert [item.sku.value for item in exported] == ["A", "B", "C", "D", "E"]
    assert reported == [(2, 5), (4, 5), (5, 5)]
    assert await ExportItems(snapshot=container.snapshot_queries).execute(admin) != []


async def test_the_acting_user_is_named_or_the_first_active_admin(
    container: Container, clock: FixedClock
) -> None:
    resolve = container.resolve_actor()
    assert await resolve.execute(None) is None  # an empty store

    register = container.register_user()
    first = await register.execute(
        RegisterUserCommand(actor=None, username="zed", password="long enough", role="admin")
    )
    clock.advance(minutes=1)
    for name, role in [("amy", "admin"), ("bob", "clerk")]:
        await register.execute(
            RegisterUserCommand(
                actor=first.principal(), username=name, password="long enough", role=role
            )
        )
    acting = await resolve.execute(None)
    assert acting is not None
    assert acting.username == "zed"
    bob = await resolve.execute("BOB")
    assert bob is not None
    assert bob.role.value == "clerk"

    await container.update_user().execute(
        UpdateUserCommand(actor=first.principal(), user_id="zed", active=False)
    )
    acting = await resolve.execute(None)
    assert acting is not None
    assert acting.username == "amy"
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        await resolve.execute("zed")
    with pytest.raises(NotFound):
        await resolve.execute("nobody")
