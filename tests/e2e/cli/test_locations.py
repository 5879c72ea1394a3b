"""Locations, stock per location and transfers through the CLI, on every store."""

import json
from pathlib import Path

from tests.e2e.cli.conftest import Cli


def test_locations_are_added_listed_and_printed_as_a_tree(admin_cli: Cli) -> None:
    warehouse = admin_cli.json("locations", "add", "wh", "--name", "Warehouse")
    assert (warehouse["code"], warehouse["version"]) == ("WH", 1)
    aisle = admin_cli.json("locations", "add", "WH-1", "--name", "Aisle 1", "--parent", "WH")
    assert aisle["parent_id"] == warehouse["id"]
    listed = admin_cli.json("locations", "list", "--search", "wh")
    assert [loc["code"] for loc in listed["items"]] == ["WH", "WH-1"]
    admin_cli.ok("locations", "deactivate", "WH-1")
    tree = admin_cli.ok("locations", "tree").stdout
    assert "WH (Warehouse)" in tree
    assert "WH-1 (Aisle 1) [inactive]" in tree
    assert tree.index("WH (Warehouse)") < tree.index("WH-1 (Aisle 1)")
    admin_cli.fails(41, "locations", "delete", "WH")  # it has a child
    admin_cli.ok("locations", "delete", "WH-1")
    renamed = admin_cli.json("locations", "update", "WH", "--name", "Main warehouse")
    assert (renamed["name"], renamed["version"]) == ("Main warehouse", 2)
    admin_cli.fails(42, "locations", "deactivate", "MAIN")


def test_stock_moves_between_locations(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    admin_cli.ok("locations", "add", "VAN", "--name", "Van")
    moved = admin_cli.json("transfer", "SKU-1", "4", "--from", "main", "--to", "van")
    assert [m["reason"] for m in moved["movements"]] == ["transfer_out", "transfer_in"]
    counted = admin_cli.json("items", "count", "SKU-1", "6", "--location", "VAN")
    assert counted["movement"]["delta"] == 2
    admin_cli.json("items", "adjust", "SKU-1", "-1", "--reason", "sold", "--location", "VAN")
    stock = admin_cli.json("items", "stock", "SKU-1")["stock"]
    assert [(level["location"], level["quantity"]) for level in stock] == [("MAIN", 6), ("VAN", 5)]
    table = admin_cli.ok("items", "stock", "SKU-1").stdout
    assert "11 in all" in table
    refused = admin_cli.fails(6, "transfer", "SKU-1", "9", "--from", "VAN", "--to", "MAIN")
    assert "only 5 at VAN" in refused.stderr
    admin_cli.fails(4, "transfer", "SKU-1", "1", "--from", "NOWHERE", "--to", "MAIN")


def test_a_stocktake_from_a_file_reports_and_sets_the_differences(
    admin_cli: Cli, tmp_path: Path
) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    admin_cli.add_item("SKU-2", "--quantity", "4")
    admin_cli.add_item("SKU-3", "--quantity", "1")
    counts = tmp_path / "counts.csv"
    counts.write_text("Counted,SKU\n8,sku-1\n4,SKU-2\n")
    dry = admin_cli.json("stocktake", "MAIN", "--file", str(counts), "--dry-run")
    by_sku = {line["sku"]: line for line in dry["lines"]}
    assert (by_sku["SKU-1"]["difference"], by_sku["SKU-3"]["counted"]) == (-2, None)
    assert (dry["committed"], dry["movements"]) == (False, [])
    assert admin_cli.json("items", "show", "SKU-1")["quantity"] == 10
    table = admin_cli.ok("stocktake", "MAIN", "--file", str(counts)).stdout
    assert "-2" in table
    assert "not counted" in table
    assert admin_cli.json("items", "show", "SKU-1")["quantity"] == 8
    history = admin_cli.movements("SKU-1")
    assert (history[0]["reason"], history[0]["delta"]) == ("count", -2)


def test_a_bad_counts_file_changes_nothing(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    counts = tmp_path / "counts.csv"
    for text in ("sku,qty\nSKU-1,3\n", "sku,counted\nSKU-1,-3\n", "sku,counted\nNOPE,3\n"):
        counts.write_text(text)
        result = admin_cli(*("stocktake", "MAIN", "--file", str(counts)))
        assert result.exit_code in (3, 4), result.stderr
        assert "Traceback" not in result.stderr
    assert admin_cli.json("items", "show", "SKU-1")["quantity"] == 10


def test_csv_import_and_export_carry_the_location(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.ok("locations", "add", "VAN", "--name", "Van")
    source = tmp_path / "in.csv"
    source.write_text(
        "sku,name,price,quantity,location\n"
        "S-1,Screw,0.10,5,\n"
        "S-1,Screw,0.10,3,van\n"
        "S-2,Nut,0.05,2,NOWHERE\n"
    )
    result = admin_cli(*("--json", "items", "import", str(source)))
    assert result.exit_code == 14, result.stderr
    report = json.loads(result.stdout)
    assert [row["code"] for row in report["rows"]] == [None, None, "not_found"]
    stock = admin_cli.json("items", "stock", "S-1")["stock"]
    assert [(level["location"], level["quantity"]) for level in stock] == [("MAIN", 5), ("VAN", 3)]
    plain = tmp_path / "plain.csv"
    admin_cli.ok("items", "export", str(plain))
    assert plain.read_text().splitlines()[0] == (
        "sku,name,description,price,tax,quantity,reorder_level"
    )
    exported = tmp_path / "out.csv"
    admin_cli.ok("items", "export", "--by-location", str(exported))
    lines = exported.read_text().splitlines()
    assert lines[0].endswith(",location")
    assert [(line.split(",")[5], line.split(",")[7]) for line in lines[1:]] == [
        ("5", "MAIN"),
        ("3", "VAN"),
    ]
    again = admin_cli.json("items", "import", str(exported))
    assert {row["status"] for row in again["rows"]} == {"unchanged"}
