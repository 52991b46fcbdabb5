"""raw.missed_days: its documented columns, and which days `missed_between` reports."""
from __future__ import annotations

from datetime import date, datetime

from netpipeline.ingest.missed_days import MissedDay, ensure_missed_days, missed_between, record_missed
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct
from netpipeline_tests.test_normalise_docs import DOC, documented_tables
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

MON, TUE, WED, THU = (date(2026, 11, d) for d in (16, 17, 18, 19))
AT = datetime(2026, 11, 19, 14, 0)


def test_the_table_is_documented_column_by_column(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    ensure_missed_days(con)
    actual = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = 'raw' AND table_name = 'missed_days' ORDER BY ordinal_position").fetchall())
    assert actual == documented_tables(DOC.read_text(encoding="utf-8"))["raw.missed_days"]


def test_missed_between_reports_the_days_a_comparison_spans_and_forgets_days_stored_later(tmp_path):
    con = new_warehouse(tmp_path / "w.duckdb")
    assert missed_between(con, MON, THU) == []  # no table yet: nothing missed
    record_missed(con, [MissedDay(TUE, AT, 6, "raw__ctgov_studies: HTTP 403", WED),
                        MissedDay(WED, AT, 0, "never served", THU)])
    record_missed(con, [MissedDay(TUE, AT, 6, "raw__ctgov_studies: HTTP 503", WED)])  # replaced, not doubled
    assert [(m.snapshot_date, m.last_error) for m in missed_between(con, MON, THU)] == \
        [(TUE, "raw__ctgov_studies: HTTP 503"), (WED, "never served")]
    assert [m.snapshot_date for m in missed_between(con, TUE, THU)] == [WED]
    assert [m.snapshot_date for m in missed_between(con, None, WED)] == [TUE]
    # Wednesday stored after all (a replay of it): it is no longer missed.
    store_day(con, WED, [make_study(nct(1), WED.isoformat())])
    assert [m.snapshot_date for m in missed_between(con, MON, THU)] == [TUE]
