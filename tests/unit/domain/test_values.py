"""Value objects: every bad value is refused with ``InvalidValue`` naming the field."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.values import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_TAX_RATE,
    Money,
    Sku,
    TaxRate,
    bounded_int,
    clean_text,
    optional_text,
)

# -- Sku -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc-123", "ABC-123"),
        ("  widget.blue_2 \t", "WIDGET.BLUE_2"),
        ("a", "A"),
        ("x" * 64, "X" * 64),
        ("0", "0"),
        ("._-", "._-"),
    ],
)
def test_sku_is_trimmed_and_upper_cased(raw: str, expected: str) -> None:
    sku = Sku.parse(raw)
    assert sku.value == expected
    assert str(sku) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "x" * 65,
        "has space",
        "slash/no",
        "émile",
        "\u017fku",  # the long s upper-cases to an ASCII "S": still not an allowed character
        "ﬀ",  # a ligature that upper-cases to "FF"
        "abc\x00",
        "\ud800abc",
        "a+b",
        "tab\tinside",
    ],
)
def test_bad_skus_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Sku.parse(raw)
    assert caught.value.field == "sku"
    assert caught.value.code == "invalid_value"
    assert caught.value.message.startswith("sku: ")


@pytest.mark.parametrize("raw", [None, 12, b"ABC", ["ABC"]])
def test_sku_must_be_text(raw: object) -> None:
    with pytest.raises(InvalidValue, match="must be text"):
        Sku.parse(raw)  # type: ignore[arg-type]


def test_equal_skus_compare_equal() -> None:
    assert Sku.parse("abc") == Sku.parse(" ABC ")
    assert hash(Sku.parse("abc")) == hash(Sku("ABC"))


# -- Money and TaxRate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", Decimal("12.50")),
        ("12.50", Decimal("12.50")),
        ("12.500", Decimal("12.50")),  # trailing zeros are not extra precision
        (12, Decimal("12.00")),
        (Decimal("0.01"), Decimal("0.01")),
        ("0", Decimal("0.00")),
        ("1E+2", Decimal("100.00")),
        (" 3.10 ", Decimal("3.10")),
        (str(MAX_MONEY), MAX_MONEY),
    ],
)
def test_money_accepts_exact_amounts(raw: Decimal | int | str, expected: Decimal) -> None:
    money = Money.parse(raw)
    assert money.amount == expected
    assert money.amount.as_tuple().exponent == -2
    assert str(money) == f"{expected:.2f}"


@pytest.mark.parametrize("raw", ["-0", "-0.00", Decimal("-0"), "0E-10", "-0E+5"])
def test_negative_zero_becomes_plain_zero(raw: str | Decimal) -> None:
    money = Money.parse(raw)
    assert money.amount == 0
    assert not money.amount.is_signed()
    assert str(money) == "0.00"
    assert not TaxRate.parse(raw).percent.is_signed()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("1.234", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        (12.5, "not a float"),
        (0.1, "not a float"),
        (True, "not a float"),
        ("NaN", "finite"),
        ("sNaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("abc", "decimal number"),
        ("", "decimal number"),
        ("1,50", "decimal number"),
        (None, "decimal number"),
        ([1], "decimal number"),
        ("1e20", "at most"),
        ("1000000000000", "at most"),
        ("9" * 400, "at most"),
        ("1e999999999", "at most"),
        ("1e-999999999", "at most 2 decimal places"),
        # 29 significant digits: rounding to the default context would have hidden the cent
        ("1.0000000000000000000000000001", "at most 2 decimal places"),
        ("0." + "0" * 40 + "1", "at most 2 decimal places"),
    ],
)
def test_bad_prices_are_refused(raw: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason) as caught:
        Money.parse(raw)  # type: ignore[arg-type]
    assert caught.value.field == "unit_price"


def test_money_parse_names_the_field_and_passes_money_through() -> None:
    with pytest.raises(InvalidValue) as caught:
        Money.parse("-1", field="price")
    assert caught.value.field == "price"
    money = Money.parse("1")
    assert Money.parse(money) is money


@pytest.mark.parametrize("raw", ["20", "7.5", "0", str(MAX_TAX_RATE), 19])
def test_tax_rate_accepts_percentages(raw: str | int) -> None:
    assert TaxRate.parse(raw).percent == Decimal(raw).quantize(Decimal("0.01"))


@pytest.mark.parametrize("raw", ["-5", "1000.01", "7.125", 7.5, "nan"])
def test_bad_tax_rates_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        TaxRate.parse(raw)  # type: ignore[arg-type]
    assert caught.value.field == "tax_rate"


def test_tax_rate_str_and_pass_through() -> None:
    rate = TaxRate.parse("7.5")
    assert str(rate) == "7.50"
    assert TaxRate.parse(rate) is rate


@pytest.mark.parametrize(
    ("price", "rate", "expected"),
    [
        ("10.00", "20", "12.00"),
        ("0.05", "10", "0.06"),  # 0.055 rounds half up, not to even
        ("0.25", "10", "0.28"),  # 0.275 -> 0.28
        ("0.15", "10", "0.17"),  # 0.165 -> 0.17 (banker's rounding would give 0.16)
        ("1.00", "0", "1.00"),
        ("0.00", "20", "0.00"),
        ("19.99", "7.25", "21.44"),  # 21.439275
        (str(MAX_MONEY), str(MAX_TAX_RATE), "10999999999999.89"),
    ],
)
def test_price_with_tax_rounds_half_up(price: str, rate: str, expected: str) -> None:
    gross = Money.parse(price).with_tax(TaxRate.parse(rate))
    assert gross.amount == Decimal(expected)
    assert str(gross) == expected


def test_price_without_tax_is_the_price() -> None:
    money = Money.parse("3.30")
    assert money.with_tax(None) == money


# -- text and integers -------------------------------------------------------------------------


def test_clean_text_trims_and_limits() -> None:
    assert clean_text("name", "  Blue widget  ", max_length=20) == "Blue widget"
    assert clean_text("name", "x" * 20, max_length=20) == "x" * 20
    with pytest.raises(InvalidValue, match="at most 20 characters"):
        clean_text("name", "x" * 21, max_length=20)
    with pytest.raises(InvalidValue, match="must not be empty"):
        clean_text("name", " \n\t ", max_length=20)
    with pytest.raises(InvalidValue, match="must be text"):
        clean_text("name", 5, max_length=20)  # type: ignore[arg-type]


#: Invisible Unicode format characters (category Cf), alone and mixed with whitespace.
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark / zero-width no-break space
    "\u00ad",  # soft hyphen
    "\u200b\u2060\ufeff",
    " \u200b\t\u200e ",  # with spaces and a left-to-right mark
    "\U000e0020\U000e007f",  # tag characters, outside the BMP
]


@pytest.mark.parametrize("raw", INVISIBLE)
def test_text_of_only_format_characters_is_empty(raw: str) -> None:
    with pytest.raises(InvalidValue, match="must not be empty"):
        clean_text("name", raw, max_length=20)
    assert optional_text("description", raw, max_length=20) is None


_INVISIBLE_CHARACTERS = st.one_of(
    st.characters(categories=["Cf", "Zs", "Zl", "Zp"]),
    st.sampled_from("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"),
)


@given(st.text(_INVISIBLE_CHARACTERS))
def test_whitespace_and_format_characters_never_make_a_name(raw: str) -> None:
    with pytest.raises(InvalidValue, match="must not be empty"):
        clean_text("name", raw, max_length=10_000)


def test_format_characters_next_to_visible_text_are_kept() -> None:
    """Only the decision "is it empty" changes: a joiner inside an emoji sequence is content."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text("name", family, max_length=20) == family
    assert clean_text("name", " \u200bA ", max_length=20) == "\u200bA"
    assert optional_text("description", "\ufeffx", max_length=20) == "\ufeffx"


@pytest.mark.parametrize("raw", ["a\x00b", "\x00", "\ud800 lone surrogate"])
def test_clean_text_refuses_nul_and_unencodable_text(raw: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        clean_text("name", raw, max_length=200)
    assert caught.value.field == "name"
    with pytest.raises(InvalidValue):
        optional_text("description", raw, max_length=200)


def test_optional_text_treats_blank_as_absent() -> None:
    assert optional_text("description", None, max_length=10) is None
    assert optional_text("description", "   ", max_length=10) is None
    assert optional_text("description", " hi ", max_length=10) == "hi"
    with pytest.raises(InvalidValue, match="at most 10"):
        optional_text("description", "x" * 11, max_length=10)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (-1, "at least 0"),
        (MAX_QUANTITY + 1, "at most"),
        (True, "whole number"),
        (1.0, "whole number"),
        ("3", "whole number"),
        (None, "whole number"),
    ],
)
def test_bounded_int_refuses(raw: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        bounded_int("reorder_level", raw)  # type: ignore[arg-type]


def test_bounded_int_accepts_the_bounds() -> None:
    assert bounded_int("q", 0) == 0
    assert bounded_int("q", MAX_QUANTITY) == MAX_QUANTITY
    assert bounded_int("q", -5, minimum=-10) == -5
