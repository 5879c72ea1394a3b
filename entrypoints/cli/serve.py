"""``inventory serve``: the REST service under uvicorn.

uvicorn gets the app as an import string with ``factory=True``, because several workers and
``--reload`` start fresh processes that must build the app (and its container) themselves. The
factory (``entrypoints.server.worker``) adds what only a server process wants: the process tuning
and, in a worker, the watch that stops it when its supervisor dies. The HTTP protocol
(``entrypoints.server.deadlines``) closes connections of clients too slow to send a request.
"""

import os
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import typer

from entrypoints.cli.state import CliState
from entrypoints.container import prepare_storage

#: A string: the CLI does not import the REST app; uvicorn's workers do.
APP_FACTORY = "entrypoints.server.worker:create_served_app"
GRACEFUL_SHUTDOWN_SECONDS = 20

Server = Callable[..., Any]


def register(app: typer.Typer, server: Server) -> None:
    """Add ``serve`` to ``app``; ``server`` is ``uvicorn.run`` outside tests."""

    @app.command()
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
        workers: Annotated[
            int | None,
            typer.Option(min=1, max=64, help="Worker processes [default: INVENTORY_WORKERS, 1]."),
        ] = None,
        reload: Annotated[
            bool, typer.Option("--reload", help="Restart on code changes (development).")
        ] = False,
    ) -> None:
        """Run the REST API."""
        # Imported here: uvicorn is for this command only (the others start faster without).
        from entrypoints.server.deadlines import ClientDeadlines, protocol_with

        state = CliState.of(ctx)
        settings = state.container.settings()
        if workers is None:
            workers = settings.workers
        if reload and workers > 1:
            raise typer.BadParameter("--reload runs a single process; drop --workers")
        # Once, before any worker starts: a new embedded SQLite store gets its schema; a
        # database that is unreachable or behind its migrations is one clear line and exit
        # code 15 here, instead of a traceback from every uvicorn worker.
        if state.run(partial(prepare_storage, state.container), check_schema=False):
            where = state.container.database_display()
            typer.echo(f"created the schema of the new store {where}", err=True)
        if state.database_url is not None:
            # Workers are separate processes that read their settings from the environment.
            os.environ["INVENTORY_STORAGE"] = "sqlalchemy"
            os.environ["INVENTORY_DATABASE_URL"] = state.database_url
        server(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            # One structured line per request comes from our own middleware instead.
            access_log=False,
            # X-Forwarded-For is believed per INVENTORY_TRUSTED_PROXIES only (uvicorn's own
            # default trusts 127.0.0.1): the login route sees the real TCP peer.
            proxy_headers=False,
            # In-flight requests get this long to finish on SIGTERM before connections close.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            timeout_keep_alive=settings.keep_alive_timeout_seconds,
            http=protocol_with(
                ClientDeadlines(
                    header_seconds=settings.client_header_timeout_seconds,
                    body_seconds=settings.client_body_timeout_seconds,
                )
            ),
        )
