"""Reservations through the CLI, on every store: create, list, show, fulfil, release, sweep."""

from adapters.clock import FixedClock
from tests.e2e.cli.conftest import Cli


def test_holds_are_created_fulfilled_released_and_swept(admin_cli: Cli, clock: FixedClock) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "10")
    made = admin_cli.json("reservations", "create", "SKU-1", "4", "--reference", "SO-7")
    rid = made["reservation"]["id"]
    assert (made["item"]["held"], made["item"]["available"]) == (4, 6)
    refused = admin_cli.fails(6, "reservations", "create", "SKU-1", "7", "--reference", "SO-8")
    assert "only 6" in refused.stderr
    admin_cli.fails(51, "reservations", "create", "SKU-1", "5", "--reference", "SO-7")
    shown = admin_cli.json("reservations", "show", rid)
    assert (shown["reference"], shown["status"]) == ("SO-7", "active")
    text = admin_cli.ok("reservations", "show", rid).stdout
    assert "SO-7: 4 (active)" in text

    sold = admin_cli.json("reservations", "fulfil", rid, "--quantity", "3")
    assert sold["movement"]["reservation_id"] == rid
    assert (sold["item"]["quantity"], sold["item"]["held"]) == (7, 0)
    admin_cli.fails(50, "reservations", "release", rid)

    other = admin_cli.json("reservations", "create", "SKU-1", "2", "--reference", "SO-9")
    released = admin_cli.json("reservations", "release", other["reservation"]["id"])
    assert released["reservation"]["status"] == "released"

    admin_cli.json("reservations", "create", "SKU-1", "5", "--reference", "SO-10", "--ttl", "60")
    clock.advance(seconds=61)
    swept = admin_cli.json("reservations", "sweep")
    assert swept == {"expired": 1, "items": 1}
    assert admin_cli.json("reservations", "sweep") == {"expired": 0, "items": 0}
    listed = admin_cli.json("reservations", "list", "--status", "expired")
    assert [r["reference"] for r in listed["items"]] == ["SO-10"]
    assert "SO-10" in admin_cli.ok("reservations", "list").stdout


def test_bad_input_is_one_line_and_changes_nothing(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1", "--quantity", "3")
    result = admin_cli.fails(
        3, "reservations", "create", "SKU-1", "1", "--reference", "SO", "--ttl", "5"
    )
    assert "ttl_seconds" in result.stderr
    admin_cli.fails(3, "reservations", "create", "SKU-1", "0", "--reference", "SO")
    assert admin_cli.json("reservations", "list")["total"] == 0
