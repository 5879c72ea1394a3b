"""The reservation entity and the item's holds: rules, and properties of what is held."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InsufficientStock, InvalidValue, ReservationClosed
from domain.events import ReservationExpired, ReservationFulfilled, ReservationUpdated
from domain.items import Item, ItemDetails
from domain.locations import MAIN_LOCATION_ID
from domain.reservations import Reservation, ReservationStatus, check_expiry, parse_ttl

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)


def held(quantity: int = 3, ttl: timedelta = timedelta(minutes=5)) -> Reservation:
    return Reservation.create(
        item_id=uuid4(),
        location_id=MAIN_LOCATION_ID,
        quantity=quantity,
        reference=" SO-1 ",
        ttl=ttl,
        at=T0,
        by=None,
    )


def stocked(quantity: int) -> Item:
    details = ItemDetails.parse(sku="W-1", name="Widget", unit_price="1.00", reorder_level=2)
    return Item.create(details, quantity=quantity, at=T0, by=None)


@pytest.mark.parametrize("seconds", [60, 3600, 30 * 86400])
def test_ttls_from_a_minute_to_thirty_days(seconds: int) -> None:
    assert parse_ttl(seconds) == timedelta(seconds=seconds)


@pytest.mark.parametrize("seconds", [0, 59, 30 * 86400 + 1, True])
def test_other_ttls_are_refused(seconds: int) -> None:
    with pytest.raises(InvalidValue, match="ttl_seconds"):
        parse_ttl(seconds)


def test_a_new_expiry_is_checked_like_a_ttl() -> None:
    assert check_expiry(T0 + timedelta(days=1), now=T0) == T0 + timedelta(days=1)
    for bad in (T0 + timedelta(seconds=30), T0 + timedelta(days=31), datetime(2026, 2, 1)):
        with pytest.raises(InvalidValue, match="expires_at"):
            check_expiry(bad, now=T0)


def test_a_hold_lives_until_its_expiry_then_only_expires() -> None:
    reservation = held()
    assert reservation.reference == "SO-1"
    assert reservation.holds(T0 + timedelta(minutes=4, seconds=59))
    later = T0 + timedelta(minutes=5)
    assert not reservation.holds(later)
    assert reservation.overdue(later)
    with pytest.raises(ReservationClosed, match="expired"):
        reservation.fulfil(None, at=later, by=None)
    with pytest.raises(ReservationClosed):
        held().expire(at=T0)  # not overdue yet
    reservation.expire(at=later)
    assert (reservation.status, reservation.version) == (ReservationStatus.EXPIRED, 2)
    assert isinstance(reservation.events[-1], ReservationExpired)
    with pytest.raises(ReservationClosed, match="expired"):
        reservation.release(at=later, by=None)


def test_fulfil_sells_at_most_what_is_held() -> None:
    reservation = held(3)
    with pytest.raises(InvalidValue):
        reservation.fulfil(4, at=T0, by=None)
    assert reservation.fulfil(2, at=T0, by=None) == 2
    event = reservation.events[-1]
    assert isinstance(event, ReservationFulfilled)
    assert (event.fulfilled, event.quantity) == (2, 3)


def test_unchanged_expiry_and_no_change_announce_nothing() -> None:
    reservation = held()
    assert not reservation.extend_to(reservation.expires_at, now=T0)
    reservation.changed((), at=T0, by=None)
    assert reservation.version == 1
    assert reservation.extend_to(T0 + timedelta(hours=2), now=T0)
    reservation.changed(("expires_at",), at=T0, by=None)
    assert isinstance(reservation.events[-1], ReservationUpdated)
    assert reservation.version == 2


def test_holding_names_what_is_available_and_announces_low_availability() -> None:
    item = stocked(5)
    item.events.clear()
    item.hold(3, location=None, until=LATER, at=T0, by=None)
    assert (item.held, item.available, item.reserved_at(MAIN_LOCATION_ID)) == (3, 2, 3)
    assert [e.name for e in item.events] == ["stock.low"]
    with pytest.raises(InsufficientStock) as refused:
        item.hold(3, location=None, until=LATER, at=T0, by=None)
    assert (refused.value.available, refused.value.requested) == (2, 3)
    with pytest.raises(InvalidValue):
        item.unhold(4, location_id=MAIN_LOCATION_ID, at=T0)


@given(
    stock=st.integers(0, 50),
    steps=st.lists(st.tuples(st.sampled_from(["hold", "sell", "free"]), st.integers(1, 20))),
)
def test_what_is_held_never_exceeds_what_is_on_hand(
    stock: int, steps: list[tuple[str, int]]
) -> None:
    item = stocked(stock)
    for action, quantity in steps:
        try:
            if action == "hold":
                item.hold(quantity, location=None, until=LATER, at=T0, by=None)
            elif action == "sell":
                item.adjust(-quantity, "sold", at=T0, by=None)
            else:
                item.unhold(quantity, location_id=MAIN_LOCATION_ID, at=T0)
        except (InsufficientStock, InvalidValue):
            pass
        assert 0 <= item.reserved_at(MAIN_LOCATION_ID) <= item.quantity_at(MAIN_LOCATION_ID)
        assert item.held == item.reserved_at(MAIN_LOCATION_ID)
        assert item.available >= 0
