import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from entrypoints.cli.main import build_cli
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.e2e.cli.conftest import Cli

HEADER = "sku,name,description,price,tax,quantity,reorder_level\n"


def write(tmp_path: Path, text: str, name: str = "items.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def comparable(item: dict[str, object]) -> dict[str, object]:
    return {
        key: item[key]
        for key in (
            "sku",
            "name",
            "description",
            "unit_price",
            "tax_rate",
            "quantity",
            "reorder_level",
        )
    }


def test_import_of_a_valid_file_creates_items(admin_cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, HEADER + "a-1,Apple,Red,1.20,7,10,2\nB-2,Banana,,0.5,,,\n")
    report = admin_cli.json("items", "import", file)
    assert report["dry_run"] is False
    assert report["summary"] == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert report["rows"] == [
        {"line": 2, "sku": "A-1", "status": "created", "code": None, "reason": None},
        {"line": 3, "sku": "B-2", "status": "created", "code": None, "reason": None},
    ]
    apple = admin_cli.json("items", "show", "A-1")
    assert (apple["unit_price"], apple["tax_rate"], apple["quantity"]) == ("1.20", "7.00", 10)
    assert apple["description"] == "Red"
    assert apple["reorder_level"] == 2
    banana = admin_cli.json("items", "show", "B-2")
    assert (banana["tax_rate"], banana["quantity"], banana["description"]) == (None, 0, None)
    history = admin_cli.movements("A-1")
    assert [(m["delta"], m["reason"]) for m in history] == [(10, "received")]


def test_import_table_output(admin_cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, "SKU , Name, Price\nA-1,Apple,1\n")  # any case, spaces, order
    result = admin_cli.ok("items", "import", file)
    assert "items.csv: 1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout


def test_mixed_file_rejects_bad_rows_by_line_and_imports_the_rest(
    admin_cli: Cli, tmp_path: Path
) -> None:
    text = (
        HEADER
        + "A-1,Apple,,1.00,,5,\n"  # line 2: fine
        + "bad sku!,Nope,,1.00,,,\n"  # line 3
        + '\nB-2,"Two\nlines",,2.00,,,\n'  # blank line 4, row on lines 5-6: fine
        + "C-3,Cherry,,-1,,,\n"  # line 7: negative price
        + "D-4,Date,,1.00,,lots,\n"  # line 8
        + "E-5,Elder,,1.00\n"  # line 9: too few fields
        + "F-6,,,1.00,,,\n"  # line 10: no name
        + "G-7,Grape,,1.00,,1.5,\n"  # line 11
    )
    result = admin_cli.fails(14, "--json", "items", "import", write(tmp_path, text))
    report = json.loads(result.stdout)
    rejected = [
        (row["line"], row["sku"], row["reason"])
        for row in report["rows"]
        if row["status"] == "rejected"
    ]
    assert rejected == [
        (3, "bad sku!", "sku: must be 1-64 characters of letters, digits, '-', '_' or '.'"),
        (7, "C-3", "price: must not be negative"),
        (8, "D-4", "quantity: must be a whole number"),
        (9, "E-5", "row: has 4 fields but the header has 7"),
        (10, "F-6", "name: must not be empty"),
        (11, "G-7", "quantity: must be a whole number"),
    ]
    assert all(
        row["code"] == "invalid_value" for row in report["rows"] if row["status"] == "rejected"
    )
    assert report["summary"]["created"] == 2
    assert [row["line"] for row in report["rows"] if row["status"] == "created"] == [2, 5]
    assert admin_cli.json("items", "list")["total"] == 2

    table = admin_cli.fails(14, "items", "import", write(tmp_path, text, "again.csv")).stdout
    assert "Rejected rows" in table
    assert "must not be negative" in table


def test_dry_run_changes_nothing(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("A-1", "--quantity", "3")
    before = admin_cli.json("items", "show", "A-1")
    file = write(
        tmp_path, HEADER + "A-1,Apple,,2.00,,9,\nB-2,Banana,,1.00,,4,\nB-2,Banana,,1.50,,4,\n"
    )
    report = admin_cli.json("items", "import", "--dry-run", file)
    assert report["dry_run"] is True
    assert report["summary"] == {
        "rows": 3,
        "created": 1,
        "updated": 2,
        "unchanged": 0,
        "rejected": 0,
    }
    assert admin_cli.json("items", "show", "A-1") == before
    assert admin_cli.json("items", "list")["total"] == 1
    assert len(admin_cli.movements("A-1")) == 1
    assert (
        "Dry run (nothing was changed)" in admin_cli.ok("items", "import", "--dry-run", file).stdout
    )


def test_updates_are_counts_and_reimport_is_idempotent(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("A-1", "--quantity", "3", price="1.00")
    file = write(tmp_path, HEADER + "A-1,Apple,,2.00,,9,\nB-2,Banana,,1.00,,4,\n")
    first = admin_cli.json("items", "import", file)
    assert [row["status"] for row in first["rows"]] == ["updated", "created"]
    apple = admin_cli.json("items", "show", "A-1")
    assert (apple["unit_price"], apple["quantity"]) == ("2.00", 9)
    history = admin_cli.movements("A-1")
    assert (history[0]["delta"], history[0]["reason"], history[0]["note"]) == (
        6,
        "count",
        "csv import",
    )

    second = admin_cli.json("items", "import", file)
    assert second["summary"]["unchanged"] == 2
    assert admin_cli.json("items", "show", "A-1") == apple
    assert admin_cli.movements("A-1") == history


def test_blank_quantity_leaves_stock_alone(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("A-1", "--quantity", "3", price="1.00")
    report = admin_cli.json("items", "import", write(tmp_path, "sku,name,price\nA-1,Apple,1\n"))
    assert report["rows"][0]["status"] == "updated"  # the name changed
    assert admin_cli.json("items", "show", "A-1")["quantity"] == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file: is empty"),
        (b"\n\n", "file: is empty"),
        (b"sku,name\nA,B\n", "header: missing column(s) price"),
        (b"sku,name,price,colour\n", "header: unknown column(s) colour"),
        (b"sku,name,price,SKU\n", "header: column(s) sku appear more than once"),
        (b"sku,name,price\nA,\xff\xfe,1\n", "file: line 2 is not UTF-8 text"),
        (b'sku,name,price\nA,"unclosed,1\n', "file: line 2"),
    ],
)
def test_a_file_that_is_not_an_item_csv_is_refused(
    admin_cli: Cli, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = admin_cli.fails(3, "items", "import", str(path))
    assert result.stderr.startswith(f"error: {message}")
    assert admin_cli.json("items", "list")["total"] == 0


def test_import_needs_an_existing_file_and_a_writer(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.fails(2, "items", "import", str(tmp_path / "missing.csv"))
    admin_cli.create_user("vic", "viewer")
    file = write(tmp_path, HEADER + "A-1,Apple,,1.00,,,\n")
    admin_cli.fails(8, "--as", "vic", "items", "import", file)


def test_export_then_import_round_trips(
    admin_cli: Cli, tmp_path: Path, new_settings: Callable[[Path], Settings]
) -> None:
    admin_cli.add_item(
        "B-2",
        "--tax",
        "19",
        "--quantity",
        "4",
        "--reorder-level",
        "2",
        "--description",
        'comma, "quote"\nand newline',
    )
    admin_cli.add_item("A-1", price="0.99")
    target = tmp_path / "export.csv"
    assert admin_cli.json("items", "export", str(target)) == {"file": str(target), "exported": 2}
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert [row["sku"] for row in rows] == ["A-1", "B-2"]
    assert rows[1]["tax"] == "19.00"
    assert rows[1]["price"] == "10.00"

    # the same file into the same store changes nothing ...
    assert admin_cli.json("items", "import", str(target))["summary"]["unchanged"] == 2
    # ... and into a fresh store recreates the items
    fresh = Cli(build_container(new_settings(tmp_path / "fresh")))
    fresh.create_user("root", "admin")
    fresh.json("items", "import", str(target))
    original = [comparable(i) for i in admin_cli.json("items", "list", "--sort", "sku")["items"]]
    copied = [comparable(i) for i in fresh.json("items", "list", "--sort", "sku")["items"]]
    assert copied == original


def test_export_to_stdout_is_csv(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("A-1", "--tax", "20")
    assert admin_cli.ok("items", "export").stdout.splitlines() == [
        "sku,name,description,price,tax,quantity,reorder_level",
        "A-1,Item A-1,,10.00,20.00,0,0",
    ]
    admin_cli.fails(2, "--json", "items", "export")
    assert "Exported 1 items" in admin_cli.ok("items", "export", str(tmp_path / "o.csv")).stdout


def test_long_imports_show_a_progress_bar_on_a_terminal(admin_cli: Cli, tmp_path: Path) -> None:
    terminal = io.StringIO()
    app = build_cli(
        admin_cli.container,
        console=Console(file=terminal, force_terminal=True, width=100),
        progress_from_rows=3,
    )
    file = write(tmp_path, HEADER + "".join(f"S-{n},Item,,1.00,,,\n" for n in range(3)))
    result = CliRunner().invoke(app, ["items", "import", file])
    assert result.exit_code == 0
    assert "Importing" in terminal.getvalue()
    assert "3 created" in terminal.getvalue()

    quiet = io.StringIO()
    app = build_cli(admin_cli.container, console=Console(file=quiet), progress_from_rows=3)
    assert CliRunner().invoke(app, ["items", "import", file]).exit_code == 0
    assert "Importing" not in quiet.getvalue()


@pytest.mark.parametrize("by_location", [[], ["--by-location"]], ids=["items", "by-location"])
def test_long_exports_to_a_file_show_a_progress_bar_on_a_terminal(
    admin_cli: Cli, tmp_path: Path, by_location: list[str]
) -> None:
    for sku in ("A-1", "B-2", "C-3"):
        admin_cli.add_item(sku)
    terminal = io.StringIO()
    app = build_cli(
        admin_cli.container,
        console=Console(file=terminal, force_terminal=True, width=100),
        progress_from_rows=3,
    )
    result = CliRunner().invoke(app, ["items", "export", *by_location, str(tmp_path / "all.csv")])
    assert result.exit_code == 0, result.output
    assert "Reading" in terminal.getvalue()
    assert "Writing all.csv" in terminal.getvalue()
    assert "Exported 3 items" in terminal.getvalue()
    assert len((tmp_path / "all.csv").read_text().splitlines()) == 4

    # Below the threshold, with --json, or to stdout (which carries the CSV): no bar.
    for args, threshold in (
        (["items", "export", str(tmp_path / "few.csv")], 4),
        (["--json", "items", "export", str(tmp_path / "json.csv")], 3),
        (["items", "export"], 3),
    ):
        quiet = io.StringIO()
        console = Console(file=quiet, force_terminal=True, width=100)
        app = build_cli(admin_cli.container, console=console, progress_from_rows=threshold)
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "Reading" not in quiet.getvalue() + result.stdout
        assert "Writing" not in quiet.getvalue() + result.stdout
