"""Locations: where stock is held (a warehouse, an aisle, a bin, a van), as a tree.

A location's ``code`` is normalised like a SKU and unique. Locations form a tree through their
optional parent, with no cycles and at most ``MAX_DEPTH`` levels. An inactive location accepts
no new stock but can still be emptied; a location that holds stock, or has children, cannot be
deleted (it can be deactivated).

The default location ``MAIN`` exists from the migration onwards and is where requests that name
no location go, so it can be neither deactivated nor deleted: today's clients rely on it.
"""

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self
from uuid import UUID, uuid4

from domain.errors import (
    DefaultLocationRequired,
    InvalidValue,
    LocationInactive,
    LocationNotEmpty,
)
from domain.events import DomainEvent, LocationChanged
from domain.values import clean_text, normalised_code
from domain.versions import check_version

#: The default location's fixed id and code (created by migration 0004 and by the memory store).
MAIN_LOCATION_ID = UUID("00000000-0000-4000-8000-000000000001")
MAIN_LOCATION_CODE = "MAIN"
#: Levels of the tree: a root is at depth 1 (warehouse → aisle → shelf → bin ... up to 8).
MAX_DEPTH = 8
LOCATION_NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class LocationCode:
    """A location's code: trimmed, upper-cased, 1-64 letters, digits, ``-``, ``_`` or ``.``."""

    value: str

    @classmethod
    def parse(cls, raw: "str | LocationCode") -> Self:
        if isinstance(raw, LocationCode):
            return cls(raw.value)
        return cls(normalised_code("code", raw))

    def __str__(self) -> str:
        return self.value


def check_placement(location_id: UUID, parent_chain: Sequence[UUID], subtree_height: int) -> None:
    """Whether a location (whose own subtree is ``subtree_height`` levels tall, 1 for a leaf)
    may hang under the parent whose chain up to the root is ``parent_chain`` (the parent first).

    Refuses a cycle (the location would be its own ancestor) and a tree deeper than
    ``MAX_DEPTH``."""
    if location_id in parent_chain:
        raise InvalidValue("parent_id", "a location cannot be placed under itself or its children")
    if len(parent_chain) + subtree_height > MAX_DEPTH:
        raise InvalidValue("parent_id", f"locations nest at most {MAX_DEPTH} levels deep")


@dataclass(eq=False)
class Location:
    id: UUID
    code: LocationCode
    name: str
    created_at: datetime
    updated_at: datetime
    parent_id: UUID | None = None
    active: bool = True
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        code: str,
        name: str,
        parent_chain: Sequence[UUID] = (),
        at: datetime,
        by: UUID | None,
        location_id: UUID | None = None,
    ) -> "Location":
        """A new, active location; ``parent_chain`` is its parent's chain up to the root."""
        location = cls(
            id=location_id or uuid4(),
            code=LocationCode.parse(code),
            name=clean_text("name", name, max_length=LOCATION_NAME_MAX),
            parent_id=parent_chain[0] if parent_chain else None,
            created_at=at,
            updated_at=at,
        )
        check_placement(location.id, parent_chain, 1)
        location._announce("created", at, by)
        return location

    @property
    def is_default(self) -> bool:
        return self.id == MAIN_LOCATION_ID

    def check_version(self, expected: int | Set[int] | None) -> None:
        """Optimistic locking (``domain.versions.check_version``)."""
        check_version("location", self.version, expected)

    def check_receives(self) -> None:
        """Stock may only go into an active location."""
        if not self.active:
            raise LocationInactive(self.code.value)

    def rename(self, *, code: str | None, name: str | None) -> tuple[str, ...]:
        changed: list[str] = []
        if code is not None and (new_code := LocationCode.parse(code)) != self.code:
            if self.is_default:
                raise DefaultLocationRequired("renamed")
            self.code = new_code
            changed.append("code")
        if name is not None:
            new_name = clean_text("name", name, max_length=LOCATION_NAME_MAX)
            if new_name != self.name:
                self.name = new_name
                changed.append("name")
        return tuple(changed)

    def move_under(self, parent_chain: Sequence[UUID], subtree_height: int) -> tuple[str, ...]:
        """Re-parent (an empty chain makes it a root)."""
        parent_id = parent_chain[0] if parent_chain else None
        if parent_id == self.parent_id:
            return ()
        check_placement(self.id, parent_chain, subtree_height)
        self.parent_id = parent_id
        return ("parent_id",)

    def set_active(self, active: bool) -> tuple[str, ...]:
        if not isinstance(active, bool):
            raise InvalidValue("active", "must be true or false")
        if active == self.active:
            return ()
        if not active and self.is_default:
            raise DefaultLocationRequired("deactivated")
        self.active = active
        return ("active",)

    def changed(self, fields: tuple[str, ...], *, at: datetime, by: UUID | None) -> None:
        """Bump the version and announce the change, when there was one."""
        if not fields:
            return
        self.version += 1
        self.updated_at = max(at, self.updated_at)
        self._announce("updated", at, by, fields)

    def check_deletable(self, *, holds_stock: bool, has_children: bool) -> None:
        if self.is_default:
            raise DefaultLocationRequired("deleted")
        if holds_stock or has_children:
            raise LocationNotEmpty(
                self.code.value, "it holds stock" if holds_stock else "it has child locations"
            )

    def mark_deleted(self, *, at: datetime, by: UUID | None) -> None:
        self._announce("deleted", at, by)

    def _announce(
        self, change: str, at: datetime, by: UUID | None, fields: tuple[str, ...] = ()
    ) -> None:
        self.events.append(
            LocationChanged(
                occurred_at=at,
                actor_id=by,
                location_id=self.id,
                code=self.code.value,
                version=self.version,
                change=change,
                changed=fields,
            )
        )
