"""Domain events back from their JSON (``DomainEvent.payload()``, as the outbox stores it).

The receiving side rebuilds the very domain event class from the payload, so code that tests
``isinstance`` or reads fields cannot tell a rebuilt event from the original (the use-case tests
read what the outbox holds this way). Also names a process in ``pg_stat_activity``.
"""

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

logger = logging.getLogger(__name__)


class UndecodableEvent(ValueError):
    """JSON that is not an event of this version of the service."""


def process_origin() -> str:
    """Names a process in envelopes and in ``pg_stat_activity`` (host, pid, a random tag)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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
    """Every concrete event class by its ``name``, found by walking the subclasses. A class with
    subclasses of its own (``ReservationEvent``) only shares fields and is never raised, so only
    the leaves count."""
    found: dict[str, type[DomainEvent]] = {}
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        children = cls.__subclasses__()
        if not children:
            found[cls.name] = cls
        pending.extend(children)
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
