"""Stocktakes: counting many (item, location) lines and committing them in one unit of work.

A line remembers what the location held when it joined the session (``expected``) and that
stock's version. Counting records ``counted``; committing sets each counted line's stock to what
was counted, by a ``count`` movement of the difference. A line whose stock changed meanwhile
(its version moved on) is a conflict: it is never silently overwritten; the caller either
refuses the whole commit or skips those lines.
"""

from collections.abc import Iterable, Set
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from domain.errors import InvalidValue, StocktakeClosed, StocktakeConflicts
from domain.values import bounded_int

#: How many lines one stocktake may have (one unit of work commits them all).
MAX_LINES = 10_000

LineKey = tuple[UUID, UUID]


class StocktakeStatus(StrEnum):
    OPEN = "open"
    COMMITTED = "committed"


class LineStatus(StrEnum):
    PENDING = "pending"
    COUNTED = "counted"
    APPLIED = "applied"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class StocktakeLine:
    item_id: UUID
    location_id: UUID
    expected: int
    #: The version of the stock at (item, location) when the line joined the stocktake.
    version: int
    counted: int | None = None
    status: LineStatus = LineStatus.PENDING

    @property
    def key(self) -> LineKey:
        return (self.item_id, self.location_id)

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


@dataclass(eq=False)
class Stocktake:
    id: UUID
    location_id: UUID | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    status: StocktakeStatus = StocktakeStatus.OPEN
    committed_at: datetime | None = None
    lines: dict[LineKey, StocktakeLine] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        lines: Iterable[StocktakeLine],
        *,
        location_id: UUID | None,
        at: datetime,
        by: UUID | None,
    ) -> "Stocktake":
        stocktake = cls(
            id=uuid4(), location_id=location_id, created_by=by, created_at=at, updated_at=at
        )
        for line in lines:
            stocktake.add_line(line)
        return stocktake

    def _check_open(self) -> None:
        if self.status is not StocktakeStatus.OPEN:
            raise StocktakeClosed(self.id, self.status.value)

    def add_line(self, line: StocktakeLine) -> None:
        """A line joins once; adding it again keeps what it expected when it first joined."""
        self._check_open()
        if line.key in self.lines:
            return
        if len(self.lines) >= MAX_LINES:
            raise InvalidValue("lines", f"a stocktake has at most {MAX_LINES} lines")
        self.lines[line.key] = line

    def count(self, key: LineKey, counted: int, *, at: datetime) -> StocktakeLine:
        self._check_open()
        counted = bounded_int("counted", counted)
        line = self.lines.get(key)
        if line is None:
            raise InvalidValue(
                "lines", "the item is not counted at that location in this stocktake"
            )
        self.lines[key] = replace(line, counted=counted, status=LineStatus.COUNTED)
        self.updated_at = max(at, self.updated_at)
        return self.lines[key]

    def counted_lines(self) -> list[StocktakeLine]:
        return [line for line in self.lines.values() if line.counted is not None]

    def conflicts(self, versions: dict[LineKey, int]) -> set[LineKey]:
        """Counted lines whose stock version (``versions``, 0 where nothing was ever held) is
        no longer the one the line started from."""
        return {
            line.key for line in self.counted_lines() if versions.get(line.key, 0) != line.version
        }

    def commit(
        self, conflicts: Set[LineKey], *, skip_conflicts: bool, at: datetime
    ) -> list[StocktakeLine]:
        """Close the stocktake; returns the counted lines to apply. With conflicts, refuses
        (nothing changes) unless ``skip_conflicts``: then they are marked and left alone."""
        self._check_open()
        if conflicts and not skip_conflicts:
            raise StocktakeConflicts(len(conflicts))
        applied: list[StocktakeLine] = []
        for line in self.counted_lines():
            if line.key in conflicts:
                self.lines[line.key] = replace(line, status=LineStatus.CONFLICT)
            else:
                self.lines[line.key] = replace(line, status=LineStatus.APPLIED)
                applied.append(line)
        self.status = StocktakeStatus.COMMITTED
        self.committed_at = at
        self.updated_at = max(at, self.updated_at)
        return applied
