"""Whatever a client sends, a use case answers with a result or a ``CodedError``: never a crash
(which would be a 500 over HTTP) and never a half-done change."""

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.commands import (
    UNSET,
    AdjustStockCommand,
    CountStockCommand,
    CreateItemCommand,
    LoginCommand,
    RegisterUserCommand,
    UpdateItemCommand,
)
from application.ports import ItemQuery
from domain.errors import CodedError
from domain.users import Principal, Role
from entrypoints.container import Container

T = TypeVar("T")
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
ADMIN = Principal(user_id=uuid4(), username="fuzzer", role=Role.ADMIN)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True),
    st.text(max_size=80),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=2),
)
texty = st.one_of(st.text(max_size=300), anything)


def run(coroutine: Coroutine[Any, Any, T]) -> T | None:
    """Runs one use case; a domain or application error is a fine answer, anything else fails
    the test."""
    with contextlib.suppress(CodedError):
        return asyncio.run(coroutine)
    return None


@pytest.fixture
def shared(container: Container) -> Container:
    """The test's container, shared by its examples (building one per example is slow)."""
    return container


def fresh(container: Container) -> Container:
    """Every example starts from an empty store."""
    container.memory_store.reset()
    return container


def ledger_is_consistent(container: Container) -> None:
    state = container.memory_store()
    for item_id, item in state.items.items():
        ledger = state.movements.get(item_id, [])
        assert item.quantity == sum(m.delta for m in ledger) >= 0


@FUZZ
@given(
    sku=texty,
    name=texty,
    price=anything,
    description=texty,
    tax=anything,
    quantity=anything,
    reorder=anything,
)
def test_create_item_with_anything(
    shared: Container,
    sku: Any,
    name: Any,
    price: Any,
    description: Any,
    tax: Any,
    quantity: Any,
    reorder: Any,
) -> None:
    container = fresh(shared)
    command = CreateItemCommand(
        actor=ADMIN,
        sku=sku,
        name=name,
        unit_price=price,
        description=description,
        tax_rate=tax,
        quantity=quantity,
        reorder_level=reorder,
    )
    created = run(container.create_item().execute(command))
    assert len(container.memory_store().items) == (0 if created is None else 1)
    ledger_is_consistent(container)


@FUZZ
@given(
    data=st.data(),
    key=st.one_of(st.just("item"), texty),
    delta=anything,
    reason=texty,
    quantity=anything,
    version=anything,
)
def test_stock_changes_with_anything(
    shared: Container,
    data: st.DataObject,
    key: Any,
    delta: Any,
    reason: Any,
    quantity: Any,
    version: Any,
) -> None:
    container = fresh(shared)
    item = asyncio.run(
        container.create_item().execute(
            CreateItemCommand(actor=ADMIN, sku="FUZZ", name="Fuzz", unit_price="1", quantity=5)
        )
    ).item
    target = item.id if key == "item" else key
    run(
        container.adjust_stock().execute(
            AdjustStockCommand(
                actor=ADMIN,
                item=target,
                delta=delta,
                reason=reason,
                note=data.draw(texty),
                reference=data.draw(texty),
                expected_version=version,
            )
        )
    )
    run(
        container.count_stock().execute(
            CountStockCommand(
                actor=ADMIN,
                item=target,
                quantity=quantity,
                note=data.draw(texty),
                expected_version=version,
            )
        )
    )
    patch = {
        field: data.draw(st.one_of(st.just(UNSET), texty))
        for field in (
            "sku",
            "name",
            "unit_price",
            "description",
            "tax_rate",
            "reorder_level",
            "quantity",
        )
    }
    run(
        container.update_item().execute(
            UpdateItemCommand(actor=ADMIN, item=target, expected_version=version, **patch)
        )
    )
    ledger_is_consistent(container)


@FUZZ
@given(
    offset=anything,
    limit=anything,
    search=texty,
    low=anything,
    sort=texty,
)
def test_listing_with_anything(
    shared: Container, offset: Any, limit: Any, search: Any, low: Any, sort: Any
) -> None:
    container = fresh(shared)
    query = ItemQuery(offset=offset, limit=limit, search=search, low_stock=low, sort=sort)
    run(container.list_items().execute(ADMIN, query))
    run(container.list_movements().execute(ADMIN, str(uuid4()), offset=offset, limit=limit))
    run(container.list_users().execute(ADMIN, offset=offset, limit=limit))


@FUZZ
@given(username=texty, password=texty, role=texty, email=texty, full_name=texty)
def test_users_with_anything(
    shared: Container, username: Any, password: Any, role: Any, email: Any, full_name: Any
) -> None:
    container = fresh(shared)
    command = RegisterUserCommand(
        actor=None,
        username=username,
        password=password,
        role=role,
        email=email,
        full_name=full_name,
    )
    registered = run(container.register_user().execute(command))
    assert len(container.memory_store().users) == (0 if registered is None else 1)
    run(container.authenticate().execute(LoginCommand(username=username, password=password)))
    run(container.resolve_principal().execute(password))
    run(container.get_user().execute(ADMIN, username))
