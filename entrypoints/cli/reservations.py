"""``inventory reservations …``: hold stock for orders, fulfil, release, and sweep expired holds.

``sweep`` does what the sweeper in ``inventory serve`` does, for deployments that run it from
cron instead (``INVENTORY_RESERVATION_SWEEP_SECONDS=0``).
"""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.commands import (
    CreateReservationCommand,
    FulfilReservationCommand,
    ReleaseReservationCommand,
)
from application.ports import Page, ReservationQuery
from application.use_cases import Reserved, Settled, Sweep
from domain.reservations import Reservation, ReservationStatus
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import CliState

app = typer.Typer(no_args_is_help=True, help="Hold stock for orders (reservations).")

ReservationId = Annotated[UUID, typer.Argument(help="The reservation's id.", show_default=False)]
ExpectedVersion = Annotated[
    int | None, typer.Option(help="Refuse (exit 7) unless the reservation is at this version.")
]


def _result_json(done: Reserved | Settled) -> output.JsonObject:
    movement = getattr(done, "movement", None)
    return {
        "reservation": representation.reservation(done.reservation),
        "item": representation.item(done.item),
        "movement": None if movement is None else representation.movement(movement),
    }


def _headline(done: Reserved | Settled, verb: str) -> str:
    r, item = done.reservation, done.item
    return (
        f"{r.reference}: {verb} {r.quantity} of {item.sku.value} (reservation {r.id},"
        f" {r.status.value}); available now {item.available} of {item.quantity}"
    )


def _table(page: Page[Reservation]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(
            "Id", "Reference", "Item", "Qty", "Status", "Expires", caption=output.page_caption(page)
        )
        for r in page.items:
            table.add_row(
                str(r.id),
                Text(r.reference),
                str(r.item_id),
                str(r.quantity),
                r.status.value,
                str(output.cell(r.expires_at)),
            )
        console.print(table)

    return render


@app.command("list")
def list_reservations(
    ctx: typer.Context,
    item: Annotated[UUID | None, typer.Option(help="Only this item's (id).")] = None,
    reference: Annotated[str | None, typer.Option(help="Only this reference's.")] = None,
    status: Annotated[ReservationStatus | None, typer.Option(help="Only in this status.")] = None,
    limit: Annotated[int, typer.Option(help="Page size (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Entries to skip.")] = 0,
) -> None:
    """Reservations, newest first."""
    state = CliState.of(ctx)

    async def work() -> Page[Reservation]:
        query = ReservationQuery(
            offset=offset, limit=limit, item_id=item, reference=reference, status=status
        )
        return await state.container.list_reservations().execute(await state.actor(), query)

    page = state.run(work)
    output.emit(state, representation.page(page, representation.reservation), _table(page))


@app.command("show")
def show_reservation(ctx: typer.Context, reservation_id: ReservationId) -> None:
    """One reservation."""
    state = CliState.of(ctx)

    async def work() -> Reservation:
        return await state.container.get_reservation().execute(await state.actor(), reservation_id)

    found = state.run(work)
    headline = (
        f"{found.reference}: {found.quantity} ({found.status.value}),"
        f" expires {output.cell(found.expires_at)} (version {found.version})"
    )
    output.emit(state, representation.reservation(found), output.message(headline))


@app.command("create")
def create_reservation(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="Item SKU or id.", show_default=False)],
    quantity: Annotated[int, typer.Argument(help="Units to hold.", show_default=False)],
    reference: Annotated[str, typer.Option(help="The order number (required).")],
    location: Annotated[
        str | None, typer.Option(help="Location code or id (default MAIN).")
    ] = None,
    ttl: Annotated[
        int | None, typer.Option(help="Seconds to hold (60 to 30 days; default from settings).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
) -> None:
    """Hold QUANTITY of ITEM for an order (exit 6 when fewer are available)."""
    state = CliState.of(ctx)

    async def work() -> Reserved:
        command = CreateReservationCommand(
            actor=await state.actor(),
            item=item,
            quantity=quantity,
            reference=reference,
            location=location,
            ttl_seconds=ttl,
            note=note,
        )
        return await state.container.create_reservation().execute(command)

    done = state.run(work)
    verb = "already holds" if done.existing else "holds"
    output.emit(state, _result_json(done), output.message(_headline(done, verb)))


@app.command("fulfil")
def fulfil_reservation(
    ctx: typer.Context,
    reservation_id: ReservationId,
    quantity: Annotated[
        int | None, typer.Option(help="Sell fewer than held (the rest is released).")
    ] = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """Sell what a reservation holds: one ``sold`` movement naming it."""
    state = CliState.of(ctx)

    async def work() -> Settled:
        command = FulfilReservationCommand(
            actor=await state.actor(),
            reservation_id=reservation_id,
            quantity=quantity,
            expected_version=expected_version,
        )
        return await state.container.fulfil_reservation().execute(command)

    done = state.run(work)
    sold = done.reservation.fulfilled_quantity
    output.emit(state, _result_json(done), output.message(_headline(done, f"sold {sold}, held")))


@app.command("release")
def release_reservation(
    ctx: typer.Context, reservation_id: ReservationId, expected_version: ExpectedVersion = None
) -> None:
    """Free what a reservation holds."""
    state = CliState.of(ctx)

    async def work() -> Settled:
        command = ReleaseReservationCommand(
            actor=await state.actor(),
            reservation_id=reservation_id,
            expected_version=expected_version,
        )
        return await state.container.release_reservation().execute(command)

    done = state.run(work)
    output.emit(state, _result_json(done), output.message(_headline(done, "released")))


@app.command("sweep")
def sweep(ctx: typer.Context) -> None:
    """Expire the holds past their expiry (what ``inventory serve`` does periodically)."""
    state = CliState.of(ctx)

    async def work() -> Sweep:
        return await state.container.expire_reservations().execute()

    done = state.run(work)
    output.emit(
        state,
        {"expired": done.expired, "items": done.items},
        output.message(f"Expired {done.expired} reservations of {done.items} items"),
    )
