"""The hot routes (and the CLI's ``--json``) render read models with orjson instead of building
the pydantic models that document them in OpenAPI: the bytes must be the models' own, field for
field, in order."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from application.history import LocationQuantity
from application.ports import Page
from application.use_cases import ItemStockAsOf, StockChange, Transfer
from application.views import ItemView, StockLevelView, UserView
from domain.items import Item, ItemDetails, ItemImage, MovementReason
from domain.locations import LocationCode
from domain.users import Role, User, Username
from domain.values import Sku
from entrypoints import representation as render
from entrypoints.rest import render as rest_render
from entrypoints.rest.location_schemas import StockLevelOut, TransferCreated
from entrypoints.rest.schemas import (
    CountOut,
    ItemOut,
    MovementOut,
    PageOut,
    StockChangeOut,
    UserOut,
)

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def an_item(price: Decimal, tax: Decimal | None, at: datetime, quantity: int) -> Item:
    details = ItemDetails.parse(
        sku="R-1", name="Rîch", unit_price=price, tax_rate=tax, description="d", reorder_level=2
    )
    return Item.create(details, quantity=quantity, at=at, by=None)


@given(
    price=st.decimals(min_value=0, max_value=10**6, places=2),
    tax=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    at=moments,
    quantity=st.integers(min_value=0, max_value=10**6),
    image=st.booleans(),
)
def test_an_item_renders_as_its_model(
    price: Decimal, tax: Decimal | None, at: datetime, quantity: int, image: bool
) -> None:
    item = an_item(price, tax, at, quantity)
    if image:
        item.image = ItemImage(key="k.png", content_type="image/png", size=3, sha256="ab" * 32)
    for value in (item, ItemView.of(item)):
        assert render.json_bytes(render.item(value)) == ItemOut.of(value).model_dump_json().encode()


@given(at=moments, quantity=st.integers(min_value=1, max_value=10**6))
def test_a_stock_change_and_a_page_render_as_their_models(at: datetime, quantity: int) -> None:
    item = an_item(Decimal("1.50"), None, at, quantity)
    movement = item.new_movements[0]
    change = StockChange(item=item, movement=movement)
    assert (
        render.json_bytes(render.stock_change(change))
        == StockChangeOut.of(change).model_dump_json().encode()
    )
    for counted in (change, StockChange(item=item, movement=None)):
        assert render.json_bytes(render.stock_change(counted)) == (
            CountOut.of(counted).model_dump_json().encode()
        )
    page = Page(items=[movement], total=7, offset=3, limit=1)
    expected = PageOut[MovementOut].of(page, [MovementOut.of(movement)])
    assert render.json_bytes(render.page(page, render.movement)) == (
        expected.model_dump_json().encode()
    )


@given(
    at=moments,
    quantity=st.integers(min_value=1, max_value=10**6),
    note=st.sampled_from([None, 'Zoë "Z" moved it']),
    actor=st.sampled_from([None, uuid4()]),
)
def test_a_transfer_renders_as_its_model(
    at: datetime, quantity: int, note: str | None, actor: UUID | None
) -> None:
    item = an_item(Decimal("1.50"), Decimal("7.70"), at, quantity)
    made = item.new_movements[0]
    moved = {"transfer_id": uuid4(), "actor_id": actor, "note": note, "reference": "T-1"}
    outgoing = replace(made, id=uuid4(), delta=-quantity, reason=MovementReason.TRANSFER_OUT)
    outgoing = replace(outgoing, location_id=uuid4(), **moved)
    incoming = replace(made, id=uuid4(), delta=quantity, reason=MovementReason.TRANSFER_IN)
    incoming = replace(incoming, location_id=uuid4(), **moved)
    done = Transfer(item=item, outgoing=outgoing, incoming=incoming)
    assert render.json_bytes(rest_render.transfer_created(done)) == (
        TransferCreated.of(done).model_dump_json().encode()
    )


@given(
    at=moments,
    role=st.sampled_from(Role),
    email=st.sampled_from([None, "zoe@example.com"]),
    full_name=st.sampled_from([None, 'Zoë "Z" Ünal']),
)
def test_a_user_renders_as_its_model(
    at: datetime, role: Role, email: str | None, full_name: str | None
) -> None:
    user = User.register(
        username=Username.parse("zoe.u"),
        password_hash="x",
        role=role,
        at=at,
        email=email,
        full_name=full_name,
    )
    for value in (user, UserView.of(user)):
        assert render.json_bytes(render.user(value)) == UserOut.of(value).model_dump_json().encode()


@given(
    quantities=st.lists(st.integers(min_value=0, max_value=10**6), min_size=0, max_size=4),
    reorder=st.integers(min_value=0, max_value=10**6),
    deleted=st.booleans(),
)
def test_stock_now_and_as_of_render_as_their_models(
    quantities: list[int], reorder: int, deleted: bool
) -> None:
    """Both answers of ``GET /items/{id}/stock``: now (stock levels) and ``as_of`` (where the
    item held some then; a location deleted since shows its id as its code)."""
    item_id = uuid4()
    levels = [
        StockLevelView(
            item_id=item_id,
            sku=Sku("R-1"),
            name='Rîch "R"',
            location_id=uuid4(),
            location_code=LocationCode(f"L-{n}"),
            quantity=quantity,
            reorder_level=reorder,
        )
        for n, quantity in enumerate(quantities)
    ]
    as_list = TypeAdapter(list[StockLevelOut])
    assert render.json_bytes([render.stock_level(level) for level in levels]) == (
        as_list.dump_json([StockLevelOut.of(level) for level in levels])
    )
    places = tuple(
        LocationQuantity(level.location_id, None if deleted else level.location_code.value, n)
        for level, n in zip(levels, quantities, strict=True)
    )
    then = ItemStockAsOf(
        item_id=item_id,
        sku="R-1",
        name='Rîch "R"',
        reorder_level=reorder,
        as_of=datetime(2026, 3, 31, tzinfo=UTC),
        quantity=sum(quantities),
        locations=places,
    )
    expected = [
        StockLevelOut(
            item_id=item_id,
            sku="R-1",
            name='Rîch "R"',
            location_id=place.location_id,
            location_code=place.location_code or str(place.location_id),
            quantity=place.quantity,
            reorder_level=reorder,
            low_stock=place.quantity <= reorder,
        )
        for place in places
        if place.quantity
    ]
    assert render.json_bytes(render.stock_as_of(then)) == as_list.dump_json(expected)


class DriverUuid(UUID):
    """Like asyncpg's UUID type: a subclass, which orjson does not write by itself."""


def test_ids_of_a_uuid_subclass_are_written_like_any_uuid() -> None:
    plain = uuid4()
    assert render.json_bytes({"id": DriverUuid(int=plain.int)}) == render.json_bytes({"id": plain})
    assert render.json_bytes([DriverUuid(int=plain.int)]) == f'["{plain}"]'.encode()
