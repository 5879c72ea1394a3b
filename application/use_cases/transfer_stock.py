from dataclasses import dataclass

from application.actors import acting
from application.commands import TransferStockCommand
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
from application.use_cases._locations import load_locations_in_order
from application.use_cases._lookup import load_item
from domain.ids import ledger_id
from domain.items import Item, StockMovement
from domain.users import Permission


@dataclass(frozen=True, slots=True)
class Transfer:
    """The item after a transfer and its two movements (out of the source, into the target)."""

    item: Item
    outgoing: StockMovement
    incoming: StockMovement
    #: True when this is the recorded result of an earlier request with the same key.
    replayed: bool = False


def _decode(data: list[object]) -> Transfer:
    outgoing, incoming = decode_movement(data[1]), decode_movement(data[2])  # type: ignore[arg-type]
    assert outgoing is not None
    assert incoming is not None
    return Transfer(decode_item(data[0]), outgoing, incoming, True)  # type: ignore[arg-type]


TRANSFER_CODEC: Codec[Transfer] = Codec(
    encode=lambda t: [
        encode_item(t.item),
        encode_movement(t.outgoing),
        encode_movement(t.incoming),
    ],
    decode=_decode,
)


class TransferStock:
    """Moves units of one item between two locations, atomically: two movements sharing one
    ``transfer_id``. The locations are read (shared) in id order, then the item is loaded for
    update, so concurrent transfers and movements of the item apply one after the other and
    exactly those that fit succeed."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, idempotency: IdempotencyPolicy = DEFAULT_POLICY
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.idempotency = idempotency

    async def execute(self, cmd: TransferStockCommand) -> Transfer:
        async with self.uow:
            actor = await acting(cmd.actor, self.uow.users)
            actor.require(Permission.ADJUST_STOCK)
            now = self.clock.now()
            keyed = Idempotent(
                self.uow, actor, cmd.idempotency_key, "transfer", cmd, TRANSFER_CODEC
            )
            if (replayed := await keyed.replay(now, self.idempotency)) is not None:
                return replayed
            source, target = await load_locations_in_order(
                self.uow, [cmd.from_location, cmd.to_location]
            )
            item = await load_item(self.uow, cmd.item, for_update=True)
            await expire_overdue(self.uow, item, now=now)
            outgoing, incoming = item.transfer(
                cmd.quantity,
                source=source,
                target=target,
                transfer_id=ledger_id(),
                at=now,
                by=actor.user_id,
                note=cmd.note,
                reference=cmd.reference,
            )
            await self.uow.items.save(item)
            transfer = Transfer(item=item, outgoing=outgoing, incoming=incoming)
            await keyed.record(transfer)
            await self.uow.commit()
        return transfer
