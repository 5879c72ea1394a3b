"""Properties of the value objects, checked on many generated values."""

import contextlib
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.users import Username, validate_new_password
from domain.values import MAX_MONEY, MAX_TAX_RATE, Money, Sku, TaxRate, clean_text

SKU_SHAPE = re.compile(r"[A-Z0-9._-]{1,64}")


def cents(maximum: Decimal) -> st.SearchStrategy[Decimal]:
    """Exact amounts with at most two decimal places, from 0 to ``maximum``."""
    return st.integers(min_value=0, max_value=int(maximum * 100)).map(
        lambda n: Decimal(n).scaleb(-2)
    )


def round_half_up_to_cent(exact: Fraction) -> Fraction:
    """Reference rounding in rational arithmetic (no Decimal context involved)."""
    scaled = exact * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


@given(amount=cents(MAX_MONEY))
def test_money_keeps_exact_amounts(amount: Decimal) -> None:
    for raw in (amount, str(amount), format(amount, "f")):
        money = Money.parse(raw)
        assert money.amount == amount
        assert money.amount.as_tuple().exponent == -2
        assert Decimal(str(money)) == amount


@given(amount=cents(MAX_MONEY), rate=cents(MAX_TAX_RATE))
@example(amount=Decimal("0.05"), rate=Decimal("10"))
@example(amount=Decimal("0.15"), rate=Decimal("10"))
@example(amount=MAX_MONEY, rate=MAX_TAX_RATE)
def test_price_with_tax_is_the_exact_product_rounded_half_up(
    amount: Decimal, rate: Decimal
) -> None:
    gross = Money.parse(amount).with_tax(TaxRate.parse(rate)).amount
    exact = Fraction(amount) * (100 + Fraction(rate)) / 100
    assert Fraction(gross) == round_half_up_to_cent(exact)
    assert gross >= amount
    assert gross.as_tuple().exponent == -2
    assert abs(Fraction(gross) - exact) <= Fraction(1, 200)


@given(
    whole=st.integers(min_value=0, max_value=10**6),
    fraction=st.integers(min_value=1, max_value=10**30),
    places=st.integers(min_value=3, max_value=40),
)
def test_more_than_two_decimal_places_are_refused(whole: int, fraction: int, places: int) -> None:
    digits = str(fraction).rjust(places, "0")[-places:]
    if int(digits[2:] or "0") == 0:
        return  # only trailing zeros after the cents: a legal amount
    raw = f"{whole}.{digits}"
    with pytest.raises(InvalidValue, match="at most 2 decimal places"):
        Money.parse(raw)
    with pytest.raises(InvalidValue, match="at most"):
        TaxRate.parse(raw)


@given(st.one_of(st.text(), st.floats(), st.integers(), st.decimals()))
def test_money_parse_never_fails_with_anything_but_invalid_value(raw: object) -> None:
    try:
        money = Money.parse(raw)  # type: ignore[arg-type]
    except InvalidValue:
        return
    assert 0 <= money.amount <= MAX_MONEY
    assert money.amount.as_tuple().exponent == -2
    assert not money.amount.is_signed()


@given(st.text(max_size=80))
@example("  ab-c.1_  ")
@example("\u017f")  # the long s upper-cases to "S"
@example("ß")
def test_sku_normalisation(raw: str) -> None:
    try:
        sku = Sku.parse(raw)
    except InvalidValue:
        return
    assert SKU_SHAPE.fullmatch(sku.value)
    assert sku.value == raw.strip().upper()
    assert Sku.parse(sku.value) == sku
    assert Sku.parse(sku.value.lower()) == sku
    assert Sku.parse(f"  {sku.value}\n") == sku


@given(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True))
def test_every_well_formed_sku_is_accepted(raw: str) -> None:
    assert Sku.parse(raw).value == raw.upper()


@given(st.text())
@example("\ud800 surrogate")
@example("\x00")
def test_text_and_password_rules_fail_only_with_invalid_value(raw: str) -> None:
    for check in (
        lambda: clean_text("name", raw, max_length=50),
        lambda: validate_new_password(raw),
        lambda: Username.parse(raw),
    ):
        with contextlib.suppress(InvalidValue):
            check()
