"""``inventory audit`` and ``inventory items history``: what happened, and who did it.

``items history`` joins the ``items`` group when this module is imported (``main`` does so);
``audit`` is a top-level command added by ``main``.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.history import AuditQuery
from application.ports import Page
from application.use_cases import HistoryEntry
from domain.audit import AuditRecord
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.items import ItemKey, Limit, Offset, app
from entrypoints.cli.reports import INSTANT_FORMATS
from entrypoints.cli.state import CliState


def _when(moment: datetime) -> Text:
    return Text(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))


def _changes(record: AuditRecord) -> str:
    return "; ".join(f"{c.field}: {c.old or '-'} → {c.new or '-'}" for c in record.changes)


def _by(actor_id: UUID | None) -> Text:
    return Text(str(actor_id)[:8] if actor_id else "")


def _history_table(key: str, page: Page[HistoryEntry]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title=Text(f"History of {key}"), caption=output.page_caption(page))
        for name in ("When (UTC)", "What", "Details", "By"):
            table.add_column(name, overflow="fold")
        for entry in page.items:
            if entry.change is not None:
                what, details = entry.change.action, _changes(entry.change)
                by = entry.change.actor_id
            else:
                assert entry.movement is not None
                movement = entry.movement
                what = f"{movement.delta:+d} {movement.reason.value}"
                details = f"{movement.quantity_after} after" + (
                    f"; {movement.note}" if movement.note else ""
                )
                by = movement.actor_id
            table.add_row(_when(entry.at), Text(what), Text(details), _by(by))
        console.print(table)

    return render


@app.command()
def history(ctx: typer.Context, item: ItemKey, limit: Limit = 20, offset: Offset = 0) -> None:
    """An item's changes and stock movements, newest first (also of a purged item, by id)."""
    state = CliState.of(ctx)

    async def work() -> Page[HistoryEntry]:
        return await state.container.item_history().execute(
            await state.actor(), item, offset=offset, limit=limit
        )

    page = state.run(work)
    data = representation.page(page, representation.history_entry)
    output.emit(state, data, _history_table(item, page))


def _audit_table(page: Page[AuditRecord]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title="Audit trail", caption=output.page_caption(page))
        for name in ("When (UTC)", "Entity", "Action", "Changes", "By", "Via"):
            table.add_column(name, overflow="fold")
        for record in page.items:
            table.add_row(
                _when(record.occurred_at),
                Text(f"{record.entity} {str(record.entity_id)[:8]}"),
                Text(record.action),
                Text(_changes(record)),
                _by(record.actor_id),
                Text(f"{record.channel.value} {record.request_id or ''}".strip()),
            )
        console.print(table)

    return render


def audit(
    ctx: typer.Context,
    entity: Annotated[
        str | None,
        typer.Option(help="item, user, location, api_token, session, webhook or reservation."),
    ] = None,
    entity_id: Annotated[str | None, typer.Option(help="The entity's id.")] = None,
    actor: Annotated[str | None, typer.Option(help="The acting user's id.")] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--from", help="From this time (UTC unless given).", formats=INSTANT_FORMATS),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option("--to", help="Before this time (UTC unless given).", formats=INSTANT_FORMATS),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> None:
    """The audit trail, newest first (admins)."""
    state = CliState.of(ctx)
    query = AuditQuery(
        entity=entity,
        entity_id=_uuid("--entity-id", entity_id),
        actor_id=_uuid("--actor", actor),
        since=_utc(since),
        until=_utc(until),
        offset=offset,
        limit=limit,
    )

    async def work() -> Page[AuditRecord]:
        return await state.container.list_audit().execute(await state.actor(), query)

    page = state.run(work)
    output.emit(state, representation.page(page, representation.audit_record), _audit_table(page))


def _uuid(option: str, raw: str | None) -> UUID | None:
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise typer.BadParameter(f"{option}: not an id") from None


def _utc(moment: datetime | None) -> datetime | None:
    """A time typed without a zone is UTC, as the tables show."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
