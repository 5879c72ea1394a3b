"""Webhook endpoints: where an admin wants events POSTed, and how delivery to them is going.

An endpoint receives the events after the position it was created at, one at a time and in
order: a failing event holds back that endpoint's later events (not other endpoints'), and is
retried with growing pauses until ``RETRY_FOR`` has passed since its first failure; then it is
dead-lettered (logged, skipped) so the endpoint moves on. An endpoint whose deliveries all fail
for ``DISABLE_AFTER`` is switched off; an admin switches it on again once it is fixed.

Secrets follow the Standard Webhooks conventions (``whsec_`` + base64 of random bytes). Rotating
keeps the previous secret valid for an overlap, during which deliveries carry both signatures,
so receivers can switch at their own pace.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from domain.errors import InvalidValue

RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
FIRST_PAUSE = timedelta(seconds=5)
LONGEST_PAUSE = timedelta(hours=2)
MAX_URL_LENGTH = 2000
MAX_TYPES = 50


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    FAILING = "failing"
    DISABLED = "disabled"


def parse_url(raw: str) -> str:
    if not isinstance(raw, str) or not 0 < len(raw) <= MAX_URL_LENGTH:
        raise InvalidValue("url", f"must be an http(s) URL of at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidValue("url", "is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue("url", "must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise InvalidValue("url", "must not carry credentials")
    if port == 0:
        raise InvalidValue("url", "has no valid port")
    return raw


def parse_event_types(raw: object) -> frozenset[str]:
    """Empty means every event type."""
    if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
        raise InvalidValue("event_types", "must be a list of event types")
    if len(raw) > MAX_TYPES or any(not isinstance(t, str) or not 0 < len(t) <= 64 for t in raw):
        raise InvalidValue("event_types", f"at most {MAX_TYPES} types of 1 to 64 characters")
    return frozenset(raw)


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """The pause after the ``attempts``-th failure in a row: doubling from ``FIRST_PAUSE`` up to
    ``LONGEST_PAUSE``, with "full jitter" in its upper half so retries from many services do
    not arrive together."""
    ceiling: timedelta = min(FIRST_PAUSE * 2 ** min(max(attempts - 1, 0), 20), LONGEST_PAUSE)
    share = (rng or random).uniform(0.5, 1.0)
    return ceiling * share


@dataclass
class WebhookEndpoint:
    id: UUID
    url: str
    event_types: frozenset[str]
    secret: str
    created_at: datetime
    updated_at: datetime
    position: int
    """The last event position done with (delivered or dead-lettered)."""
    active: bool = True
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    attempts: int = 0
    """Failed attempts of the event after ``position``."""
    first_failure_at: datetime | None = None
    next_attempt_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_reason: str | None = None
    version: int = field(default=1)

    @classmethod
    def create(
        cls, *, url: str, event_types: object, secret: str, at: datetime, position: int
    ) -> "WebhookEndpoint":
        return cls(
            id=uuid4(),
            url=parse_url(url),
            event_types=parse_event_types(event_types),
            secret=secret,
            created_at=at,
            updated_at=at,
            position=position,
        )

    @property
    def status(self) -> EndpointStatus:
        if not self.active:
            return EndpointStatus.DISABLED
        return EndpointStatus.FAILING if self.failing_since else EndpointStatus.ACTIVE

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, now: datetime) -> list[str]:
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def due(self, now: datetime) -> bool:
        return self.active and (self.next_attempt_at is None or self.next_attempt_at <= now)

    def change(
        self, *, url: str | None, event_types: object | None, active: bool | None, at: datetime
    ) -> None:
        if url is not None:
            self.url = parse_url(url)
        if event_types is not None:
            self.event_types = parse_event_types(event_types)
        if active is not None:
            if active and not self.active:  # switched on again: a fresh start for the failures
                self.failing_since = self.first_failure_at = self.next_attempt_at = None
                self.attempts, self.disabled_reason = 0, None
            self.active = active
            if not active and self.disabled_reason is None:
                self.disabled_reason = "disabled by an admin"
        self._touch(at)

    def rotate_secret(self, new_secret: str, *, at: datetime, overlap: timedelta) -> None:
        self.previous_secret, self.secret = self.secret, new_secret
        self.previous_secret_expires_at = at + overlap
        self._touch(at)

    def delivered(self, position: int, *, at: datetime) -> None:
        self.position = position
        self.attempts, self.first_failure_at, self.next_attempt_at = 0, None, None
        self.failing_since = None

    def failed(self, *, at: datetime, pause: timedelta) -> bool:
        """Count a failed attempt of the event after ``position``; True when it is now
        dead-lettered (the caller moves ``position`` past it with ``skip``)."""
        self.attempts += 1
        self.first_failure_at = self.first_failure_at or at
        self.failing_since = self.failing_since or at
        if at - self.failing_since >= DISABLE_AFTER:
            self.active = False
            self.disabled_reason = f"every delivery failed since {self.failing_since.isoformat()}"
        if at - self.first_failure_at >= RETRY_FOR:
            return True
        self.next_attempt_at = at + pause
        return False

    def skip(self, position: int) -> None:
        """Dead-lettered: go on with the next event (the endpoint is still failing)."""
        self.position = position
        self.attempts, self.first_failure_at, self.next_attempt_at = 0, None, None

    def _touch(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One line of an endpoint's delivery log."""

    id: UUID
    endpoint_id: UUID
    position: int
    event_id: UUID
    event_type: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    outcome: str
    """``delivered``, ``failed`` (to be retried) or ``dead`` (given up); ``manual`` marks a
    redelivery an admin asked for."""
    error: str | None = None
    manual: bool = False
