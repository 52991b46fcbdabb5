"""The parsed batch is read through one function (`batch.on_batch`) under one name."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from netpipeline.normalise.batch import BATCH, on_batch


def test_a_statement_reads_the_batch_under_its_name_and_reports_its_own_error():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    batch = pa.table({"a": [1, 2, 3]})
    con.execute("BEGIN")
    assert on_batch(con, batch, f"INSERT INTO t SELECT a FROM {BATCH}").fetchall() == [(3,)]
    with pytest.raises(duckdb.Error, match="writing failed"):
        on_batch(con, batch, f"INSERT INTO t SELECT error('writing failed')::INTEGER FROM {BATCH}")
    con.execute("ROLLBACK")
    # nothing registered: the name means nothing outside a statement of on_batch
    with pytest.raises(duckdb.CatalogException):
        con.execute(f"SELECT * FROM {BATCH}")


def test_the_parser_and_the_enrichment_import_each_other_no_longer():
    import ast
    from pathlib import Path

    import netpipeline.normalise.enrichment_tables as enrichment
    import netpipeline.normalise.study_json_type as parsed

    for module, other in ((parsed, "enrichment_tables"), (enrichment, "study_json_type")):
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert f"netpipeline.normalise.{other}" not in imported
