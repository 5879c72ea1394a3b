"""Refusals that are not rules of the domain: who may log in, what the store and the image
store can take, and clashes a use case detects.

They share ``CodedError`` with the domain's errors, so the HTTP and CLI mappings treat both
alike, by their stable ``code``.
"""

from domain.errors import CodedError


class ApplicationError(CodedError):
    """A use case refused or could not serve a request, though no domain rule was broken."""

    code = "application_error"


class AuthenticationFailed(ApplicationError):
    """Deliberately vague: it never says whether the user exists or which check failed."""

    code = "authentication_failed"

    def __init__(self, message: str = "invalid credentials") -> None:
        super().__init__(message)


class TooManyAttempts(ApplicationError):
    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many failed attempts; try again in {retry_after_seconds} s",
            retry_after=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


class UnsupportedMedia(ApplicationError):
    code = "unsupported_media"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class PayloadTooLarge(ApplicationError):
    code = "payload_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes exceed the limit of {limit} bytes", limit=limit)
        self.limit = limit


class Conflict(ApplicationError):
    """A request that is well formed but clashes with the current state (not a duplicate):
    an idempotency key still being processed, the last admin's demotion."""

    code = "conflict"


class StoreBusy(ApplicationError):
    """The store could not take the write in time (extreme load); retrying later will work.

    Not a rule of the domain but a promise to the caller: nothing was changed."""

    code = "store_busy"

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(
            f"the store is busy; nothing was changed, try again in {retry_after_seconds} s",
            retry_after=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(ApplicationError):
    """An idempotency key sent again with a different request."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different request")


class StorageUnavailable(ApplicationError):
    """Files (item pictures) cannot be stored or read: the directory is read-only, missing or
    not ours to write. An operator has to fix it; nothing was changed. Not a rule of the domain
    but a promise to the caller, like ``StoreBusy``."""

    code = "storage_unavailable"

    def __init__(
        self, message: str = "the image storage is unavailable; nothing was changed"
    ) -> None:
        super().__init__(message)


class InsufficientStorage(ApplicationError):
    """The disk (or the quota) for pictures is full; nothing was changed."""

    code = "insufficient_storage"

    def __init__(self, message: str = "the image storage is full; nothing was changed") -> None:
        super().__init__(message)


class StoreUnavailable(ApplicationError):
    """The connection to the database was lost (the server restarted, an operator ended the
    session, the network failed) or none could be opened; retrying shortly will likely work.

    A read, and a write that lost its connection before committing, changed nothing: the server
    rolls back a transaction whose connection is gone. A write that lost it *while* committing
    may or may not have been applied (``outcome_unknown``): retried with the same
    Idempotency-Key it is applied at most once, and the recorded result is returned if it was."""

    code = "store_unavailable"

    def __init__(self, *, outcome_unknown: bool = False, retry_after_seconds: int = 1) -> None:
        if outcome_unknown:
            message = (
                "the connection to the database was lost while committing; the change may or"
                f" may not have been made: retry in {retry_after_seconds} s with the same"
                " Idempotency-Key"
            )
        else:
            message = (
                "the database is unavailable; nothing was changed, try again in"
                f" {retry_after_seconds} s"
            )
        super().__init__(message, retry_after=retry_after_seconds)
        self.outcome_unknown = outcome_unknown
        self.retry_after_seconds = retry_after_seconds


class UnsafeWebhookUrl(ApplicationError):
    """A webhook URL that leads to the service's own network (loopback, private, link-local,
    metadata addresses) and is not allowed by ``INVENTORY_WEBHOOK_ALLOWED_HOSTS`` (SSRF)."""

    code = "webhook_url_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"url: {reason}")
