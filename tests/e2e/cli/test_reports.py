"""``inventory reports stock|valuation --as-of``: the same answers as the REST reports."""

from pathlib import Path

from tests.e2e.cli.conftest import Cli

#: The CLI tests' clock stands still at this instant (tests/conftest.py).
NOW = "2026-01-01T12:00:00Z"


def test_stock_and_valuation_as_of(admin_cli: Cli, tmp_path: Path) -> None:
    admin_cli.add_item("A-1", "--quantity", "4", price="2.50")
    admin_cli.add_item("B-2", "--quantity", "3", price="0.10")
    stock = admin_cli.json("reports", "stock", "--as-of", NOW)
    assert [(line["sku"], line["quantity"]) for line in stock["items"]] == [("A-1", 4), ("B-2", 3)]
    before = admin_cli.json("reports", "stock", "--as-of", "2026-01-01T11:59:59")
    assert before["total"] == 0

    out = tmp_path / "value.csv"
    value = admin_cli.json("reports", "valuation", "--as-of", NOW, "--csv", str(out))
    assert value["total"] == "10.30"
    assert [line["value"] for line in value["lines"]] == ["10.00", "0.30"]
    assert out.read_text(encoding="utf-8").splitlines()[-1] == "TOTAL,,,,,10.30"
    table = admin_cli.ok("reports", "valuation", "--as-of", NOW).stdout
    assert "total 10.30" in table
    admin_cli.fails(3, "reports", "stock", "--as-of", "2999-01-01")
    admin_cli.fails(2, "reports", "stock")
