"""docs/events.md stays true: it names every event type, and its signature example verifies
what the service signs (and nothing else)."""

import re
import time
from pathlib import Path
from typing import Any

from adapters.postgres.event_codec import event_classes
from application.outbox import INTERNAL_TYPES
from application.webhook_signing import signature

DOC = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_every_event_type_is_documented() -> None:
    for name in event_classes():
        if name not in INTERNAL_TYPES:
            assert f"| `{name}` |" in DOC, name


def test_the_verification_example_accepts_our_signatures_only() -> None:
    (code,) = re.findall(r"```python\n(.*?)```", DOC, re.S)
    assert len([line for line in code.splitlines() if line.strip()]) <= 12
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the documentation's own example
    verify = namespace["verify"]
    body, now = b'{"type":"item.created"}', int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": "v1,bm90IGl0 " + signature(SECRET, "msg_1", now, body),
    }
    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body + b" ")
    assert not verify(SECRET, {**headers, "webhook-timestamp": str(now - 3600)}, body)
