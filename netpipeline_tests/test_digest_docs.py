"""docs/warehouse.md documents digest.deliveries and digest.suppressions column by column."""
from __future__ import annotations

import re

import pytest

from netpipeline.digest.ledger import ensure_ledger
from netpipeline.digest.unsubscribe import ensure_suppressions
from netpipeline.warehouse import connect
from netpipeline_tests.conftest import PROJECT_ROOT


def documented_columns(table: str) -> list[str]:
    doc = (PROJECT_ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    section = doc.split(f"### {table}\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)


@pytest.mark.parametrize("table, ensure", [("deliveries", ensure_ledger), ("suppressions", ensure_suppressions)])
def test_digest_tables_match_the_contract(tmp_path, table, ensure):
    con = connect(tmp_path / "w.duckdb")
    ensure(con)
    actual = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'digest' "
        "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
    assert actual and actual == documented_columns(f"digest.{table}")
