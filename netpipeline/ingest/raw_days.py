"""Which version each study had on each stored day, stored as version spans.

`raw.study_spans` holds one row per run of stored days on which a study kept one content
version: `first_date`, `last_date` (NULL while the span reaches the latest stored day). A normal
day writes rows only for studies that are new, changed or gone, so the warehouse grows with the
changes, not with days x studies (a row per study and day was ~23 MB a day at 300,000 studies).
`raw.study_days` is a view that unfolds the spans over the stored days of `raw.pulls`, with the
columns downstream tools already read.

Spans are kept canonical (per study: no overlap, and two spans of one version are never
adjacent in the list of stored days), so the same days always give the same rows, whatever
order they were written in. A day can be written again or back-filled between stored days:
`replace_day_studies` cuts the spans around the day, adds the day, merges what became
adjacent, and writes only rows that differ.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib.resources import files

import duckdb

from netpipeline.warehouse import ensure_schema, transaction

RAW_DDL = files("netpipeline.ingest").joinpath("raw_schema.sql").read_text(encoding="utf-8")

# The day's studies, materialised once for the span edit (the source may be the view itself),
# and the rows the edit deletes / inserts.
_DAY_TABLE, _EDIT_TABLE = "_raw_day_studies", "_raw_span_edit"

# sha256 over the day's (nct_id, sha256 of the exact served bytes) lines in NCT order: proves what
# was served that day (every study's bytes differ daily by versionHolder) in one value per day.
SERVED_DIGEST_SQL = "sha256(string_agg(nct_id || chr(9) || served_sha256, chr(10) ORDER BY nct_id))"

STUDY_DAYS_VIEW = """
CREATE OR REPLACE VIEW raw.study_days AS
SELECT p.snapshot_date, s.nct_id, s.content_hash, s.last_update_post_date, p.data_timestamp, p.fetched_at
FROM raw.pulls AS p
JOIN raw.study_spans AS s
  ON s.first_date <= p.snapshot_date AND (s.last_date IS NULL OR s.last_date >= p.snapshot_date)
"""


@dataclass(frozen=True)
class MapWrite:
    studies: int            # studies of the day
    spans_deleted: int      # raw.study_spans rows: what the day's map cost (grows with changes)
    spans_inserted: int


class RawMigrationError(RuntimeError):
    """An older warehouse's raw layer could not be converted without losing a row."""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables and the study_days view; convert a warehouse of the per-day layout."""
    ensure_schema(con, RAW_DDL)
    kind = con.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_schema = 'raw' AND table_name = 'study_days'").fetchall()
    if kind and kind[0][0] == "BASE TABLE":
        migrate_study_days_table(con)
    elif not kind:
        con.execute(STUDY_DAYS_VIEW)


def replace_day_studies(con: duckdb.DuckDBPyConnection, day: date, studies_sql: str,
                        params: dict | None = None) -> dict[str, int]:
    """Make `day`'s studies the rows of `studies_sql` (nct_id, content_hash, last_update_post_date).

    Call inside the caller's transaction, while raw.pulls still lists exactly the days stored
    before this write (with `day` itself if it is being written again); the caller then
    replaces the day's raw.pulls row. Returns the day's studies and the span rows deleted and inserted.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_DAY_TABLE} AS "
                f"SELECT nct_id, content_hash, last_update_post_date FROM ({studies_sql})", params or {})
    try:
        studies, distinct = con.execute(f"SELECT count(*), count(DISTINCT nct_id) FROM {_DAY_TABLE}").fetchall()[0]
        repeated = studies - distinct
        if repeated:
            raise ValueError(f"{day}: {repeated} study rows repeat an NCT ID; a day maps each study once")
        prev_day, next_day, old_max = con.execute(
            "SELECT max(snapshot_date) FILTER (WHERE snapshot_date < $d), "
            "min(snapshot_date) FILTER (WHERE snapshot_date > $d), max(snapshot_date) FROM raw.pulls",
            {"d": day}).fetchall()[0]
        new_max = max(d for d in (old_max, day) if d is not None)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_EDIT_TABLE} AS {_SPAN_EDIT_SQL}",
                    {"d": day, "p": prev_day, "n": next_day, "old_max": old_max, "new_max": new_max})
        deleted = con.execute(
            f"DELETE FROM raw.study_spans s USING {_EDIT_TABLE} e "
            "WHERE e.op = 'delete' AND s.nct_id = e.nct_id AND s.first_date = e.first_date").fetchall()[0][0]
        inserted = con.execute(
            "INSERT INTO raw.study_spans SELECT nct_id, content_hash, first_date, last_date, last_update_post_date "
            f"FROM {_EDIT_TABLE} WHERE op = 'insert'").fetchall()[0][0]
    finally:
        try:
            con.execute(f"DROP TABLE IF EXISTS {_DAY_TABLE}")
            con.execute(f"DROP TABLE IF EXISTS {_EDIT_TABLE}")
        except duckdb.Error:
            pass  # the transaction failed: its rollback removes them, and the original error is the one to see
    return MapWrite(studies=studies, spans_deleted=deleted, spans_inserted=inserted)


# The spans touching the stored days around $d ($p before it, $n after it, either may be NULL)
# are cut into the part before $d and the part after it; the day's studies become one-day pieces;
# pieces of one version that are now adjacent (..$p, $d, $n..) are merged. Rows that come out as
# they were are left alone; the rest are deleted / inserted. A span's last_date is NULL when it
# reaches the latest stored day.
_SPAN_EDIT_SQL = f"""
WITH touched AS (
    SELECT *, coalesce(last_date, $old_max::DATE) AS until
    FROM raw.study_spans
    WHERE first_date <= coalesce($n::DATE, $d::DATE)
      AND coalesce(last_date, $old_max::DATE) >= coalesce($p::DATE, $d::DATE)
),
pieces AS (
    SELECT nct_id, content_hash, first_date, least(until, $p::DATE) AS until, last_update_post_date
    FROM touched WHERE first_date < $d::DATE
    UNION ALL
    SELECT nct_id, content_hash, greatest(first_date, $n::DATE), until, last_update_post_date
    FROM touched WHERE until > $d::DATE
    UNION ALL
    SELECT nct_id, content_hash, $d::DATE, $d::DATE, last_update_post_date FROM {_DAY_TABLE}
),
flagged AS (
    SELECT *, CASE WHEN lag(content_hash) OVER w = content_hash
                    AND ((lag(until) OVER w = $p::DATE AND first_date = $d::DATE)
                      OR (lag(until) OVER w = $d::DATE AND first_date = $n::DATE))
                   THEN 0 ELSE 1 END AS starts_span
    FROM pieces WINDOW w AS (PARTITION BY nct_id ORDER BY first_date)
),
islands AS (
    SELECT *, sum(starts_span) OVER (PARTITION BY nct_id ORDER BY first_date) AS island FROM flagged
),
merged AS (
    SELECT nct_id, any_value(content_hash) AS content_hash, min(first_date) AS first_date,
           nullif(max(until), $new_max::DATE) AS last_date,
           any_value(last_update_post_date) AS last_update_post_date
    FROM islands GROUP BY nct_id, island
),
old AS (SELECT nct_id, content_hash, first_date, last_date, last_update_post_date FROM touched)
SELECT 'delete' AS op, * FROM (SELECT * FROM old EXCEPT SELECT * FROM merged)
UNION ALL
SELECT 'insert' AS op, * FROM (SELECT * FROM merged EXCEPT SELECT * FROM old)
"""


def span_problems(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[str]:
    """Spans that break the canonical form (overlap, adjacent spans of one version, dates that are
    not stored days, open spans that do not reach the latest day). Empty when all is well."""
    rows = con.execute(f"""
        WITH days AS (SELECT snapshot_date, row_number() OVER (ORDER BY snapshot_date) AS i FROM raw.pulls),
        spans AS (
            SELECT s.*, f.i AS first_i, coalesce(l.i, (SELECT max(i) FROM days)) AS last_i,
                   f.i IS NULL OR (s.last_date IS NOT NULL AND l.i IS NULL) AS off_days,
                   s.last_date IS NOT NULL AND s.last_date >= (SELECT max(snapshot_date) FROM days) AS open_not_null
            FROM raw.study_spans s LEFT JOIN days f ON f.snapshot_date = s.first_date
            LEFT JOIN days l ON l.snapshot_date = s.last_date
        ),
        ordered AS (
            SELECT *, lag(last_i) OVER w AS prev_last_i, lag(content_hash) OVER w AS prev_hash
            FROM spans WINDOW w AS (PARTITION BY nct_id ORDER BY first_i)
        )
        SELECT nct_id || ' ' || first_date || '..' || coalesce(last_date::VARCHAR, 'open') || ': ' ||
               CASE WHEN off_days THEN 'starts or ends on a day that is not stored'
                    WHEN open_not_null THEN 'ends on the latest day but is not open (last_date NULL)'
                    WHEN last_i < first_i THEN 'ends before it starts'
                    WHEN first_i <= prev_last_i THEN 'overlaps the span before it'
                    ELSE 'continues the span before it with the same version' END
        FROM ordered
        WHERE off_days OR open_not_null OR last_i < first_i OR first_i <= prev_last_i
           OR (first_i = prev_last_i + 1 AND content_hash = prev_hash)
        ORDER BY nct_id, first_date LIMIT {int(limit)}""").fetchall()
    return [r[0] for r in rows]


def migrate_study_days_table(con: duckdb.DuckDBPyConnection) -> None:
    """Convert the per-day table (one row per study and day) into spans behind the view.

    One transaction; the result is compared row by row with the table before it is dropped,
    and any difference aborts the migration with the table untouched.
    """
    with transaction(con):
        con.execute("ALTER TABLE raw.study_days RENAME TO study_days_per_day")
        for column, sql_type in (("served_sha256", "VARCHAR"), ("version_holders", "VARCHAR[]")):
            con.execute(f"ALTER TABLE raw.pulls ADD COLUMN IF NOT EXISTS {column} {sql_type}")
        orphan_days = con.execute(
            "SELECT DISTINCT snapshot_date FROM raw.study_days_per_day "
            "WHERE snapshot_date NOT IN (SELECT snapshot_date FROM raw.pulls) ORDER BY 1").fetchall()
        if orphan_days:
            raise RawMigrationError(
                "raw.study_days has rows for days without a raw.pulls row: "
                + ", ".join(str(d[0]) for d in orphan_days) + "; nothing was changed")
        con.execute(f"""
            UPDATE raw.pulls p SET served_sha256 = d.digest, version_holders = d.holders
            FROM (SELECT snapshot_date, {SERVED_DIGEST_SQL} AS digest,
                         list(DISTINCT version_holder ORDER BY version_holder)
                             FILTER (WHERE version_holder IS NOT NULL) AS holders
                  FROM raw.study_days_per_day GROUP BY snapshot_date) d
            WHERE p.snapshot_date = d.snapshot_date""")
        con.execute("""
            INSERT INTO raw.study_spans
            WITH days AS (SELECT snapshot_date, row_number() OVER (ORDER BY snapshot_date) AS i FROM raw.pulls),
            indexed AS (
                SELECT r.nct_id, r.content_hash, r.last_update_post_date, r.snapshot_date, days.i,
                       CASE WHEN lag(r.content_hash) OVER w = r.content_hash AND lag(days.i) OVER w = days.i - 1
                            THEN 0 ELSE 1 END AS starts_span
                FROM raw.study_days_per_day r JOIN days USING (snapshot_date)
                WINDOW w AS (PARTITION BY r.nct_id ORDER BY days.i)
            ),
            islands AS (SELECT *, sum(starts_span) OVER (PARTITION BY nct_id ORDER BY i) AS island FROM indexed)
            SELECT nct_id, any_value(content_hash), min(snapshot_date),
                   nullif(max(snapshot_date), (SELECT max(snapshot_date) FROM raw.pulls)),
                   any_value(last_update_post_date)
            FROM islands GROUP BY nct_id, island""")
        con.execute(STUDY_DAYS_VIEW)
        columns = "snapshot_date, nct_id, content_hash, last_update_post_date, data_timestamp, fetched_at"
        differ = con.execute(f"""
            SELECT count(*) FROM (
                (SELECT {columns} FROM raw.study_days_per_day EXCEPT ALL SELECT {columns} FROM raw.study_days)
                UNION ALL
                (SELECT {columns} FROM raw.study_days EXCEPT ALL SELECT {columns} FROM raw.study_days_per_day))
            """).fetchall()[0][0]
        if differ:
            raise RawMigrationError(f"converting raw.study_days to spans would change {differ} rows; nothing was changed")
        con.execute("DROP TABLE raw.study_days_per_day")
