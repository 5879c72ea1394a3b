"""Stocktakes over REST: open a session, record counts, commit it, read it back."""

from uuid import UUID

from application.actors import Actor, acting
from application.commands import (
    CommitStocktakeCommand,
    CountLinesCommand,
    LineCount,
    LocationKey,
    OpenStocktakeCommand,
)
from application.ports import Clock, QuerySession, UnitOfWork
from application.use_cases._locations import load_location
from application.use_cases._stocktaking import (
    StocktakeReport,
    count_lines,
    held_lines,
    line_for,
    settle,
)
from domain.errors import InvalidValue, NotFound
from domain.stocktakes import Stocktake
from domain.users import Permission


async def _load(uow: UnitOfWork, stocktake_id: UUID) -> Stocktake:
    found = await uow.stocktakes.get(stocktake_id, for_update=True)
    if found is None:
        raise NotFound("stocktake", stocktake_id)
    return found


class OpenStocktake:
    """A session counting every item held at a location, and/or the lines given."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: OpenStocktakeCommand) -> Stocktake:
        if cmd.location is None and not cmd.lines:
            raise InvalidValue("location_id", "name a location or the lines to count")
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            lines = []
            location_id = None
            if cmd.location is not None:
                location_id = (await load_location(self.uow, cmd.location)).id
                lines = await held_lines(self.uow, location_id)
            for item, where in cmd.lines:
                lines.append(await line_for(self.uow, item, where))
            stocktake = Stocktake.open(
                lines, location_id=location_id, at=self.clock.now(), by=actor.user_id
            )
            await self.uow.stocktakes.add(stocktake)
            await self.uow.commit()
        return stocktake


class CountStocktake:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: CountLinesCommand) -> Stocktake:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            stocktake = await _load(self.uow, cmd.stocktake_id)
            await count_lines(self.uow, stocktake, cmd.counts, self.clock.now())
            await self.uow.stocktakes.save(stocktake)
            await self.uow.commit()
        return stocktake


class CommitStocktake:
    """Sets each counted line's stock to what was counted. Lines whose stock changed since they
    joined are conflicts: the commit is refused (``StocktakeConflicts``, nothing changes), or
    with ``skip_conflicts`` those lines are marked and left alone."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, cmd: CommitStocktakeCommand) -> StocktakeReport:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            stocktake = await _load(self.uow, cmd.stocktake_id)
            report = await settle(
                self.uow,
                stocktake,
                skip_conflicts=cmd.skip_conflicts,
                at=self.clock.now(),
                by=actor.user_id,
            )
            await self.uow.stocktakes.save(stocktake)
            await self.uow.commit()
        return report


class TakeStock:
    """The CLI's stocktake of one location in one unit of work: open, count, commit. A dry run
    reports the differences (and conflicts) and changes nothing."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(
        self,
        actor: Actor,
        location: LocationKey,
        counts: tuple[LineCount, ...],
        *,
        dry_run: bool = False,
        skip_conflicts: bool = False,
    ) -> StocktakeReport:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            principal.require(Permission.ADJUST_STOCK)
            now = self.clock.now()
            found = await load_location(self.uow, location)
            stocktake = Stocktake.open(
                await held_lines(self.uow, found.id),
                location_id=found.id,
                at=now,
                by=principal.user_id,
            )
            await count_lines(self.uow, stocktake, counts, now)
            if dry_run:
                return StocktakeReport(stocktake)
            report = await settle(
                self.uow, stocktake, skip_conflicts=skip_conflicts, at=now, by=principal.user_id
            )
            await self.uow.stocktakes.add(stocktake)
            await self.uow.commit()
        return report


class GetStocktake:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, stocktake_id: UUID) -> Stocktake:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await session.stocktakes.get(stocktake_id)
        if found is None:
            raise NotFound("stocktake", stocktake_id)
        return found


__all__ = [
    "CommitStocktake",
    "CountStocktake",
    "GetStocktake",
    "OpenStocktake",
    "StocktakeReport",
    "TakeStock",
]
