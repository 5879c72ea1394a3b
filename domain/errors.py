"""One small hierarchy of domain errors.

Each error carries a stable machine ``code`` (adapters map it to an HTTP status or a CLI exit
code) and a ``message`` written for the person who caused it. Extra, structured facts go in
``details`` so an adapter can show them without parsing the message.
"""

from collections.abc import Mapping, Set
from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, Any] = details

    def __str__(self) -> str:
        return self.message


class InvalidValue(DomainError):
    """A value breaks a rule of the domain (a negative price, an empty name, a bad SKU...)."""

    code = "invalid_value"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field
        self.reason = message


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} was not found", kind=kind, key=str(key))


class AlreadyExists(DomainError):
    code = "already_exists"

    def __init__(self, kind: str, field: str, value: object) -> None:
        super().__init__(
            f"a {kind.lower()} with {field} {value!s} already exists",
            kind=kind,
            field=field,
            value=str(value),
        )


class InsufficientStock(DomainError):
    code = "insufficient_stock"

    def __init__(self, sku: str, available: int, requested: int) -> None:
        super().__init__(
            f"cannot remove {requested} of {sku}: only {available} on hand",
            sku=sku,
            available=available,
            requested=requested,
        )
        self.available = available
        self.requested = requested


class VersionMismatch(DomainError):
    """The caller changed an item based on a version that is no longer current."""

    code = "version_mismatch"

    def __init__(self, kind: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{kind} is at version {actual}, not {expected}: re-read it and try again",
            expected=expected,
            actual=actual,
        )
        self.expected = expected
        self.actual = actual


class PermissionDenied(DomainError):
    code = "permission_denied"

    def __init__(self, action: str, role: str) -> None:
        super().__init__(f"a {role} may not {action}", action=action, role=role)


class AuthenticationFailed(DomainError):
    """Deliberately vague: it never says whether the user exists or which check failed."""

    code = "authentication_failed"

    def __init__(self, message: str = "invalid credentials") -> None:
        super().__init__(message)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many failed attempts; try again in {retry_after_seconds} s",
            retry_after=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


class UnsupportedMedia(DomainError):
    code = "unsupported_media"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class PayloadTooLarge(DomainError):
    code = "payload_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes exceed the limit of {limit} bytes", limit=limit)
        self.limit = limit


class Conflict(DomainError):
    """A request that is well formed but clashes with the current state (not a duplicate)."""

    code = "conflict"


class StoreBusy(DomainError):
    """The store could not take the write in time (extreme load); retrying later will work.

    Not a rule of the domain but a promise to the caller: nothing was changed."""

    code = "store_busy"

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(
            f"the store is busy; nothing was changed, try again in {retry_after_seconds} s",
            retry_after=retry_after_seconds,
        )
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(DomainError):
    """An idempotency key sent again with a different request."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different request")


class VersionNotListed(DomainError):
    """None of the versions the caller would accept is the current one: an HTTP ``If-Match``
    list, where any tag may match. An empty list (only weak tags, or tags that are not ours)
    matches nothing. The same code as ``VersionMismatch``: to a client it is the same refusal."""

    code = "version_mismatch"

    def __init__(self, kind: str, listed: Set[int], actual: int) -> None:
        versions = " or ".join(str(version) for version in sorted(listed))
        super().__init__(
            f"{kind} is at version {actual}, not {versions or 'a version that was asked for'}:"
            " re-read it and try again",
            actual=actual,
        )
        self.listed = frozenset(listed)
        self.actual = actual


class StorageUnavailable(DomainError):
    """Files (item pictures) cannot be stored or read: the directory is read-only, missing or
    not ours to write. An operator has to fix it; nothing was changed. Not a rule of the domain
    but a promise to the caller, like ``StoreBusy``."""

    code = "storage_unavailable"

    def __init__(
        self, message: str = "the image storage is unavailable; nothing was changed"
    ) -> None:
        super().__init__(message)


class InsufficientStorage(DomainError):
    """The disk (or the quota) for pictures is full; nothing was changed."""

    code = "insufficient_storage"

    def __init__(self, message: str = "the image storage is full; nothing was changed") -> None:
        super().__init__(message)
