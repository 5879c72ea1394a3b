"""The ports of webhooks (issue 16): endpoints and their delivery log in the store, the HTTP
sender, the SSRF guard and the secret generator."""

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.ports import Page
from domain.webhooks import DeliveryAttempt, WebhookEndpoint


class WebhookRepository(Protocol):
    """Endpoints, in a unit of work (admin changes and the dispatcher's delivery state)."""

    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    async def list(self) -> list[WebhookEndpoint]:
        """Every endpoint, oldest first (there are few)."""

    async def save(self, endpoint: WebhookEndpoint) -> None: ...

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        """Its delivery log goes with it."""

    async def log(self, attempt: DeliveryAttempt) -> None:
        """Append a line to the endpoint's delivery log."""

    async def attempts(
        self, endpoint_id: UUID, *, offset: int, limit: int
    ) -> Page[DeliveryAttempt]:
        """The endpoint's delivery log, newest first."""

    async def attempt(self, endpoint_id: UUID, attempt_id: UUID) -> DeliveryAttempt | None: ...


class EndpointClaim(Protocol):
    """One relay's turn at one endpoint: the endpoint's state when the turn began, and the way
    to record what the turn's one delivery did."""

    @property
    def endpoint(self) -> WebhookEndpoint: ...

    async def record(
        self, outcome: Callable[[WebhookEndpoint], DeliveryAttempt]
    ) -> WebhookEndpoint | None:
        """Apply ``outcome`` to the endpoint's current state (an admin may have changed its URL
        or paused it meanwhile), save it, log the attempt ``outcome`` returns, and commit; the
        saved endpoint. None, with nothing recorded, when the endpoint was deleted or another
        relay moved its position since the turn began."""


class WebhookClaims(Protocol):
    """Who may deliver to an endpoint now: at most one relay, for one event at a time.

    Relay leadership alone does not ensure it. A PostgreSQL leader that lost its advisory lock
    notices only at its next check, and meanwhile the new leader delivers too: without a claim,
    the old leader's slow send of event N could reach the receiver after the new leader's N+1.
    """

    def claim(self, endpoint_id: UUID) -> AbstractAsyncContextManager[EndpointClaim | None]:
        """The endpoint's turn, held until the block ends; None when the endpoint is gone or
        another relay holds its turn (there is nothing to do with it now, either way)."""


@dataclass(frozen=True, slots=True)
class SentRequest:
    status_code: int | None
    """None when no response came (refused, timed out)."""
    latency_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SentRequest:
        """POST ``body``; never raises for the receiver's failures (they are the result)."""


class UrlGuard(Protocol):
    """Refuses URLs that lead inside the service's own network (SSRF)."""

    async def check(self, url: str) -> None:
        """Raises ``UnsafeWebhookUrl`` unless every address the host resolves to is public or
        allowed by configuration."""


class SecretGenerator(Protocol):
    def new_secret(self) -> str:
        """``whsec_`` + base64 of at least 24 random bytes."""
