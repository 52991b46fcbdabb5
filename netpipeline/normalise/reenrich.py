"""Re-enrichment after a rules change: stored versions computed with an older RULES_VERSION
(NET terms, drug taxonomy) are enriched again on the next materialisation, and the versions
whose NET call or subtypes changed are recorded as reclassifications of that day, so the
change-log reports them as such (not as new trials or scope changes).
"""
from __future__ import annotations

import datetime

import duckdb

from netpipeline.normalise.enrichment_tables import enrich_versions
from netpipeline.normalise.enrich import RULES_VERSION

RECLASSIFICATIONS_DDL = """
CREATE TABLE IF NOT EXISTS trials_versions.reclassifications (
    snapshot_date        DATE      NOT NULL,
    content_hash         VARCHAR   NOT NULL,
    nct_id               VARCHAR   NOT NULL,
    rules_version_before VARCHAR,
    rules_version_after  VARCHAR   NOT NULL,
    is_net_before        BOOLEAN,
    is_net_after         BOOLEAN,
    subtypes_before      VARCHAR[],
    subtypes_after       VARCHAR[]
);
"""
_BEFORE = "_reenrich_before"


def reenrich_stale_versions(con: duckdb.DuckDBPyConnection, day: datetime.date) -> int:
    """Enrich again every stored version whose enrichment is not of RULES_VERSION; record the
    reclassified ones under `day`. Runs inside the caller's transaction; returns the number of
    versions enriched again (0 when the rules did not change)."""
    stale = [h for (h,) in con.execute(
        "SELECT content_hash FROM trials_versions.net_profile WHERE vocabulary_version IS DISTINCT FROM ?",
        [RULES_VERSION]).fetchall()]
    if not stale:
        return 0
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_BEFORE} AS SELECT content_hash, nct_id, vocabulary_version, "
                "is_net, net_subtypes FROM trials_versions.net_profile "
                "WHERE content_hash IN (SELECT unnest(?::VARCHAR[]))", [stale])
    for table in ("net_profile", "intervention_classes"):
        con.execute(f"DELETE FROM trials_versions.{table} WHERE content_hash IN (SELECT content_hash FROM {_BEFORE})")
    enrich_versions(con, stale)
    con.execute("DELETE FROM trials_versions.reclassifications WHERE snapshot_date = ? "
                f"AND content_hash IN (SELECT content_hash FROM {_BEFORE})", [day])
    con.execute(f"""
        INSERT INTO trials_versions.reclassifications
        SELECT ?, b.content_hash, b.nct_id, b.vocabulary_version, a.vocabulary_version, b.is_net, a.is_net,
               b.net_subtypes, a.net_subtypes
        FROM {_BEFORE} b JOIN trials_versions.net_profile a USING (content_hash)
        WHERE b.is_net IS DISTINCT FROM a.is_net
           OR list_sort(b.net_subtypes) IS DISTINCT FROM list_sort(a.net_subtypes)""", [day])
    con.execute(f"DROP TABLE {_BEFORE}")
    return len(stale)
