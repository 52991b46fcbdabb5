"""The day's change-log: typed events against the latest earlier normalised day.

In scope on a day = returned by the scope query that day AND classified NET
(trials.net_profile.is_net); `scope="all"` diffs every study of the day instead (tests over
records that are not NET, benchmarks). The first normalised day is a baseline (no events). A
missing previous day is not an error: the base is the latest earlier normalised day that
passed its quality gate (quality.results.gate), recorded in every event and in changes.days. Only
studies whose content version changed are diffed, so the cost follows the changes; volatile
fields never change a version (netpipeline.ingest.content_hash).

Backfills run in date order (the asset's self-dependency), so each day is normally compared
with the day before it. A day computed before an earlier day existed keeps the older base
until it is re-materialised; `later_days_with_older_base` lists such days.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from netpipeline.changes.diff import diff_trial, event
from netpipeline.changes.trial_states import load_states
from netpipeline.quality.results import gate
from netpipeline.warehouse import ensure_schema, transaction

CHANGES_DDL = """
CREATE SCHEMA IF NOT EXISTS changes;
CREATE TABLE IF NOT EXISTS changes.events (
    snapshot_date DATE    NOT NULL,
    base_date     DATE,
    nct_id        VARCHAR NOT NULL,
    event_type    VARCHAR NOT NULL,
    field         VARCHAR,
    old_value     VARCHAR,
    new_value     VARCHAR,
    details       JSON    NOT NULL,
    significance  VARCHAR NOT NULL,
    event_seq     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS changes.days (
    snapshot_date  DATE      NOT NULL,
    base_date      DATE,
    events         INTEGER   NOT NULL,
    trials_changed INTEGER   NOT NULL,
    computed_at    TIMESTAMP NOT NULL,
    elapsed_s      DOUBLE    NOT NULL
);
ALTER TABLE changes.days ADD COLUMN IF NOT EXISTS scope VARCHAR;
ALTER TABLE changes.days ADD COLUMN IF NOT EXISTS trials_in_scope INTEGER;
"""
SIGNIFICANCE_ORDER = {"high": 0, "medium": 1, "low": 2}
SCOPES = ("net", "all")

# Arrow schema of changes.events as written (details as JSON text, cast on insert).
_EVENTS_ARROW = pa.schema([
    ("snapshot_date", pa.date32()), ("base_date", pa.date32()), ("nct_id", pa.string()), ("event_type", pa.string()),
    ("field", pa.string()), ("old_value", pa.string()), ("new_value", pa.string()), ("details", pa.string()),
    ("significance", pa.string()), ("event_seq", pa.int32()),
])


class ChangeLogError(RuntimeError):
    """The day cannot get a change-log (not normalised yet, or its quality gate is closed)."""


@dataclass
class ChangeLog:
    snapshot_date: date
    base_date: date | None
    events: list[dict[str, Any]] = field(default_factory=list)
    elapsed_s: float = 0.0
    scope: str = "net"
    trials_in_scope: int = 0
    versions_diffed: int = 0      # trials in scope both days whose version changed

    def counts_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(e["event_type"] for e in self.events).items(), key=lambda kv: (-kv[1], kv[0])))

    def counts_by_significance(self) -> dict[str, int]:
        counts = Counter(e["significance"] for e in self.events)
        return {s: counts[s] for s in SIGNIFICANCE_ORDER if counts[s]}

    def busiest_trials(self, n: int = 10) -> list[tuple[str, int]]:
        return sorted(Counter(e["nct_id"] for e in self.events).items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def trials_changed(self) -> int:
        return len({e["nct_id"] for e in self.events})

    def preview(self, n: int = 20) -> list[dict[str, Any]]:
        """The n most significant events (then by trial), for a UI."""
        ranked = sorted(enumerate(self.events), key=lambda ie: (SIGNIFICANCE_ORDER[ie[1]["significance"]], ie[0]))
        return [e for _, e in ranked[:n]]


def ensure_changes_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, CHANGES_DDL)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, table]).fetchone())


def base_day(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    """The latest normalised day before `day` that passed its gate: every blocking check has a
    passing result. A gated day got no change-log and may hold bad data (comparing with it would
    report its defects); an unchecked day (its checks never ran or were cut off) got no
    change-log or digest either, so skipping it as a base carries its changes into this day's."""
    earlier = con.execute("SELECT snapshot_date FROM trials_versions.normalised_days WHERE snapshot_date < ? "
                          "ORDER BY snapshot_date DESC", [day]).fetchall()
    return next((d for (d,) in earlier if gate(con, d).passed), None)


def later_days_with_older_base(con: duckdb.DuckDBPyConnection, day: date) -> list[tuple[date, date | None]]:
    """Later days whose change-log was computed before `day` existed (base older than `day`, or a
    baseline): their events compare with an older day until they are re-materialised."""
    if not _has_table(con, "changes", "days"):
        return []
    return con.execute("SELECT snapshot_date, base_date FROM changes.days WHERE snapshot_date > ? "
                       "AND (base_date IS NULL OR base_date < ?) ORDER BY snapshot_date", [day, day]).fetchall()


def _scope_sql(scope: str) -> str:
    """(nct_id, content_hash, in_pull) of the in-scope studies of day $d."""
    if scope == "net":
        return ("SELECT d.nct_id, d.content_hash FROM raw.study_days d JOIN trials_versions.net_profile p "
                "ON p.content_hash = d.content_hash AND p.is_net WHERE d.snapshot_date = {d}")
    return "SELECT d.nct_id, d.content_hash FROM raw.study_days d WHERE d.snapshot_date = {d}"


def compute_changelog(con: duckdb.DuckDBPyConnection, day: date, scope: str = "net") -> ChangeLog:
    """The day's events against base_day(day); `scope` 'net' (the product) or 'all' (every study)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    started = time.monotonic()
    if not con.execute("SELECT 1 FROM trials_versions.normalised_days WHERE snapshot_date = ?", [day]).fetchone():
        raise ChangeLogError(f"{day} is not normalised yet: materialise trials for {day} first")
    base = base_day(con, day)
    log = ChangeLog(snapshot_date=day, base_date=base, scope=scope)
    today_sql, base_sql = _scope_sql(scope).format(d="$day"), _scope_sql(scope).format(d="$base")
    log.trials_in_scope = con.execute(f"SELECT count(*) FROM ({today_sql})", {"day": day}).fetchone()[0]
    if base is None:
        log.elapsed_s = time.monotonic() - started
        return log
    # Only what differs: entered (no base hash), left (no today hash), changed (two hashes).
    # in_other_pull: whether the study was in the other day's pull at all (why it entered/left).
    rows = con.execute(f"""
        SELECT coalesce(t.nct_id, b.nct_id) AS nct_id, b.content_hash, t.content_hash,
               CASE WHEN t.nct_id IS NULL THEN EXISTS (SELECT 1 FROM raw.study_days r
                                                       WHERE r.snapshot_date = $day AND r.nct_id = b.nct_id)
                    WHEN b.nct_id IS NULL THEN EXISTS (SELECT 1 FROM raw.study_days r
                                                       WHERE r.snapshot_date = $base AND r.nct_id = t.nct_id)
               END AS in_other_pull
        FROM ({today_sql}) t FULL OUTER JOIN ({base_sql}) b ON t.nct_id = b.nct_id
        WHERE t.content_hash IS DISTINCT FROM b.content_hash
        ORDER BY 1""", {"day": day, "base": base}).fetchall()
    states = load_states(con, [h for _, before, today, _ in rows for h in (before, today) if h])
    for nct, before, today, in_other_pull in rows:
        if before is None:
            log.events.append(_entry_event(nct, states[today], base, in_other_pull))
        elif today is None:
            s = states[before]
            log.events.append(event(nct, "left_scope", "high", "scope", s.get("brief_title"), None, {
                "reason": "no longer classified as NET" if in_other_pull else "no longer returned by the scope query",
                "overall_status": s.get("overall_status")}))
        else:
            log.versions_diffed += 1
            log.events.extend(diff_trial(states[before], states[today]))
    log.events.extend(_reclassified_events(con, day))
    log.events.sort(key=_event_order)
    log.elapsed_s = time.monotonic() - started
    return log


def _entry_event(nct: str, s: dict[str, Any], base: date, in_other_pull: bool) -> dict[str, Any]:
    """A study in scope today and not on the base day. Only a new registration (first posted
    after the base day) is a `new_trial`; an older study that the query or the rules now
    include is `entered_scope` (a MeSH re-index, a scope or rules upgrade: scope drift)."""
    details = {"brief_title": s.get("brief_title"), "overall_status": s.get("overall_status"),
               "phase_label": s.get("phase_label"), "lead_sponsor": s.get("lead_sponsor"),
               "study_first_post_date": str(s.get("study_first_post_date") or "") or None,
               "reason": "newly classified as NET" if in_other_pull else "newly returned by the scope query"}
    first_posted = s.get("study_first_post_date")
    if first_posted is None or first_posted > base:
        return event(nct, "new_trial", "high", "scope", None, s.get("brief_title"), details)
    return event(nct, "entered_scope", "medium", "scope", None, s.get("brief_title"), details)


def _reclassified_events(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Versions of the day whose NET call or subtypes our own rules changed when they were
    enriched again on this day (normalise.reenrich): reported as `reclassified`, not as new."""
    if not _has_table(con, "trials_versions", "reclassifications"):
        return []
    rows = con.execute("""
        SELECT r.nct_id, r.is_net_before, r.is_net_after, r.subtypes_before, r.subtypes_after,
               r.rules_version_before, r.rules_version_after
        FROM trials_versions.reclassifications r
        JOIN raw.study_days d ON d.content_hash = r.content_hash AND d.snapshot_date = r.snapshot_date
        WHERE r.snapshot_date = ? AND (r.is_net_before OR r.is_net_after)
        ORDER BY r.nct_id""", [day]).fetchall()
    return [event(nct, "reclassified", "medium", "net_profile", _net_call(was_net, old), _net_call(is_net, new), {
        "rules_version_before": before_version, "rules_version_after": after_version,
        "subtypes_before": list(old or []), "subtypes_after": list(new or [])})
        for nct, was_net, is_net, old, new, before_version, after_version in rows]


def _net_call(is_net: bool | None, subtypes: list[str] | None) -> str:
    if not is_net:
        return "not NET"
    return "NET" + (f" ({', '.join(subtypes)})" if subtypes else "")


def _event_order(e: dict[str, Any]) -> tuple:
    """A total order, so re-running a day numbers its events the same way."""
    return (e["nct_id"], SIGNIFICANCE_ORDER[e["significance"]], e["event_type"], e["field"] or "",
            e["old_value"] or "", e["new_value"] or "", json.dumps(e["details"], sort_keys=True, default=str))


def events_table(log: ChangeLog) -> pa.Table:
    """The log's events as an Arrow table in changes.events' column order (event_seq = list position)."""
    n = len(log.events)
    columns = {
        "snapshot_date": [log.snapshot_date] * n, "base_date": [log.base_date] * n,
        **{name: [e[name] for e in log.events]
           for name in ("nct_id", "event_type", "field", "old_value", "new_value")},
        "details": [json.dumps(e["details"], sort_keys=True, default=str, ensure_ascii=False) for e in log.events],
        "significance": [e["significance"] for e in log.events], "event_seq": list(range(n)),
    }
    return pa.table(columns, schema=_EVENTS_ARROW)


def write_changelog(con: duckdb.DuckDBPyConnection, log: ChangeLog) -> None:
    """Replace the day's events and summary row in one transaction (re-running a day gives the
    same rows). The events go in as one Arrow insert, not a statement per row."""
    ensure_changes_schema(con)
    events = events_table(log)  # noqa: F841 - read by DuckDB by name below
    with transaction(con):
        con.execute("DELETE FROM changes.events WHERE snapshot_date = ?", [log.snapshot_date])
        con.execute("DELETE FROM changes.days WHERE snapshot_date = ?", [log.snapshot_date])
        if log.events:
            con.execute("INSERT INTO changes.events SELECT snapshot_date, base_date, nct_id, event_type, field, old_value, "
                        "new_value, details::JSON, significance, event_seq FROM events")
        con.execute("INSERT INTO changes.days (snapshot_date, base_date, events, trials_changed, computed_at, elapsed_s, "
                    "scope, trials_in_scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [log.snapshot_date, log.base_date, len(log.events), log.trials_changed(),
                     datetime.now().replace(microsecond=0), round(log.elapsed_s, 3), log.scope, log.trials_in_scope])


def drop_changelog(con: duckdb.DuckDBPyConnection, day: date) -> int:
    """Delete the day's change-log (its events and changes.days row); returns the events deleted.

    Called when the day's trial tables are materialised again: a change-log computed from the
    state they replace must not outlive it. In the same run the change-log asset computes it
    again once the day's blocking checks pass; if they fail, the day has no change-log (rather
    than one from data that no longer passes).
    """
    if not _has_table(con, "changes", "days"):
        return 0
    with transaction(con):
        deleted = con.execute("DELETE FROM changes.events WHERE snapshot_date = ?", [day]).fetchall()[0][0]
        con.execute("DELETE FROM changes.days WHERE snapshot_date = ?", [day])
    return deleted


def read_events(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    cursor = con.execute("SELECT * EXCLUDE (event_seq) FROM changes.events WHERE snapshot_date = ? ORDER BY event_seq", [day])
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor.fetchall():
        item = dict(zip(names, row))
        item["details"] = json.loads(item["details"]) if item["details"] else {}
        out.append(item)
    return out
