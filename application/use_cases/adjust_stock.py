from dataclasses import dataclass

from application.actors import acting
from application.commands import AdjustStockCommand
from application.idempotency import (
    DEFAULT_POLICY,
    Codec,
    IdempotencyPolicy,
    Idempotent,
    decode_item,
    decode_movement,
    encode_item,
    encode_movement,
)
from application.ports import Clock, UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._locations import load_location
from application.use_cases._lookup import load_item
from domain.items import Item, StockMovement
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class StockChange:
    """The item after the change and the movement recorded (None when a count changed nothing)."""

    item: Item
    movement: StockMovement | None
    #: True when this is the recorded result of an earlier request with the same key.
    replayed: bool = False


CHANGE_CODEC: Codec[StockChange] = Codec(
    encode=lambda change: [encode_item(change.item), encode_movement(change.movement)],
    decode=lambda data: StockChange(decode_item(data[0]), decode_movement(data[1]), True),
)


class AdjustStock:
    """Records one stock movement. The item is loaded for update, so concurrent adjustments are
    applied one after the other and exactly those that fit succeed."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, idempotency: IdempotencyPolicy = DEFAULT_POLICY
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.idempotency = idempotency

    async def execute(self, cmd: AdjustStockCommand) -> StockChange:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            now = self.clock.now()
            keyed = Idempotent(self.uow, actor, cmd.idempotency_key, "adjust", cmd, CHANGE_CODEC)
            if (replayed := await keyed.replay(now, self.idempotency)) is not None:
                return replayed
            location = (
                None
                if cmd.location is None
                else await load_location(self.uow, cmd.location, for_share=True)
            )
            item = await load_item(self.uow, cmd.item, for_update=True)
            item.check_version(cmd.expected_version)
            await expire_overdue(self.uow, item, now=now)
            movement = item.adjust(
                cmd.delta,
                cmd.reason,
                at=now,
                by=actor.user_id,
                note=cmd.note,
                reference=cmd.reference,
                location=location,
            )
            await self.uow.items.save(item)
            change = StockChange(item=item, movement=movement)
            await keyed.record(change)
            await self.uow.commit()
        return change
