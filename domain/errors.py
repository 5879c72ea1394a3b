"""The domain's errors, and the base every error with a stable code shares.

Each error carries a stable machine ``code`` (adapters map it to an HTTP status or a CLI exit
code) and a ``message`` written for the person who caused it. Extra, structured facts go in
``details`` so an adapter can show them without parsing the message.

Only broken rules of the domain live here; refusals that are not domain rules (a busy store,
a failed login, an upload of the wrong kind...) are in ``application.errors``. Both derive from
``CodedError``, so the entrypoints map every error by its code in one place.
"""

from collections.abc import Mapping, Set
from typing import Any, ClassVar


class CodedError(Exception):
    """An error a caller is told about by a stable ``code`` and a human ``message``."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, Any] = details

    def __str__(self) -> str:
        return self.message


class DomainError(CodedError):
    """A rule of the domain was broken."""

    code = "domain_error"


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


class ScopeMissing(PermissionDenied):
    """The user's role would allow it, but the API token acting for them has no scope that
    does. The same code as ``PermissionDenied``: to a client it is the same refusal."""

    def __init__(self, action: str, role: str) -> None:
        CodedError.__init__(
            self,
            f"this API token has no scope that allows it to {action}",
            action=action,
            role=role,
        )


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


class ItemArchived(DomainError):
    """An archived item keeps its history but takes no new changes until it is restored."""

    code = "item_archived"

    def __init__(self, sku: str) -> None:
        super().__init__(f"item {sku} is archived: restore it before changing it", sku=sku)


class ItemNotArchived(DomainError):
    """Restore brings back an archived item; an item in use has nothing to restore."""

    code = "item_not_archived"

    def __init__(self, sku: str) -> None:
        super().__init__(f"item {sku} is not archived", sku=sku)


class ItemHasStock(DomainError):
    """Purging an item with goods on hand would hide real goods from every report."""

    code = "item_has_stock"

    def __init__(self, sku: str, quantity: int) -> None:
        super().__init__(
            f"item {sku} still has {quantity} on hand: bring its stock to 0 before purging it",
            sku=sku,
            quantity=quantity,
        )
