"""No false events on genuine records: the 1,043 real API v2 records of ../shared/ctgov/studies
served again the next day with only what really differs between consecutive days (a new
versionHolder, MeSH browse lists in another order, other asFound values) give ZERO events.

None of the real records is NET, so the NET scope would see nothing and prove nothing: the
change-log runs with scope="all". To make the diff itself (not only the content hash) face
them, every study's MeSH `meshes`/`ancestors` lists are also re-ordered: that gives a new
version wherever a list has two or more terms, and those versions are diffed field by field.
A third day with one title edited must give exactly one event.
"""
from __future__ import annotations

import copy
import datetime
import random

import orjson
import pytest

from netpipeline.changes.changelog import compute_changelog
from netpipeline.ingest.content_hash import content_hash
from netpipeline.ingest.raw_store import store_day_map
from netpipeline.normalise import normalise_day
from netpipeline.quality.results import run_all_day_checks
from netpipeline_tests.conftest import require_shared_ctgov
from netpipeline_tests.test_normalise_support import new_warehouse, real_records

DAY1, DAY2, DAY3 = (datetime.date(2026, 11, 18) + datetime.timedelta(days=i) for i in range(3))
_BROWSE = ("conditionBrowseModule", "interventionBrowseModule")


def _reordered(items: list, rng: random.Random) -> list:
    out = list(items)
    rng.shuffle(out)
    return out[1:] + out[:1] if len(out) > 1 and out == items else out


def next_day(record: dict, day: datetime.date, rng: random.Random) -> dict:
    """The record as the API serves it on `day` with nothing changed but the volatile parts."""
    record = copy.deepcopy(record)
    derived = record.setdefault("derivedSection", {})
    derived.setdefault("miscInfoModule", {})["versionHolder"] = day.isoformat()
    conditions = record["protocolSection"].get("conditionsModule", {}).get("conditions") or ["x"]
    for name in _BROWSE:
        module = derived.get(name)
        if not module:
            continue
        for key in ("browseLeaves", "browseBranches", "meshes", "ancestors"):
            if key in module:
                module[key] = _reordered(module[key], rng)
        for leaf in module.get("browseLeaves", []):
            if "asFound" in leaf:
                leaf["asFound"] = rng.choice([c for c in conditions if c != leaf["asFound"]] or [leaf["asFound"].upper()])
    return record


def store_day(con, day: datetime.date, records: list[dict]) -> None:
    """One raw day the way raw_store writes it (payload once per content hash, the day's version map),
    in two bulk statements."""
    served = [(content_hash(r), r["protocolSection"]["identificationModule"]["nctId"], orjson.dumps(r).decode())
              for r in records]
    hashes, ncts, payloads = (list(col) for col in zip(*served))
    con.execute("INSERT INTO raw.study_payloads SELECT h, any_value(n), any_value(p), any_value(strlen(p)), $day FROM "
                "(SELECT unnest($h) AS h, unnest($n) AS n, unnest($p) AS p) WHERE h NOT IN (SELECT content_hash FROM "
                "raw.study_payloads) GROUP BY h", {"h": hashes, "n": ncts, "p": payloads, "day": day})
    store_day_map(con, day, "SELECT unnest($n) AS nct_id, unnest($h) AS content_hash, NULL AS last_update_post_date",
                  {"h": hashes, "n": ncts}, data_timestamp=datetime.datetime.combine(day, datetime.time()))


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    require_shared_ctgov()
    records = list(real_records().values())
    rng = random.Random(20261119)
    day2 = [next_day(r, DAY2, rng) for r in records]
    day3 = [next_day(r, DAY3, rng) for r in day2]
    edited = day3[17]["protocolSection"]["identificationModule"]
    title = (edited["briefTitle"], edited["briefTitle"] + " (updated)")
    edited["briefTitle"] = title[1]
    con = new_warehouse(tmp_path_factory.mktemp("changes_real") / "w.duckdb")
    for day, studies in ((DAY1, records), (DAY2, day2), (DAY3, day3)):
        store_day(con, day, studies)
        normalise_day(con, day)
        run_all_day_checks(con, day, volume_drop_max=0.1)   # only a day that passed its gate is a base
    yield con, (records, day2), edited["nctId"], title
    con.close()


def test_the_volatile_differences_are_real(days):
    con, (records, day2), _, _ = days
    assert len(records) == 1043
    assert all(orjson.dumps(a) != orjson.dumps(b) for a, b in zip(records, day2))  # every study is served differently
    same_version = sum(content_hash(a) == content_hash(b) for a, b in zip(records, day2))
    assert 0 < same_version < 1043
    payloads = {r[0]: r[1] for r in con.execute(
        "SELECT d.snapshot_date, count(*) FILTER (WHERE p.first_seen_date = d.snapshot_date) "
        "FROM raw.study_days d JOIN raw.study_payloads p USING (content_hash) GROUP BY ALL").fetchall()}
    # Re-ordered meshes/ancestors give new versions on day 2 (browse lists/asFound/versionHolder alone do not).
    assert payloads[DAY1] == 1043 and payloads[DAY2] == 1043 - same_version > 300


def test_no_event_between_two_days_of_genuine_records(days):
    con, _, _, _ = days
    log = compute_changelog(con, DAY2, scope="all")
    assert log.base_date == DAY1 and log.trials_in_scope == 1043
    assert log.versions_diffed > 300  # the diff compared those studies field by field
    assert log.events == []


def test_one_edited_title_is_exactly_one_event(days):
    con, _, nct_id, (old, new) = days
    log = compute_changelog(con, DAY3, scope="all")
    assert log.versions_diffed > 300
    assert [(e["nct_id"], e["event_type"], e["old_value"], e["new_value"]) for e in log.events] == [
        (nct_id, "title_changed", old, new)]


def test_none_of_the_genuine_records_is_net(days):
    con, _, _, _ = days
    assert compute_changelog(con, DAY2).trials_in_scope == 0  # why the tests above use scope="all"
