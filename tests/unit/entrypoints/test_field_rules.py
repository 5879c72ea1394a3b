"""Rules live in one place (issue 13, point 10): every request field that repeats a domain rule
accepts exactly what the domain's parser accepts, and its documented pattern allows nothing the
domain refuses (exactly what it accepts, where a pattern can say it)."""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ConfigDict, TypeAdapter, ValidationError

from domain.errors import InvalidValue
from domain.items import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, REFERENCE_MAX
from domain.locations import LOCATION_NAME_MAX, LocationCode
from domain.users import Username as DomainUsername
from domain.users import parse_email, validate_new_password
from domain.values import MAX_QUANTITY, Money, TaxRate, bounded_int, clean_text, optional_text
from domain.values import Sku as DomainSku
from entrypoints.rest import fields
from entrypoints.rest.schemas import Delta, Quantity

STRICT = ConfigDict(strict=True)
#: Letters and digits, the punctuation the rules care about, what ``strip`` removes, format
#: characters (blank to the domain but kept by ``strip``), NUL, and text beyond ASCII.
#: The long s and the "ff" ligature upper-case to ASCII letters.
ALPHABET = st.sampled_from(
    [
        *"aZ09._-@+ !é\x00\t\n\x0b\x1c\x85\xa0\u2000\u3000\u200b\u2060\ufeff\u00ad\u0600",
        "\U0001f600",
        "\u017f",
        "\ufb00",
    ]
)


def texts(max_size: int) -> st.SearchStrategy[str]:
    short = st.text(ALPHABET, max_size=12)
    padded = st.builds(
        lambda pad, middle, end: pad + middle + end,
        st.text(st.sampled_from(" \t\u3000"), max_size=3),
        st.text(st.sampled_from("ab1"), min_size=max_size - 3, max_size=max_size + 1),
        st.text(st.sampled_from(" \n"), max_size=3),
    )
    return short | padded | st.text(ALPHABET, max_size=max_size + 2)


def domain_accepts(parse: Callable[[Any], object], value: object) -> bool:
    try:
        parse(value)
    except InvalidValue:
        return False
    return True


def refusals(field: Any, value: object) -> set[str]:
    """The kinds of error the request field gives ``value`` (none when it accepts it)."""
    try:
        TypeAdapter(field, config=STRICT).validate_python(value)
    except ValidationError as error:
        return {e["type"] for e in error.errors()}
    return set()


def schema_accepts(field: Any, value: object) -> bool:
    refused = refusals(field, value)
    # The domain's refusal, or a value that is not even text (or null, where that is allowed).
    assert refused <= {"invalid_value", "string_type", "none_required"}, refused
    return not refused


TEXT_RULES: list[tuple[str, Any, Callable[[Any], object], int]] = [
    ("sku", fields.Sku, DomainSku.parse, 64),
    ("name", fields.Name, lambda v: clean_text("name", v, max_length=NAME_MAX), NAME_MAX),
    (
        "description",
        fields.Description | None,
        lambda v: optional_text("description", v, max_length=DESCRIPTION_MAX),
        DESCRIPTION_MAX,
    ),
    ("note", fields.Note | None, lambda v: optional_text("note", v, max_length=NOTE_MAX), NOTE_MAX),
    (
        "reference",
        fields.Reference | None,
        lambda v: optional_text("reference", v, max_length=REFERENCE_MAX),
        REFERENCE_MAX,
    ),
    (
        "full_name",
        fields.FullName | None,
        lambda v: optional_text("full_name", v, max_length=200),
        200,
    ),
    ("location code", fields.LocationCode, LocationCode.parse, 64),
    (
        "location name",
        fields.LocationName,
        lambda v: clean_text("name", v, max_length=LOCATION_NAME_MAX),
        LOCATION_NAME_MAX,
    ),
    ("username", fields.Username, DomainUsername.parse, 64),
    ("email", fields.Email | None, parse_email, 254),
    ("password", fields.NewPassword, validate_new_password, 72),
]


@pytest.mark.parametrize(
    ("name", "field", "parse", "size"), TEXT_RULES, ids=[rule[0] for rule in TEXT_RULES]
)
@given(data=st.data())
def test_text_fields_accept_exactly_what_the_domain_accepts(
    name: str, field: Any, parse: Callable[[Any], object], size: int, data: st.DataObject
) -> None:
    value = data.draw(texts(size) | st.integers() | st.none(), label=name)
    assert schema_accepts(field, value) == domain_accepts(parse, value), repr(value)


AMOUNTS = (
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str)
    | st.decimals(min_value=-1, max_value=10**13, places=3)
    | st.integers(min_value=-5, max_value=10**13)
    | st.floats()
    | st.booleans()
    | st.text(st.sampled_from("0123456789.eE+- "), max_size=16)
)


@pytest.mark.parametrize(
    ("field", "parse"),
    [(fields.MoneyIn, Money.parse), (fields.TaxRateIn, TaxRate.parse)],
    ids=["money", "tax_rate"],
)
@given(value=AMOUNTS)
@example(value="1e3")
@example(value=" 12.5 ")
@example(value=12.5)
def test_amounts_accept_exactly_what_the_domain_accepts(
    field: Any, parse: Callable[[Any], object], value: object
) -> None:
    accepted = schema_accepts(field, value)
    assert accepted == domain_accepts(parse, value), repr(value)


#: Patterns that say exactly what the domain accepts.
EXACT_PATTERNS = [
    (fields.SKU_PATTERN, DomainSku.parse),
    (fields.USERNAME_PATTERN, DomainUsername.parse),
    (fields.EMAIL_PATTERN, lambda v: len(v) <= 254 and parse_email(v)),
]
#: Patterns that allow only what the domain accepts (the rest is in words, in the description).
SAFE_PATTERNS = [
    (fields.NEW_PASSWORD_PATTERN, validate_new_password),
    (fields.MONEY_PATTERN, Money.parse),
    (fields.PERCENT_PATTERN, TaxRate.parse),
    (fields.NOT_BLANK, lambda v: len(v) <= NAME_MAX and clean_text("name", v, max_length=NAME_MAX)),
]


@pytest.mark.parametrize(("pattern", "parse"), EXACT_PATTERNS)
@given(value=texts(70))
@example(value=" AB-1 ")
@example(value="\u200b")
def test_documented_patterns_say_what_the_domain_accepts(
    pattern: str, parse: Callable[[Any], object], value: str
) -> None:
    assert (re.fullmatch(pattern, value) is not None) == domain_accepts(parse, value), repr(value)


@pytest.mark.parametrize(("pattern", "parse"), SAFE_PATTERNS)
@given(value=texts(72) | st.from_regex(r"[0-9]{1,13}(\.[0-9]{1,3})?", fullmatch=True))
def test_documented_patterns_promise_nothing_the_domain_refuses(
    pattern: str, parse: Callable[[Any], object], value: str
) -> None:
    if re.fullmatch(pattern, value):
        assert domain_accepts(parse, value), repr(value)


def test_any_eighteen_characters_fit_in_a_password() -> None:
    assert validate_new_password("\U0001f600" * 18)
    assert re.fullmatch(fields.NEW_PASSWORD_PATTERN, "\U0001f600" * 18)
    assert not re.fullmatch(fields.NEW_PASSWORD_PATTERN, "\U0001f600" * 19)
    assert re.fullmatch(fields.NEW_PASSWORD_PATTERN, "a" * 72)


def test_a_refusal_is_the_domains_sentence() -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(fields.Sku, config=STRICT).validate_python("A B")
    assert refused.value.errors()[0]["msg"] == (
        "must be 1-64 characters of letters, digits, '-', '_' or '.'"
    )
    assert TypeAdapter(fields.MoneyIn).validate_python(Decimal("1.50")) == Decimal("1.50")


def _delta(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise InvalidValue("delta", "must be a whole number other than zero")
    bounded_int("delta", abs(value))


NUMBERS = (
    st.integers(min_value=-(10**13), max_value=10**13)
    | st.sampled_from([0, MAX_QUANTITY, MAX_QUANTITY + 1, -MAX_QUANTITY, -MAX_QUANTITY - 1])
    | st.decimals(min_value=-10, max_value=10, places=1)
    | st.floats(min_value=-10, max_value=10)
    | st.booleans()
    | st.text(st.sampled_from("05-"), max_size=3)
)


@pytest.mark.parametrize(
    ("field", "parse"),
    [(Quantity, lambda v: bounded_int("quantity", v)), (Delta, _delta)],
    ids=["quantity", "delta"],
)
@given(value=NUMBERS)
def test_whole_numbers_accept_exactly_what_the_domain_accepts(
    field: Any, parse: Callable[[Any], object], value: object
) -> None:
    """Integers are bounded in the schema itself (JSON Schema can say it all), with the domain's
    bounds: ``bounded_int`` for quantities, and ``Item.adjust``'s rule for deltas."""
    accepted = not refusals(field, value)
    assert accepted == domain_accepts(parse, value), repr(value)
