from tests.e2e.cli.conftest import Cli

ITEM_KEYS = {
    "id",
    "sku",
    "name",
    "description",
    "unit_price",
    "tax_rate",
    "price_with_tax",
    "quantity",
    "held",
    "available",
    "reorder_level",
    "low_stock",
    "has_image",
    "version",
    "created_at",
    "updated_at",
    "archived_at",
}
MOVEMENT_KEYS = {
    "id",
    "item_id",
    "delta",
    "reason",
    "quantity_after",
    "actor_id",
    "occurred_at",
    "note",
    "reference",
    "location_id",
    "transfer_id",
    "reservation_id",
}


def test_add_shows_the_item_in_json(admin_cli: Cli) -> None:
    item = admin_cli.json(
        "items",
        "add",
        "--sku",
        "sku-1",
        "--name",
        "Widget",
        "--price",
        "12.5",
        "--tax",
        "20",
        "--quantity",
        "5",
        "--reorder-level",
        "2",
        "--description",
        "A fine widget",
    )
    assert set(item) == ITEM_KEYS
    assert item["sku"] == "SKU-1"
    assert (item["unit_price"], item["tax_rate"], item["price_with_tax"]) == (
        "12.50",
        "20.00",
        "15.00",
    )
    assert (item["quantity"], item["reorder_level"], item["low_stock"]) == (5, 2, False)
    assert (item["version"], item["has_image"]) == (1, False)
    assert item["created_at"] == "2026-01-01T12:00:00Z"


def test_show_by_sku_or_id(admin_cli: Cli) -> None:
    item = admin_cli.add_item("A-1")
    assert admin_cli.json("items", "show", "a-1")["id"] == item["id"]
    assert admin_cli.json("items", "show", item["id"])["sku"] == "A-1"
    table = admin_cli.ok("items", "show", "A-1").stdout
    assert "Item A-1" in table
    assert item["id"] in table


def test_list_searches_filters_sorts_and_pages(admin_cli: Cli) -> None:
    admin_cli.add_item("B-2", "--quantity", "9", "--reorder-level", "1")
    admin_cli.add_item("A-1", "--quantity", "1", "--reorder-level", "5")
    admin_cli.add_item("C-3", "--quantity", "4", "--description", "blue paint")

    page = admin_cli.json("items", "list", "--sort", "sku")
    assert [item["sku"] for item in page["items"]] == ["A-1", "B-2", "C-3"]
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 20)
    assert set(page["items"][0]) == ITEM_KEYS

    assert [i["sku"] for i in admin_cli.json("items", "list", "--q", "blue")["items"]] == ["C-3"]
    assert [i["sku"] for i in admin_cli.json("items", "list", "--low-stock")["items"]] == ["A-1"]
    second = admin_cli.json("items", "list", "--sort", "-quantity", "--limit", "1", "--offset", "1")
    assert [i["sku"] for i in second["items"]] == ["C-3"]
    assert second["total"] == 3

    table = admin_cli.ok("items", "list", "--sort", "sku").stdout
    assert table.index("A-1") < table.index("B-2") < table.index("C-3")
    assert "1-3 of 3" in table


def test_update_changes_only_the_fields_given(admin_cli: Cli) -> None:
    admin_cli.add_item("A-1", "--tax", "20", "--description", "old")
    item = admin_cli.json("items", "update", "A-1", "--price", "9.90", "--name", "Renamed")
    assert (item["name"], item["unit_price"], item["tax_rate"]) == ("Renamed", "9.90", "20.00")
    assert item["version"] == 2

    cleared = admin_cli.json("items", "update", "A-1", "--tax", "", "--description", "")
    assert (cleared["tax_rate"], cleared["description"]) == (None, None)

    counted = admin_cli.json(
        "items", "update", "A-1", "--quantity", "7", "--sku", "A-2", "--reorder-level", "3"
    )
    assert (counted["sku"], counted["quantity"], counted["reorder_level"]) == ("A-2", 7, 3)
    assert "Updated A-2" in admin_cli.ok("items", "update", "A-2", "--name", "Again").stdout


def test_update_without_fields_is_a_usage_error(admin_cli: Cli) -> None:
    admin_cli.add_item("A-1")
    assert "at least one field" in admin_cli.fails(2, "items", "update", "A-1").stderr


def test_adjust_takes_negative_deltas_as_typed(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    change = admin_cli.json(
        "items",
        "adjust",
        "SKU-1",
        "-3",
        "--reason",
        "sold",
        "--note",
        "till 2",
        "--reference",
        "R-17",
    )
    assert list(change) == ["movement", "quantity", "item"]  # as REST answers a movement
    assert set(change["movement"]) == MOVEMENT_KEYS
    assert change["item"]["quantity"] == 7
    assert (change["movement"]["delta"], change["movement"]["reason"]) == (-3, "sold")
    assert change["movement"]["reference"] == "R-17"

    table = admin_cli.ok("items", "adjust", "SKU-1", "+2", "--reason", "returned").stdout
    assert "SKU-1: +2 (returned), 9 on hand" in table
    assert "-1 (sold)" in admin_cli.ok("items", "adjust", "--reason", "sold", "SKU-1", "-1").stdout


def test_count_sets_the_quantity_on_hand(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    change = admin_cli.json("items", "count", "SKU-1", "4", "--note", "shelf count")
    assert change["movement"]["delta"] == -6
    assert change["movement"]["reason"] == "count"
    assert change["item"]["quantity"] == 4
    same = admin_cli.json("items", "count", "SKU-1", "4")
    assert same["movement"] is None
    assert same["item"]["version"] == change["item"]["version"]
    assert "no change, 4 on hand" in admin_cli.ok("items", "count", "SKU-1", "4").stdout
    assert "must be at least 0" in admin_cli.fails(3, "items", "count", "SKU-1", "-2").stderr


def test_history_interleaves_changes_and_the_ledger_newest_first_with_who_did_it(
    admin_cli: Cli,
) -> None:
    clerk = admin_cli.create_user("clara", "clerk")
    root = admin_cli.json("users", "show", "root")
    admin_cli.add_item("SKU-1", "--quantity", "10")
    admin_cli.ok("--as", "clara", "items", "adjust", "SKU-1", "-3", "--reason", "sold")
    admin_cli.ok("--as", "clara", "items", "update", "SKU-1", "--price", "12.00")

    page = admin_cli.json("items", "history", "SKU-1")
    # newest first; the CLI tests' clock stands still, and at one instant changes come first
    assert [e["kind"] for e in page["items"]] == ["change", "change", "movement", "movement"]
    price = page["items"][0]["change"]
    assert (price["action"], price["actor_id"], price["channel"]) == ("updated", clerk["id"], "cli")
    assert price["changes"] == [{"field": "unit_price", "old": "10.00", "new": "12.00"}]
    assert price["request_id"].startswith("cli-")
    movements = admin_cli.movements("SKU-1")
    assert [(m["delta"], m["reason"]) for m in movements] == [(-3, "sold"), (10, "received")]
    assert [m["actor_id"] for m in movements] == [clerk["id"], root["id"]]
    assert movements[0]["occurred_at"] == "2026-01-01T12:00:00Z"
    assert set(movements[0]) == MOVEMENT_KEYS
    assert page["total"] == 4
    older = admin_cli.json("items", "history", "SKU-1", "--limit", "1", "--offset", "3")
    assert [e["movement"]["reason"] for e in older["items"]] == ["received"]

    table = admin_cli.ok("items", "history", "SKU-1").stdout
    assert "History of SKU-1" in table
    assert "sold" in table
    assert "10.00 → 12.00" in table
    assert clerk["id"][:8] in table


def test_the_audit_trail_for_admins(admin_cli: Cli) -> None:
    admin_cli.create_user("vic", "viewer")
    item = admin_cli.add_item("SKU-1")
    admin_cli.ok("items", "archive", "SKU-1")
    page = admin_cli.json("audit", "--entity", "item", "--entity-id", item["id"])
    assert [r["action"] for r in page["items"]] == ["archived", "created"]
    assert {r["channel"] for r in page["items"]} == {"cli"}
    users = admin_cli.json("audit", "--entity", "user")
    assert users["items"][0]["action"] == "created"
    assert "Audit trail" in admin_cli.ok("audit", "--from", "2020-01-01").stdout
    admin_cli.fails(8, "--as", "vic", "audit")
    admin_cli.fails(3, "audit", "--entity", "planet")
    admin_cli.fails(2, "audit", "--actor", "nobody")


def test_archive_restore_and_purge(admin_cli: Cli) -> None:
    item = admin_cli.add_item("SKU-1", "--quantity", "2")
    admin_cli.add_item("SKU-2")
    archived = admin_cli.json("items", "archive", "sku-1")
    assert archived["archived_at"] is not None
    assert [i["sku"] for i in admin_cli.json("items", "list")["items"]] == ["SKU-2"]
    assert [i["sku"] for i in admin_cli.json("items", "list", "--archived")["items"]] == ["SKU-1"]
    refused = admin_cli.fails(60, "items", "adjust", "SKU-1", "-1", "--reason", "sold")
    assert refused.stderr == "error: item SKU-1 is archived: restore it before changing it\n"
    admin_cli.fails(62, "items", "purge", "SKU-1", "--yes")
    assert "Restored SKU-1" in admin_cli.ok("items", "restore", "SKU-1").stdout
    admin_cli.fails(61, "items", "restore", "SKU-1")
    admin_cli.ok("items", "adjust", "SKU-1", "-2", "--reason", "sold")
    assert admin_cli.json("items", "purge", "sku-1", "--yes") == {"purged": "sku-1"}
    admin_cli.fails(4, "items", "show", "SKU-1")
    assert "Purged SKU-2" in admin_cli.ok("items", "purge", "-y", "SKU-2").stdout
    admin_cli.fails(4, "items", "purge", item["id"], "--yes")


def test_item_errors_have_their_exit_codes(admin_cli: Cli) -> None:
    admin_cli.create_user("vic", "viewer")
    admin_cli.add_item("SKU-1", "--quantity", "2")
    adjust = ("items", "adjust", "SKU-1")
    admin_cli.fails(3, "items", "add", "--sku", "X", "--name", "X", "--price", "-1")
    admin_cli.fails(3, "items", "add", "--sku", "X", "--name", "X", "--price", "1.234")
    admin_cli.fails(3, *adjust, "1", "--reason", "stolen")
    admin_cli.fails(2, "items", "list", "--sort", "price")  # a choice: a bad command line
    admin_cli.fails(3, "items", "list", "--limit", "101")
    admin_cli.fails(4, "items", "show", "NOPE")
    admin_cli.fails(4, "items", "history", "NOPE")
    admin_cli.fails(5, "items", "add", "--sku", "sku-1", "--name", "Dup", "--price", "1")
    result = admin_cli.fails(6, *adjust, "-3", "--reason", "sold")
    assert result.stderr == "error: cannot remove 3 of SKU-1: only 2 on hand\n"
    admin_cli.fails(7, *adjust, "-1", "--reason", "sold", "--expected-version", "9")
    admin_cli.fails(7, "items", "archive", "SKU-1", "--expected-version", "9")
    admin_cli.fails(8, "--as", "vic", *adjust, "-1", "--reason", "sold")
    admin_cli.fails(8, "--as", "vic", "items", "archive", "SKU-1")
    admin_cli.fails(8, "--as", "vic", "items", "purge", "SKU-1", "--yes")
    admin_cli.fails(8, "--as", "vic", "items", "update", "SKU-1", "--name", "No")
    admin_cli.fails(2, *adjust, "-1")  # --reason is required
    admin_cli.fails(2, *adjust, "lots", "--reason", "sold")
    admin_cli.fails(2, "items", "add", "--sku", "X", "--name", "X")
    # nothing of the above changed anything
    item = admin_cli.json("items", "show", "SKU-1")
    assert (item["quantity"], item["version"]) == (2, 1)


def test_a_viewer_may_read(admin_cli: Cli) -> None:
    admin_cli.create_user("vic", "viewer")
    admin_cli.add_item("SKU-1")
    assert admin_cli.json("--as", "vic", "items", "list")["total"] == 1
    assert admin_cli.json("--as", "vic", "items", "show", "SKU-1")["sku"] == "SKU-1"
    assert admin_cli.json("--as", "vic", "users", "show", "vic")["role"] == "viewer"


def test_item_names_are_shown_literally_not_as_markup(admin_cli: Cli) -> None:
    admin_cli.json(
        "items", "add", "--sku", "M-1", "--name", "[bold]x[/bold] [/oops]", "--price", "1"
    )
    assert "[bold]x[/bold] [/oops]" in admin_cli.ok("items", "list").stdout
