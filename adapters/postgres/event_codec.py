"""Domain events to and from the text of a PostgreSQL notification.

Events travel as ``event.payload()`` (the same JSON view the WebSocket sends) inside a small
envelope naming the process that committed the change. The receiving side rebuilds the very
domain event class from the payload, so listeners (the WebSocket route calls ``event.payload()``
and may test ``isinstance``) cannot tell a remote event from a local one.
"""

import json
import logging
import os
import socket
import types
import typing
import uuid
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.events import DomainEvent

#: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (default build).
MAX_PAYLOAD_BYTES = 7999

logger = logging.getLogger(__name__)


class PayloadTooLarge(ValueError):
    """An event does not fit in one notification; it is dropped rather than cut."""


class UndecodableEvent(ValueError):
    """A notification that is not an event of this version of the service."""


def process_origin() -> str:
    """Names a process in envelopes and in ``pg_stat_activity`` (host, pid, a random tag)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def encode(event: DomainEvent, origin: str) -> str:
    text = json.dumps(
        {"origin": origin, "event": event.payload()}, separators=(",", ":"), ensure_ascii=False
    )
    size = len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"{event.name} is {size} bytes, over the NOTIFY limit")
    return text


def decode(text: str) -> tuple[str, DomainEvent]:
    """The origin and the rebuilt event; ``UndecodableEvent`` for anything unexpected."""
    try:
        envelope = json.loads(text)
        origin, payload = envelope["origin"], dict(envelope["event"])
    except (ValueError, KeyError, TypeError) as error:
        raise UndecodableEvent(f"not an event envelope: {error!r}") from error
    return str(origin), rebuild(payload)


def rebuild(payload: dict[str, Any]) -> DomainEvent:
    """The domain event whose ``payload()`` is ``payload`` (an outbox row's JSON, for one);
    ``UndecodableEvent`` for anything unexpected."""
    payload = dict(payload)
    try:
        kind = payload.pop("type")
        cls = event_classes()[kind]
    except (KeyError, TypeError) as error:
        raise UndecodableEvent(f"not an event: {error!r}") from error
    hints = typing.get_type_hints(cls)
    try:
        values: dict[str, Any] = {
            f.name: _convert(hints[f.name], payload[f.name]) for f in fields(cls)
        }
        return cls(**values)
    except (ValueError, KeyError, TypeError, ArithmeticError) as error:
        raise UndecodableEvent(f"bad {kind} payload: {error!r}") from error


def event_classes() -> dict[str, type[DomainEvent]]:
    """Every concrete event class by its ``name``, found by walking the subclasses."""
    found: dict[str, type[DomainEvent]] = {}
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found[cls.name] = cls
        pending.extend(cls.__subclasses__())
    return found


def _convert(hint: Any, value: object) -> object:
    """Undo ``DomainEvent.payload()`` for one field, checking the JSON type on the way."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if value is None and len(options) < len(typing.get_args(hint)):
            return None
        if len(options) != 1:
            raise TypeError(f"unsupported union {hint}")
        return _convert(options[0], value)
    if typing.get_origin(hint) is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return tuple(_convert(item, element) for element in value)
    if hint in (UUID, datetime, Decimal):
        if not isinstance(value, str):
            raise TypeError(f"expected text for {hint.__name__}")
        return datetime.fromisoformat(value) if hint is datetime else hint(value)
    if hint in (int, str) and type(value) is hint:
        return value
    raise TypeError(f"expected {hint}, got {type(value).__name__}")
