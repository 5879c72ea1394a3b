"""Locations (codes, the tree, the default location) and stock held per location."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import (
    DefaultLocationRequired,
    InsufficientStock,
    InvalidValue,
    LocationInactive,
    LocationNotEmpty,
    StocktakeClosed,
    StocktakeConflicts,
    VersionMismatch,
    VersionNotListed,
)
from domain.events import StockAdjusted, StockTransferred
from domain.items import Item, ItemDetails, MovementReason
from domain.locations import MAIN_LOCATION_ID, MAX_DEPTH, Location, LocationCode
from domain.stocktakes import MAX_LINES, LineStatus, Stocktake, StocktakeLine

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def location(code: str = "A-1", *, active: bool = True) -> Location:
    made = Location.create(code=code, name=f"Bin {code}", at=T0, by=None)
    made.active = active
    return made


def item(quantity: int = 0) -> Item:
    details = ItemDetails.parse(sku="w-1", name="Widget", unit_price="1")
    return Item.create(details, quantity=quantity, at=T0, by=None)


def test_codes_are_normalised_like_skus() -> None:
    assert LocationCode.parse("  a-1.b ").value == "A-1.B"
    with pytest.raises(InvalidValue, match="code"):
        LocationCode.parse("a b")
    with pytest.raises(InvalidValue, match="code"):
        LocationCode.parse("")


def test_the_tree_refuses_cycles_and_more_than_eight_levels() -> None:
    chain = [uuid4() for _ in range(MAX_DEPTH - 1)]
    Location.create(code="LEAF", name="Leaf", parent_chain=chain, at=T0, by=None)
    with pytest.raises(InvalidValue, match="8 levels"):
        Location.create(code="LEAF", name="Leaf", parent_chain=[uuid4(), *chain], at=T0, by=None)
    moved = location()
    with pytest.raises(InvalidValue, match="itself"):
        moved.move_under([uuid4(), moved.id], 1)
    with pytest.raises(InvalidValue, match="8 levels"):
        moved.move_under(chain[:-1], 3)
    assert moved.move_under(chain[:2], 2) == ("parent_id",)
    assert moved.parent_id == chain[0]


def test_the_default_location_stays_active_and_cannot_be_deleted() -> None:
    main = location("MAIN")
    main.id = MAIN_LOCATION_ID
    with pytest.raises(DefaultLocationRequired):
        main.set_active(False)
    with pytest.raises(DefaultLocationRequired):
        main.check_deletable(holds_stock=False, has_children=False)
    with pytest.raises(DefaultLocationRequired):
        main.rename(code="OTHER", name=None)


def test_a_location_with_stock_or_children_cannot_be_deleted() -> None:
    bin_ = location()
    for holds, children in ((True, False), (False, True)):
        with pytest.raises(LocationNotEmpty):
            bin_.check_deletable(holds_stock=holds, has_children=children)
    bin_.check_deletable(holds_stock=False, has_children=False)


def test_a_change_bumps_the_version_only_when_something_changed() -> None:
    bin_ = location()
    bin_.changed(bin_.rename(code="a-1", name="Bin A-1"), at=T0, by=None)
    assert bin_.version == 1
    bin_.changed(bin_.set_active(False), at=T0, by=None)
    assert (bin_.version, bin_.active) == (2, False)


def test_movements_name_their_location_and_the_total_is_the_sum() -> None:
    widget, bin_ = item(5), location()
    assert widget.quantity_at(MAIN_LOCATION_ID) == 5
    movement = widget.adjust(3, "received", at=T0, by=None, location=bin_)
    assert movement.location_id == bin_.id
    assert widget.quantity == 8
    assert sum(held.quantity for held in widget.stock.values()) == widget.quantity
    event = widget.events[-1]
    assert isinstance(event, StockAdjusted)
    assert (event.location_id, event.location_quantity, event.quantity) == (bin_.id, 3, 8)


def test_removing_more_than_a_location_holds_names_it_and_what_it_holds() -> None:
    widget, bin_ = item(5), location()
    widget.adjust(2, "received", at=T0, by=None, location=bin_)
    with pytest.raises(InsufficientStock) as refused:
        widget.adjust(-3, "sold", at=T0, by=None, location=bin_)
    assert refused.value.details == {
        "sku": "W-1",
        "available": 2,
        "requested": 3,
        "location": "A-1",
    }
    assert "only 2 at A-1" in str(refused.value)
    assert widget.quantity == 7


def test_a_client_that_uses_no_locations_sees_the_old_message() -> None:
    with pytest.raises(InsufficientStock, match="only 1 on hand"):
        item(1).adjust(-2, "sold", at=T0, by=None)


def test_an_inactive_location_takes_no_stock_but_can_be_emptied() -> None:
    widget, bin_ = item(), location()
    widget.adjust(4, "received", at=T0, by=None, location=bin_)
    bin_.active = False
    with pytest.raises(LocationInactive):
        widget.adjust(1, "received", at=T0, by=None, location=bin_)
    with pytest.raises(LocationInactive):
        widget.count(9, at=T0, by=None, location=bin_)
    widget.adjust(-1, "sold", at=T0, by=None, location=bin_)
    widget.count(0, at=T0, by=None, location=bin_)
    assert widget.quantity_at(bin_.id) == 0


def test_a_transfer_is_two_movements_sharing_one_id() -> None:
    widget, source, target = item(), location("A"), location("B")
    widget.adjust(5, "received", at=T0, by=None, location=source)
    transfer_id = uuid4()
    out, into = widget.transfer(
        3, source=source, target=target, transfer_id=transfer_id, at=T0, by=None
    )
    assert (out.reason, out.delta, out.location_id) == (MovementReason.TRANSFER_OUT, -3, source.id)
    assert (into.reason, into.delta, into.location_id) == (MovementReason.TRANSFER_IN, 3, target.id)
    assert out.transfer_id == into.transfer_id == transfer_id
    assert (widget.quantity, widget.quantity_at(source.id), widget.quantity_at(target.id)) == (
        5,
        2,
        3,
    )
    assert isinstance(widget.events[-1], StockTransferred)


@pytest.mark.parametrize(
    ("quantity", "same", "target_active", "error"),
    [
        (6, False, True, InsufficientStock),
        (0, False, True, InvalidValue),
        (1, True, True, InvalidValue),
        (1, False, False, LocationInactive),
    ],
)
def test_a_refused_transfer_changes_nothing(
    quantity: int, same: bool, target_active: bool, error: type[Exception]
) -> None:
    widget, source, target = item(), location("A"), location("B", active=target_active)
    widget.adjust(5, "received", at=T0, by=None, location=source)
    version, stock = widget.version, dict(widget.stock)
    with pytest.raises(error):
        widget.transfer(
            quantity,
            source=source,
            target=source if same else target,
            transfer_id=uuid4(),
            at=T0,
            by=None,
        )
    assert (widget.version, widget.stock) == (version, stock)


def test_transfer_reasons_cannot_be_given_to_a_movement() -> None:
    for reason in ("transfer_in", "transfer_out"):
        with pytest.raises(InvalidValue, match="transfer"):
            item(5).adjust(1, reason, at=T0, by=None)


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(-5, 5)), max_size=30))
def test_the_total_is_always_the_sum_over_locations(steps: list[tuple[int, int]]) -> None:
    widget, places = item(), [location("A"), location("B"), location("C")]
    for where, delta in steps:
        try:
            if delta > 0 and where == 2:
                widget.transfer(
                    delta, source=places[0], target=places[1], transfer_id=uuid4(), at=T0, by=None
                )
            elif delta:
                widget.adjust(delta, "correction", at=T0, by=None, location=places[where])
        except InsufficientStock:
            pass
        assert widget.quantity == sum(held.quantity for held in widget.stock.values())
        assert all(held.quantity >= 0 for held in widget.stock.values())


def test_a_stocktake_refuses_or_skips_conflicting_lines() -> None:
    a, b = (uuid4(), uuid4()), (uuid4(), uuid4())
    lines = [StocktakeLine(*a, expected=3, version=1), StocktakeLine(*b, expected=0, version=0)]
    take = Stocktake.open(lines, location_id=None, at=T0, by=None)
    assert take.count(a, 5, at=T0).difference == 2
    take.count(b, 1, at=T0)
    conflicts = take.conflicts({a: 2, b: 0})
    assert conflicts == {a}
    with pytest.raises(StocktakeConflicts):
        take.commit(conflicts, skip_conflicts=False, at=T0)
    applied = take.commit(conflicts, skip_conflicts=True, at=T0)
    assert [line.key for line in applied] == [b]
    assert take.lines[a].status is LineStatus.CONFLICT
    with pytest.raises(StocktakeClosed):
        take.count(b, 2, at=T0)


def test_a_location_checks_versions_like_an_item() -> None:
    bin_ = location()
    bin_.check_version(None)
    bin_.check_version(1)
    bin_.check_version(frozenset({1, 4}))
    with pytest.raises(VersionMismatch):
        bin_.check_version(2)
    with pytest.raises(VersionNotListed):
        bin_.check_version(frozenset())
    with pytest.raises(InvalidValue):
        bin_.check_version(True)


def test_renaming_and_reactivating() -> None:
    bin_ = location("A-1", active=False)
    assert bin_.rename(code=" b-2 ", name="Bin B-2") == ("code", "name")
    assert (str(bin_.code), LocationCode.parse(bin_.code)) == ("B-2", bin_.code)
    assert bin_.set_active(True) == ("active",)
    assert bin_.move_under([], 1) == ()
    with pytest.raises(InvalidValue, match="active"):
        bin_.set_active("yes")  # type: ignore[arg-type]
    bin_.check_receives()


def test_a_stocktake_refuses_lines_it_does_not_have_and_too_many() -> None:
    take = Stocktake.open([], location_id=None, at=T0, by=None)
    with pytest.raises(InvalidValue, match="not counted"):
        take.count((uuid4(), uuid4()), 1, at=T0)
    line = StocktakeLine(uuid4(), uuid4(), expected=1, version=1)
    take.add_line(line)
    take.add_line(StocktakeLine(line.item_id, line.location_id, expected=9, version=9))
    assert take.lines[line.key].expected == 1
    for _ in range(MAX_LINES - 1):
        take.add_line(StocktakeLine(uuid4(), uuid4(), expected=0, version=0))
    with pytest.raises(InvalidValue, match="at most"):
        take.add_line(StocktakeLine(uuid4(), uuid4(), expected=0, version=0))
