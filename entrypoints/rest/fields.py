"""The request fields that carry a domain value, checked by the domain's own rules.

A field that repeats a domain rule accepts exactly what the domain accepts (issue 13, point 10):
its validator *is* the domain's parser, whose refusal becomes the field's message, a sentence
("must not be empty"), never a raw regex. The value passes on as the client sent it, for the
domain to normalise (trim, upper-case) when the use case builds its value objects.

The JSON Schema of each field is documentation, written to describe the same rule: the patterns
of SKUs and usernames allow the surrounding whitespace the domain trims, so that what the schema
allows the service accepts (``tests/unit/entrypoints/test_field_rules.py`` holds them to that).
Patterns use the characters Python's ``str.strip`` removes, spelled out, because ``\\s`` means
less in the ECMAScript regexes of JSON Schema tools.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from domain.api_tokens import NAME_MAX_CHARS as TOKEN_NAME_MAX
from domain.errors import InvalidValue
from domain.items import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, REFERENCE_MAX
from domain.locations import LOCATION_NAME_MAX
from domain.locations import LocationCode as DomainLocationCode
from domain.users import PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS, parse_email, validate_new_password
from domain.users import Username as DomainUsername
from domain.values import DecimalInput, Money, TaxRate, clean_text, optional_text
from domain.values import Sku as DomainSku

#: Exactly what Python's ``str.strip()`` removes (``str.isspace``).
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: The Unicode format characters (category Cf, Unicode 14 as in Python 3.11), which the domain
#: counts as blank like whitespace (``domain.values.is_blank``); a test keeps the two in step.
#: Written into the pattern as the characters themselves (ranges of code points), since
#: escapes beyond ``\uFFFF`` differ between regex dialects.
FORMAT_CHARACTER_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
FORMAT = "".join(
    chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in FORMAT_CHARACTER_RANGES
)
NO_NUL = r"^[^\x00]*$"
#: At least one character that is neither NUL, whitespace nor a format character.
NOT_BLANK = rf"^[^\x00]*[^\x00{SPACE}{FORMAT}][^\x00]*$"
SKU_PATTERN = rf"^[{SPACE}]*[A-Za-z0-9._-]{{1,64}}[{SPACE}]*$"
USERNAME_PATTERN = rf"^[{SPACE}]*[A-Za-z0-9][A-Za-z0-9._@-]{{0,63}}[{SPACE}]*$"
_ADDRESS = rf"[^@\x00{SPACE}]+@[^@\x00{SPACE}]+\.[^@\x00{SPACE}]+"
#: An address with optional whitespace around it, or nothing visible (which means none).
EMAIL_PATTERN = rf"^(?:[{SPACE}]*{_ADDRESS}[{SPACE}]*|[{SPACE}{FORMAT}]*)$"
#: Any 18 characters fit in bcrypt's 72 bytes (4 bytes at most each), and so do 72 of ASCII;
#: between the two, the byte count decides (said in the description).
NEW_PASSWORD_PATTERN = (
    rf"^(?:[^\x00]{{{PASSWORD_MIN_CHARS},{PASSWORD_MAX_BYTES // 4}}}"
    rf"|[\x01-\x7f]{{{PASSWORD_MAX_BYTES // 4 + 1},{PASSWORD_MAX_BYTES}}})$"
)
MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
PERCENT_PATTERN = r"^(1000(\.00?)?|[0-9]{1,3}(\.[0-9]{1,2})?)$"


def refusal(error: InvalidValue) -> PydanticCustomError:
    """The domain's refusal as a validation error whose message is the domain's sentence."""
    return PydanticCustomError("invalid_value", "{reason}", {"reason": error.reason})


def domain_rule(check: Callable[[Any], object]) -> AfterValidator:
    """Validate with the domain's parser; the value itself passes on unchanged."""

    def validate(value: Any) -> Any:
        try:
            check(value)
        except InvalidValue as error:
            raise refusal(error) from None
        return value

    return AfterValidator(validate)


def documented(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


_TRIMMED = "Surrounding whitespace is trimmed."


def _code_doc(example: str) -> WithJsonSchema:
    """A code people type and read back (``domain.values.normalised_code``)."""
    return documented(
        {
            "pattern": SKU_PATTERN,
            "examples": [example],
            "description": f"1-64 letters, digits, '-', '_' or '.'; stored upper-cased. {_TRIMMED}",
        }
    )


def _name_rule(maximum: int) -> AfterValidator:
    return domain_rule(lambda value: clean_text("name", value, max_length=maximum))


def _name_doc(maximum: int, example: str) -> WithJsonSchema:
    return documented(
        {
            "pattern": NOT_BLANK,
            "maxLength": maximum,
            "examples": [example],
            "description": f"Not blank, at most {maximum} characters. {_TRIMMED}",
        }
    )


Sku = Annotated[str, domain_rule(DomainSku.parse), _code_doc("AB-12")]
Name = Annotated[str, _name_rule(NAME_MAX), _name_doc(NAME_MAX, "Blue widget")]
LocationCode = Annotated[str, domain_rule(DomainLocationCode.parse), _code_doc("WH-1")]
LocationName = Annotated[
    str, _name_rule(LOCATION_NAME_MAX), _name_doc(LOCATION_NAME_MAX, "Aisle 1")
]
TokenName = Annotated[str, _name_rule(TOKEN_NAME_MAX), _name_doc(TOKEN_NAME_MAX, "shop sync")]


def _optional_rule(field: str, maximum: int) -> AfterValidator:
    return domain_rule(lambda value: optional_text(field, value, max_length=maximum))


def _optional_doc(maximum: int, about: str = "") -> WithJsonSchema:
    return documented(
        {
            "pattern": NO_NUL,
            "maxLength": maximum,
            "description": f"{about}At most {maximum} characters; blank means none. {_TRIMMED}",
        }
    )


Description = Annotated[
    str, _optional_rule("description", DESCRIPTION_MAX), _optional_doc(DESCRIPTION_MAX)
]
Note = Annotated[str, _optional_rule("note", NOTE_MAX), _optional_doc(NOTE_MAX)]
Reference = Annotated[
    str,
    _optional_rule("reference", REFERENCE_MAX),
    _optional_doc(REFERENCE_MAX, "An order or document number. "),
]
FullName = Annotated[str, _optional_rule("full_name", 200), _optional_doc(200)]
Username = Annotated[
    str,
    domain_rule(DomainUsername.parse),
    documented(
        {
            "pattern": USERNAME_PATTERN,
            "examples": ["clara"],
            "description": "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter"
            f" or digit; unique regardless of case. {_TRIMMED}",
        }
    ),
]
Email = Annotated[
    str,
    domain_rule(parse_email),
    documented(
        {
            "pattern": EMAIL_PATTERN,
            "maxLength": 254,
            "examples": ["clara@example.org"],
            "description": f"An address such as name@example.org; blank means none. {_TRIMMED}",
        }
    ),
]
NewPassword = Annotated[
    str,
    domain_rule(validate_new_password),
    documented(
        {
            "pattern": NEW_PASSWORD_PATTERN,
            "format": "password",
            "description": f"At least {PASSWORD_MIN_CHARS} characters and at most"
            f" {PASSWORD_MAX_BYTES} bytes of UTF-8 (bcrypt's limit): up to"
            f" {PASSWORD_MAX_BYTES} characters of ASCII, or any {PASSWORD_MAX_BYTES // 4}"
            " characters (an 'é' takes 2 bytes, most emoji 4). Longer text in other scripts is"
            " accepted as long as it fits in the bytes.",
        }
    ),
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("invalid_value", "must not contain NUL characters")
    return value


#: A password typed to prove who one is: any text the client has (checked against the hash).
AnyPassword = Annotated[
    str,
    AfterValidator(_no_nul),
    WithJsonSchema({"type": "string", "maxLength": 1024, "format": "password"}),
]


def amount_rule(parse: Callable[[Any], object], example: str) -> PlainValidator:
    """An exact amount, checked by the domain. Documented as a decimal string; a JSON number is
    still read (exactly, from the request text: the body is parsed with ``parse_float=Decimal``)
    for clients that send one, but not advertised, so generated clients do not offer floats."""

    def validate(value: Any) -> DecimalInput:
        if not isinstance(value, Decimal | int | str) or isinstance(value, bool):
            raise PydanticCustomError(
                "invalid_value",
                "must be a decimal string such as '{example}'",
                {"example": example},
            )
        try:
            parse(value)
        except InvalidValue as error:
            raise refusal(error) from None
        return value

    return PlainValidator(validate, json_schema_input_type=str)


def amount_doc(pattern: str, example: str, about: str) -> WithJsonSchema:
    return documented(
        {
            "pattern": pattern,
            "maxLength": 15,
            "examples": [example],
            "description": f"{about} An exact amount with at most 2 decimals, written as a"
            f" decimal string such as '{example}'.",
        }
    )


MoneyIn = Annotated[
    DecimalInput,
    amount_rule(Money.parse, "12.50"),
    amount_doc(MONEY_PATTERN, "12.50", "A price."),
]
TaxRateIn = Annotated[
    DecimalInput,
    amount_rule(TaxRate.parse, "20.00"),
    amount_doc(PERCENT_PATTERN, "20.00", "Percent, e.g. 20.00 for 20 %, up to 1000."),
]
