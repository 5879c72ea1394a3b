"""Locations, stock per location and transfers through the CLI, on every store."""

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
