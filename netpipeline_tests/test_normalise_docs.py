"""docs/warehouse.md is the contract: it must list exactly the columns (and types) the DDL makes.

Fails when a table of schema `trials` (or raw, or trials_versions) gains, loses or retypes a
column that the document does not list.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from netpipeline_tests.test_normalise_support import new_warehouse

DOC = Path(__file__).resolve().parents[1] / "docs" / "warehouse.md"
_HEADING = re.compile(r"^### (\w+)\.(\w+)(?: \(view\))?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def documented_tables(text: str) -> dict[str, dict[str, str]]:
    """'schema.table' -> {column: type} from each `### schema.table` section's first table."""
    tables: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = f"{heading[1]}.{heading[2]}"
            tables[current] = {}
        elif line.startswith("#"):
            current = None
        elif current and line.startswith("| `"):
            cells = [cell.strip() for cell in _UNESCAPED_PIPE.split(line.strip())[1:-1]]
            tables[current][cells[0].strip("`")] = cells[1]
    return tables


@pytest.fixture(scope="module")
def actual(tmp_path_factory) -> dict[str, dict[str, str]]:
    con = new_warehouse(tmp_path_factory.mktemp("docs") / "w.duckdb")
    rows = con.execute(
        "SELECT table_schema || '.' || table_name, column_name, data_type "
        "FROM information_schema.columns "
        "WHERE table_schema IN ('raw', 'trials', 'trials_versions') "
        "ORDER BY table_schema, table_name, ordinal_position").fetchall()
    con.close()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


@pytest.fixture(scope="module")
def documented() -> dict[str, dict[str, str]]:
    return documented_tables(DOC.read_text(encoding="utf-8"))


def test_every_trials_view_is_documented_column_by_column(actual, documented):
    views = {name for name in actual if name.startswith("trials.")
             and not name.startswith("trials.current_")}
    assert views == {name for name in documented if name.startswith("trials.")}
    for view in sorted(views):
        assert actual[view] == documented[view], f"{view}: update docs/warehouse.md"
        assert list(actual[view])[:3] == ["snapshot_date", "content_hash", "nct_id"]


def test_current_views_have_the_columns_of_their_day_view(actual, documented):
    current = [name for name in actual if name.startswith("trials.current_")]
    assert {name.replace("current_", "") for name in current} == \
        {name for name in documented if name.startswith("trials.")}
    for name in current:
        assert actual[name] == documented[name.replace("current_", "")], name


def test_trials_versions_tables_are_the_views_without_snapshot_date(actual, documented):
    for name, columns in actual.items():
        if not name.startswith("trials_versions."):
            continue
        if name in ("trials_versions.normalised_days", "trials_versions.reclassifications"):
            assert columns == documented[name]
            continue
        view_columns = dict(documented[name.replace("trials_versions.", "trials.")])
        del view_columns["snapshot_date"]
        assert columns == view_columns, name


def test_raw_tables_are_documented(actual, documented):
    for table in ("raw.study_payloads", "raw.study_spans", "raw.study_days", "raw.pulls"):
        assert actual[table] == documented[table], f"{table}: update docs/warehouse.md"


def test_placeholder_sections_for_other_stages_exist():
    text = DOC.read_text(encoding="utf-8")
    for schema in ("raw", "trials_versions", "trials", "quality", "changes", "digest"):
        assert re.search(rf"^## {schema}\s*$", text, re.M), schema
