"""Standard Webhooks signing (https://www.standardwebhooks.com): the headers of one delivery.

``webhook-signature`` is ``v1,`` + base64 of HMAC-SHA256 over ``<webhook-id>.<webhook-timestamp>.
<body>`` keyed with the secret's bytes (the base64 after ``whsec_``). Several signatures are
separated by spaces: during a secret rotation's overlap both secrets sign.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime

from application.outbox import StoredEvent

PREFIX = "whsec_"


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def delivery_body(event: StoredEvent) -> bytes:
    """The Standard Webhooks envelope: ``type``, ``timestamp`` and ``data`` (the stored JSON, as
    it is), with the event's ``position`` and ``event_id``."""
    envelope = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "position": event.position,
        "event_id": str(event.event_id),
    }
    head = json.dumps(envelope, separators=(",", ":"))[:-1]
    return f'{head},"data":{event.payload}}}'.encode()


def delivery_headers(
    event: StoredEvent, body: bytes, secrets: list[str], now: datetime
) -> dict[str, str]:
    """The message id is the event's id: the same on every retry, so receivers dedupe by it."""
    message_id = str(event.event_id)
    timestamp = int(now.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets),
    }
