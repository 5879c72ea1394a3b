"""Structured logs: JSON lines in production, readable console lines in development.

One line per HTTP request (written by ``RequestContext``) with the request id, method, route
template, status, duration and user id. Request and response headers, bodies and query strings
are never logged (a WebSocket token travels in the query string), and a last processor blanks
any field whose name says it holds a secret.
"""

import json
import logging
import sys
import time
from collections.abc import MutableMapping
from contextlib import nullcontext
from typing import Any, TextIO

import orjson
import structlog
from starlette.types import Scope

from entrypoints.settings import Settings

#: The auth dependency stores the acting user's id here (``request.state.user_id = ...``).
USER_ID_STATE_KEY = "user_id"
SECRET_WORDS = ("password", "token", "secret", "authorization", "cookie", "api_key")
_HANDLER_NAME = "inventory-structured"

request_logger = structlog.stdlib.get_logger("inventory.request")
_REQUEST_LOGGER_NAME = "inventory.request"


class _JsonRequestLine:
    """The request line of JSON logs written straight to the handler's stream.

    Through structlog and the standard library, the line took five processors, a LogRecord, a
    formatter and a second processor chain: about a tenth of a cached GET's time. Its fields
    are fixed and none is named like a secret, so this writes the same JSON object (same keys,
    same timestamp format, context variables merged and redacted as the full chain would)
    under the handler's lock, serialised by orjson (compact separators) with the date and time
    formatted once per second. Errors and crashes still take the full path, with tracebacks.
    """

    def __init__(self, handler: logging.StreamHandler[TextIO]) -> None:
        self._handler = handler
        self._logger = logging.getLogger(_REQUEST_LOGGER_NAME)
        self._root = logging.getLogger()
        self._second = -1
        self._date_time = ""

    def enabled(self) -> bool:
        # Only while our handler is still the one installed (logging may be reconfigured).
        return self._logger.isEnabledFor(logging.INFO) and self._handler in self._root.handlers

    def timestamp(self) -> str:
        """What ``TimeStamper(fmt="iso", utc=True)`` writes, with the microseconds always."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._date_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._date_time}.{int((now - second) * 1_000_000):06d}Z"

    def write(self, fields: dict[str, Any]) -> None:
        context = structlog.contextvars.get_contextvars()
        line = {**context, **fields} if context else fields
        line["event"] = "request"
        line["logger"] = _REQUEST_LOGGER_NAME
        line["level"] = "info"
        line["timestamp"] = self.timestamp()
        handler = self._handler
        try:
            text = _json_line(_redacted(line) if context else line)
            with handler.lock or nullcontext():  # what handler.flush() would take once more
                stream = handler.stream
                stream.write(text)
                stream.flush()
        except Exception:  # noqa: S110 - a log line must never fail the request it describes
            # (the standard library's handlers swallow a closed or full stream the same way)
            pass


def _json_line(line: dict[str, Any]) -> str:
    try:
        return orjson.dumps(line, default=repr, option=_ORJSON_OPTIONS).decode() + "\n"
    except TypeError:  # what orjson refuses (an integer over 64 bits) the json module takes
        return json.dumps(line, default=repr) + "\n"


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


_fast_request_line: _JsonRequestLine | None = None


def redact_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Defence in depth: a field named like a secret never reaches the output, even nested."""
    redacted: MutableMapping[str, Any] = _redacted(event_dict)
    return redacted


def _redacted(value: Any) -> Any:
    if isinstance(value, MutableMapping):
        return {
            key: "[redacted]"
            if any(word in str(key).lower() for word in SECRET_WORDS)
            else _redacted(item)
            for key, item in value.items()
        }
    return value


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Route structlog and the standard library (uvicorn included) through one handler.

    Safe to call again (each uvicorn worker calls it from ``create_app``): it replaces only
    the handler it installed before.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: list[Any] = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
        if settings.json_logs
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.name = _HANDLER_NAME
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    global _fast_request_line
    _fast_request_line = _JsonRequestLine(handler) if settings.json_logs else None
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # Access logs and HTTP clients log whole URLs, query strings (tokens) included; our request
    # line replaces the access log.
    for name in ("uvicorn.access", "httpx", "httpx2", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def log_request(
    scope: Scope, status_code: int, started: float, request_id: str, *, exc_info: bool = False
) -> None:
    """The request line: errors and crashes through structlog (with the traceback), the rest
    straight to the handler when the logs are JSON."""
    route = scope.get("route")
    user_id = scope["state"].get(USER_ID_STATE_KEY)
    fields = {
        "request_id": request_id,
        "method": scope["method"],
        "route": getattr(route, "path", None),
        "path": scope["path"],
        "status": status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "user_id": None if user_id is None else str(user_id),
    }
    fast = _fast_request_line
    if fast is not None and status_code < 500 and not exc_info:
        if fast.enabled():
            fast.write(fields)
        return
    log = request_logger.error if status_code >= 500 else request_logger.info
    if exc_info:
        log("request", exc_info=True, **fields)
    else:
        log("request", **fields)
