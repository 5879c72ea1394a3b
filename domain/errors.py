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
    """Removing more than is held: at a location (named, with what it holds there) or in all."""

    code = "insufficient_stock"

    def __init__(
        self, sku: str, available: int, requested: int, location: str | None = None
    ) -> None:
        where = "on hand" if location is None else f"at {location}"
        details: dict[str, object] = {"sku": sku, "available": available, "requested": requested}
        if location is not None:
            details["location"] = location
        super().__init__(f"cannot remove {requested} of {sku}: only {available} {where}", **details)
        self.available = available
        self.requested = requested
        self.location = location


class LocationInactive(DomainError):
    """An inactive location accepts no new stock (it can still be emptied)."""

    code = "location_inactive"

    def __init__(self, location: str) -> None:
        super().__init__(
            f"location {location} is inactive: it accepts no new stock", location=location
        )


class LocationNotEmpty(DomainError):
    """A location with stock or child locations cannot be deleted (it can be deactivated)."""

    code = "location_not_empty"

    def __init__(self, location: str, why: str) -> None:
        super().__init__(
            f"location {location} cannot be deleted: {why} (deactivate it instead)",
            location=location,
        )


class DefaultLocationRequired(DomainError):
    """The default location takes the stock of requests that name none: it stays."""

    code = "default_location"

    def __init__(self, action: str) -> None:
        super().__init__(
            f"the default location cannot be {action}: requests that name no location use it",
            action=action,
        )


class StocktakeClosed(DomainError):
    code = "stocktake_closed"

    def __init__(self, stocktake_id: object, status: str) -> None:
        super().__init__(
            f"stocktake {stocktake_id} is {status}: it takes no more changes", status=status
        )


class StocktakeConflicts(DomainError):
    """Some counted stock changed since the stocktake started; the caller chose to refuse."""

    code = "stocktake_conflict"

    def __init__(self, conflicts: int) -> None:
        super().__init__(
            f"{conflicts} line(s) changed since the stocktake started: re-count them, or"
            " commit with conflicts skipped",
            conflicts=conflicts,
        )


class ReservationClosed(DomainError):
    """A reservation that is no longer active (fulfilled, released or expired) holds nothing
    and takes no more changes."""

    code = "reservation_closed"

    def __init__(self, reservation_id: object, status: str) -> None:
        super().__init__(
            f"reservation {reservation_id} is {status}: it takes no more changes",
            status=status,
        )


class ReservationConflict(DomainError):
    """One reference holds an item once: asking again with another quantity is a conflict
    (the same quantity gets the existing hold back)."""

    code = "reservation_conflict"

    def __init__(self, reference: str, existing: int, requested: int) -> None:
        super().__init__(
            f"reference {reference} already holds {existing} of this item, not {requested}:"
            " change that reservation instead",
            reference=reference,
            existing=existing,
            requested=requested,
        )


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
