"""Errors to exit codes, in one place.

Every error code (domain and application) has its own exit code so scripts can branch on it;
the table is shown in ``inventory --help``. Anything a user typed wrong ends with one line on
stderr and no traceback; an unexpected error prints a short line and, with ``--debug``, the
traceback.
"""

import json
import traceback
from typing import Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from domain.errors import CodedError
from entrypoints.container import DatabaseNotReady
from entrypoints.settings import ENV_PREFIX, Settings

UNEXPECTED = 1
USAGE = 2  # Typer's own code for a bad command line
ROWS_REJECTED = 14
CONFIGURATION = 15
FILE_ERROR = 16
NOT_CONFIRMED = 22

#: Error code (domain and application) → exit code. Never renumber: scripts depend on these.
#: The CLI's own codes above (14-16, 22) share the number space: ``exit_code_table`` lists both.
EXIT_CODES: dict[str, int] = {
    "invalid_value": 3,
    "not_found": 4,
    "already_exists": 5,
    "insufficient_stock": 6,
    "version_mismatch": 7,
    "permission_denied": 8,
    "authentication_failed": 9,
    "conflict": 10,
    "too_many_attempts": 11,
    "unsupported_media": 12,
    "payload_too_large": 13,
    "store_busy": 17,
    "storage_unavailable": 18,
    "insufficient_storage": 19,
    "idempotency_key_reused": 20,
    "store_unavailable": 21,
    # Webhooks (issue 16); 22 is the CLI's own "not confirmed".
    "webhook_url_refused": 23,
    # Stock by location (issue 14): numbered from 40 to stay clear of other additions.
    "location_inactive": 40,
    "location_not_empty": 41,
    "default_location": 42,
    "stocktake_closed": 43,
    "stocktake_conflict": 44,
    # Reservations (issue 15): numbered from 50.
    "reservation_closed": 50,
    "reservation_conflict": 51,
    # History (issue 18): numbered from 60 to stay clear of other additions.
    "item_archived": 60,
    "item_not_archived": 61,
    "item_has_stock": 62,
}

_OTHER_CODES = {
    UNEXPECTED: "unexpected error (add --debug for the traceback)",
    USAGE: "usage error (bad command line)",
    ROWS_REJECTED: "items import: some rows were rejected (the others were imported)",
    CONFIGURATION: "configuration error (settings, storage, database URL)",
    FILE_ERROR: "a file could not be read or written",
    NOT_CONFIRMED: "not confirmed: a destructive command needs --yes when stdin is no terminal",
}


def exit_code_table() -> str:
    """The table for ``--help``."""
    codes = {code: name for name, code in EXIT_CODES.items()} | _OTHER_CODES
    lines = [f"{code:>3}  {codes[code]}" for code in sorted(codes)]
    return "Exit codes:\n\n\b\n  0  success\n" + "\n".join(f"{line}" for line in lines)


class ConfigurationError(Exception):
    """The service is configured in a way this command cannot work with."""


class NotConfirmed(Exception):
    """A destructive command was not confirmed: declined at the prompt, or run without --yes
    where there is no terminal to ask on."""


def report(message: str, *, code: str, json_output: bool) -> None:
    """One line on stderr: plain for people, a JSON object with ``--json``."""
    if json_output:
        typer.echo(json.dumps({"error": code, "message": message}), err=True)
    else:
        typer.echo(f"error: {message}", err=True)


def exit_for(error: BaseException, *, json_output: bool, debug: bool) -> typer.Exit:
    """Report ``error`` and return the ``typer.Exit`` that ends the command."""
    if isinstance(error, CodedError):
        report(error.message, code=error.code, json_output=json_output)
        return typer.Exit(EXIT_CODES.get(error.code, UNEXPECTED))
    if isinstance(error, ConfigurationError | ValidationError | DatabaseNotReady):
        message = _one_line(error)
        report(message, code="configuration", json_output=json_output)
        return typer.Exit(CONFIGURATION)
    if isinstance(error, NotConfirmed):
        report(str(error), code="not_confirmed", json_output=json_output)
        return typer.Exit(NOT_CONFIRMED)
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or _one_line(error)
        report(f"{error.filename}: {reason}", code="file_error", json_output=json_output)
        return typer.Exit(FILE_ERROR)
    hint = "" if debug else " (run with --debug for the traceback)"
    report(
        f"unexpected {type(error).__name__}: {_one_line(error)}{hint}",
        code="unexpected",
        json_output=json_output,
    )
    if debug:
        typer.echo(
            "".join(traceback.format_exception(type(error), error, error.__traceback__)),
            err=True,
        )
    return typer.Exit(UNEXPECTED)


def _one_line(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        problems = "; ".join(_problem(problem, error.title) for problem in error.errors())
        return f"invalid settings: {problems}"
    return " ".join(str(error).split()) or type(error).__name__


def _problem(problem: Any, model: str) -> str:
    """One problem, named as the operator wrote it: the environment variable for a setting."""
    message = str(problem["msg"]).removeprefix("Value error, ")
    location = [str(part) for part in problem["loc"]]
    if not location:  # a rule across settings: its message names the variables
        return message
    if model == Settings.__name__:
        return f"{ENV_PREFIX}{location[0].upper()}: {message}"
    return f"{'.'.join(location)}: {message}"


class InventoryGroup(TyperGroup):
    """The root command group: turns every exception escaping a command into an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own: usage errors (exit 2), explicit exits, Ctrl-C
        except Exception as error:
            json_output = bool(getattr(ctx.obj, "json_output", False))
            debug = bool(getattr(ctx.obj, "debug", False))
            raise exit_for(error, json_output=json_output, debug=debug) from None
