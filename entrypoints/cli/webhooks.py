"""``inventory webhooks …``: webhook endpoints for admins, with the same rules as the REST API.
A secret is printed once, by ``add`` and ``rotate-secret``."""

from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from application.ports import Page
from domain.webhooks import DeliveryAttempt, WebhookEndpoint
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import CliState

app = typer.Typer(
    no_args_is_help=True,
    help="Manage webhook endpoints (admin): add, list, rotate secrets, the delivery log.",
)
EndpointId = Annotated[UUID, typer.Argument(help="The endpoint's id.", show_default=False)]


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "event_types": sorted(endpoint.event_types),
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason,
        "position": endpoint.position,
        "attempts": endpoint.attempts,
    }


def attempt_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "id": str(attempt.id),
        "position": attempt.position,
        "event_id": str(attempt.event_id),
        "event_type": attempt.event_type,
        "attempted_at": attempt.attempted_at.isoformat(),
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "outcome": attempt.outcome,
        "error": attempt.error,
        "manual": attempt.manual,
    }


def _table(title: str, rows: list[dict[str, Any]]) -> Any:
    def render(console: Console) -> None:
        if not rows:
            console.print(f"{title}: none", markup=False, highlight=False)
            return
        table = Table(title=title)
        for column in rows[0]:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row.values()))
        console.print(table)

    return render


def _with_secret(state: CliState, endpoint: WebhookEndpoint, secret: str, headline: str) -> None:
    data = {**endpoint_json(endpoint), "secret": secret}
    text = f"{headline}\nSecret (shown once, keep it with the receiver): {secret}"
    output.emit(state, data, output.message(text))


@app.command("list")
def list_webhooks(ctx: typer.Context) -> None:
    """List the endpoints and how their deliveries are going."""
    state = CliState.of(ctx)

    async def work() -> list[WebhookEndpoint]:
        return await state.container.list_webhooks().execute(await state.actor())

    rows = [endpoint_json(endpoint) for endpoint in state.run(work)]
    output.emit(state, {"items": rows}, _table("Webhooks", rows))


@app.command()
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A public http(s) URL.", show_default=False)],
    event_type: Annotated[
        list[str] | None,
        typer.Option("--type", help="Only this event type (repeat it); default: every type."),
    ] = None,
) -> None:
    """Add an endpoint; it receives the events committed from now on."""
    state = CliState.of(ctx)

    async def work() -> Any:
        actor = await state.actor()
        return await state.container.create_webhook().execute(
            actor, url=url, event_types=list(event_type or [])
        )

    created = state.run(work)
    _with_secret(state, created.endpoint, created.secret, f"Added webhook {created.endpoint.id}")


@app.command("rotate-secret")
def rotate_secret(ctx: typer.Context, endpoint: EndpointId) -> None:
    """Replace the secret; the previous one keeps signing for the configured overlap."""
    state = CliState.of(ctx)

    async def work() -> tuple[WebhookEndpoint, str]:
        actor = await state.actor()
        return await state.container.rotate_webhook_secret().execute(actor, endpoint)

    rotated, secret = state.run(work)
    _with_secret(state, rotated, secret, f"New secret for webhook {rotated.id}")


@app.command()
def deliveries(
    ctx: typer.Context,
    endpoint: EndpointId,
    limit: Annotated[int, typer.Option(help="Page size (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Entries to skip.")] = 0,
) -> None:
    """The endpoint's delivery log, newest first."""
    state = CliState.of(ctx)

    async def work() -> Page[DeliveryAttempt]:
        actor = await state.actor()
        return await state.container.list_webhook_deliveries().execute(
            actor, endpoint, offset=offset, limit=limit
        )

    page = state.run(work)
    rows = [attempt_json(attempt) for attempt in page.items]
    output.emit(state, representation.page(page, attempt_json), _table("Deliveries", rows))


@app.command()
def redeliver(
    ctx: typer.Context,
    endpoint: EndpointId,
    delivery: Annotated[UUID, typer.Argument(help="A delivery log entry's id.")],
) -> None:
    """Send a logged delivery's event again, now."""
    state = CliState.of(ctx)

    async def work() -> DeliveryAttempt:
        actor = await state.actor()
        return await state.container.redeliver_webhook().execute(actor, endpoint, delivery)

    attempt = state.run(work)
    text = f"Redelivered: {attempt.outcome} (HTTP {attempt.status_code or '-'})"
    output.emit(state, attempt_json(attempt), output.message(text))
