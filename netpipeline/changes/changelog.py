"""The day's change-log: typed events against the latest earlier normalised day.

In scope on a day = returned by the scope query that day AND classified NET (trials.net_profile).
The first normalised day is a baseline (no events). A missing previous day is not an error: the
base is the latest earlier normalised day, recorded in every event and in changes.days.
Only studies whose content version changed are diffed, so the cost follows the changes.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from netpipeline.changes.diff import diff_trial, event
from netpipeline.changes.trial_states import load_states
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
"""
SIGNIFICANCE_ORDER = {"high": 0, "medium": 1, "low": 2}


class ChangeLogError(RuntimeError):
    """The day cannot get a change-log (not normalised yet, or its quality gate is closed)."""


@dataclass
class ChangeLog:
    snapshot_date: date
    base_date: date | None
    events: list[dict[str, Any]] = field(default_factory=list)
    elapsed_s: float = 0.0

    def counts_by_type(self) -> dict[str, int]:
        return dict(Counter(e["event_type"] for e in self.events).most_common())

    def busiest_trials(self, n: int = 10) -> list[tuple[str, int]]:
        return Counter(e["nct_id"] for e in self.events).most_common(n)


def ensure_changes_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, CHANGES_DDL)


def base_day(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    row = con.execute("SELECT max(snapshot_date) FROM trials_versions.normalised_days WHERE snapshot_date < ?", [day]).fetchone()
    return row[0] if row else None


def _scope(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, str]:
    """nct_id -> content_hash of the day's in-scope (NET) studies."""
    rows = con.execute(
        "SELECT d.nct_id, d.content_hash FROM raw.study_days d "
        "JOIN trials_versions.net_profile p USING (content_hash) WHERE d.snapshot_date = ? AND p.is_net",
        [day],
    ).fetchall()
    return dict(rows)


def compute_changelog(con: duckdb.DuckDBPyConnection, day: date) -> ChangeLog:
    started = time.monotonic()
    if not con.execute("SELECT 1 FROM trials_versions.normalised_days WHERE snapshot_date = ?", [day]).fetchone():
        raise ChangeLogError(f"{day} is not normalised yet: materialise trials for {day} first")
    base = base_day(con, day)
    log = ChangeLog(snapshot_date=day, base_date=base)
    if base is None:
        log.elapsed_s = time.monotonic() - started
        return log
    today, before = _scope(con, day), _scope(con, base)
    in_pull_today = {r[0] for r in con.execute("SELECT nct_id FROM raw.study_days WHERE snapshot_date = ?", [day]).fetchall()}
    entered = sorted(set(today) - set(before))
    left = sorted(set(before) - set(today))
    changed = sorted(n for n in set(today) & set(before) if today[n] != before[n])
    states = load_states(con, [today[n] for n in entered + changed] + [before[n] for n in left + changed])
    for nct in entered:
        s = states[today[nct]]
        log.events.append(event(nct, "new_trial", "high", "scope", None, s.get("brief_title"), {
            "brief_title": s.get("brief_title"), "overall_status": s.get("overall_status"),
            "phase_label": s.get("phase_label"), "lead_sponsor": s.get("lead_sponsor")}))
    for nct in left:
        s = states[before[nct]]
        reason = "no longer classified as NET" if nct in in_pull_today else "no longer returned by the scope query"
        log.events.append(event(nct, "left_scope", "high", "scope", s.get("brief_title"), None, {
            "reason": reason, "overall_status": s.get("overall_status")}))
    for nct in changed:
        log.events.extend(diff_trial(states[before[nct]], states[today[nct]]))
    log.events.sort(key=lambda e: (e["nct_id"], SIGNIFICANCE_ORDER[e["significance"]], e["event_type"], e["field"] or "",
                                   e["old_value"] or "", e["new_value"] or ""))
    log.elapsed_s = time.monotonic() - started
    return log


def write_changelog(con: duckdb.DuckDBPyConnection, log: ChangeLog) -> None:
    """Replace the day's events (re-running a day gives the same rows)."""
    ensure_changes_schema(con)
    rows = [[log.snapshot_date, log.base_date, e["nct_id"], e["event_type"], e["field"], e["old_value"], e["new_value"],
             json.dumps(e["details"], sort_keys=True, default=str), e["significance"], seq]
            for seq, e in enumerate(log.events)]
    with transaction(con):
        con.execute("DELETE FROM changes.events WHERE snapshot_date = ?", [log.snapshot_date])
        con.execute("DELETE FROM changes.days WHERE snapshot_date = ?", [log.snapshot_date])
        if rows:
            con.executemany("INSERT INTO changes.events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("INSERT INTO changes.days VALUES (?, ?, ?, ?, ?, ?)",
                    [log.snapshot_date, log.base_date, len(log.events), len({e["nct_id"] for e in log.events}),
                     datetime.now().replace(microsecond=0), round(log.elapsed_s, 3)])


def read_events(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    cursor = con.execute("SELECT * EXCLUDE (event_seq) FROM changes.events WHERE snapshot_date = ? ORDER BY event_seq", [day])
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor.fetchall():
        item = dict(zip(names, row))
        item["details"] = json.loads(item["details"]) if item["details"] else {}
        out.append(item)
    return out
