"""Value objects and the validation rules behind them.

Validation happens once, when a value object is built, so an ``Item`` can only ever hold
valid values; ``InvalidValue`` names the field and says what is wrong.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Self

from domain.errors import InvalidValue

#: Quantities are bounded so that every store (SQLite and PostgreSQL ``BIGINT``) can hold them
#: and so that a sum of deltas cannot overflow a 64-bit column.
MAX_QUANTITY = 1_000_000_000_000
MAX_MONEY = Decimal("999999999999.99")
MAX_TAX_RATE = Decimal("1000.00")
CENT = Decimal("0.01")
#: Amounts are bounded, so 40 digits make every computation on them exact, whatever context
#: the calling thread has set.
_EXACT = Context(prec=40)

#: What a caller may hand over as an exact amount; floats are refused on purpose.
DecimalInput = Decimal | int | str

#: Checked before upper-casing: ``str.upper`` turns some non-ASCII letters into ASCII ones
#: (the long s U+017F becomes "S", the ligature U+FB00 becomes "FF"): they must not sneak in.
_SKU = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _reject_control_characters(field: str, text: str) -> None:
    """NUL is refused by PostgreSQL text columns, and a lone surrogate (from a JSON ``\\ud800``
    escape or a CLI argument) cannot be encoded at all: both are bad input, not a crash later."""
    if "\x00" in text:
        raise InvalidValue(field, "must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(field, "must be valid Unicode text") from None


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only whitespace and Unicode format characters (category
    Cf: the zero-width space U+200B, the word joiner U+2060, the BOM U+FEFF, the soft hyphen,
    bidi controls...). A name made of those is as empty as one made of spaces, though
    ``str.strip`` keeps them. They are not removed from text that has something visible: a
    zero-width joiner inside an emoji sequence is part of it."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def clean_text(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Trim ``value`` and check its length; NUL characters are refused everywhere, and text that
    shows nothing (``is_blank``) counts as empty."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be text")
    _reject_control_characters(field, value)
    text = value.strip()
    if required and is_blank(text):
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return text


def optional_text(field: str, value: str | None, *, max_length: int) -> str | None:
    """Like ``clean_text`` but blank means absent."""
    if value is None:
        return None
    text = clean_text(field, value, max_length=max_length, required=False)
    return None if is_blank(text) else text


def bounded_int(field: str, value: int, *, minimum: int = 0, maximum: int = MAX_QUANTITY) -> int:
    # bool is an int in Python; a True quantity is a bug in the caller, not a quantity of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, "must be a whole number")
    if value < minimum:
        raise InvalidValue(field, f"must be at least {minimum}")
    if value > maximum:
        raise InvalidValue(field, f"must be at most {maximum}")
    return value


def normalised_code(field: str, raw: str) -> str:
    """A code people type and read back (a SKU, a location code): trimmed, upper-cased, 1-64
    letters, digits, ``-``, ``_`` or ``.``."""
    if not isinstance(raw, str):
        raise InvalidValue(field, "must be text")
    _reject_control_characters(field, raw)
    trimmed = raw.strip()
    if not trimmed:
        raise InvalidValue(field, "must not be empty")
    if not _SKU.fullmatch(trimmed):
        raise InvalidValue(field, "must be 1-64 characters of letters, digits, '-', '_' or '.'")
    return trimmed.upper()


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit: trimmed, upper-cased, 1-64 letters, digits, ``-``, ``_`` or ``.``."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> Self:
        return cls(normalised_code("sku", raw))

    def __str__(self) -> str:
        return self.value


def _to_decimal(field: str, raw: object) -> Decimal:
    if isinstance(raw, (bool, float)):
        # A float has already lost the exact amount the client meant.
        raise InvalidValue(field, "must be an exact decimal (a string or an integer), not a float")
    if not isinstance(raw, Decimal | int | str):
        raise InvalidValue(field, "must be a decimal number such as 12.50")
    try:
        amount = Decimal(raw) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidValue(field, "must be a decimal number such as 12.50") from None
    if not amount.is_finite():
        raise InvalidValue(field, "must be a finite number")
    return amount


def _two_places(field: str, amount: Decimal, maximum: Decimal) -> Decimal:
    if amount < 0:
        raise InvalidValue(field, "must not be negative")
    if amount > maximum:
        raise InvalidValue(field, f"must be at most {maximum}")
    # Decimal comparisons are exact, whereas ``normalize()`` rounds to the context's precision
    # (28 digits): it turned "1.0000000000000000000000000001" and "1e-999999999" into whole
    # numbers and let them through.
    cents = amount.quantize(CENT, context=_EXACT)
    if cents != amount:
        raise InvalidValue(field, "must have at most 2 decimal places")
    # Adding zero turns a negative zero ("-0") into a plain zero.
    return _EXACT.add(cents, Decimal(0))


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative amount with at most two decimal places. Never a float."""

    amount: Decimal

    @classmethod
    def parse(cls, raw: "DecimalInput | Money", field: str = "unit_price") -> "Money":
        if isinstance(raw, Money):
            return raw
        return cls(_two_places(field, _to_decimal(field, raw), MAX_MONEY))

    def with_tax(self, rate: "TaxRate | None") -> "Money":
        """The price including tax, rounded half-up to the cent as invoices do."""
        if rate is None:
            return self
        with localcontext(_EXACT):
            gross = self.amount * (Decimal(100) + rate.percent) / Decimal(100)
            return Money(gross.quantize(CENT, rounding=ROUND_HALF_UP))

    def __str__(self) -> str:
        return f"{self.amount:.2f}"


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A tax rate in percent (``20.00`` is 20 %), 0 to 1000 with at most two decimal places."""

    percent: Decimal

    @classmethod
    def parse(cls, raw: "DecimalInput | TaxRate", field: str = "tax_rate") -> "TaxRate":
        if isinstance(raw, TaxRate):
            return raw
        return cls(_two_places(field, _to_decimal(field, raw), MAX_TAX_RATE))

    def __str__(self) -> str:
        return f"{self.percent:.2f}"
