"""The quality gate through real Dagster runs: each blocking failure stops the change-log and the
digest of its day, fixing the data and re-running clears the gate, warnings never stop a day.

One pipeline (replay server, warehouse, Dagster instance) for the module; 20 synthetic studies a
day. The `story` fixture plays every scenario once, in order, and records what each run, query
and digest-sensor tick returned right after it; the tests assert on that record. Runs are the
expensive part (~3-4 s each), so one day carries several scenarios, each undone before the next.

| day        | scenario                                                                                    |
|------------|---------------------------------------------------------------------------------------------|
| 2026-10-01 | baseline: every check passes                                                                |
| 2026-10-02 | 30% volume drop (14 of 20 studies)                                                          |
| 2026-10-05 | overallStatus PAUSED_FOR_LUNCH; change-log materialised by hand is refused; data fixed and   |
|            | re-run; then the day breaks after its change-log (enrolment -5): the sensor's skip reason,   |
|            | the digest asset's refusal; repaired and re-run: the digest is requested                    |
| 2026-10-06 | after a good raw+trials run, in turn: duplicated study row (whole day re-run), orphan site,  |
|            | a raw.study_days row lost (trials+checks+changes re-run; then the raw check on its own)      |
| 2026-10-07 | every warning check fails (26 studies against 20: a mass entry); the day goes on            |
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pytest

from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.orchestration.local_runs import RunOutcome
from netpipeline.quality.catalog import CHECKS
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import Harness, pipeline

pytestmark = pytest.mark.slow

BASELINE, VOLUME, ENUM, TAMPER, WARNINGS = "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"
STUDIES = 20
TRIALS_AND_CHANGES = ["trials/trial_tables", "changes/events"]
RAW_AND_TRIALS = ["raw/ctgov_studies", "trials/trial_tables"]
ORPHAN_NCT = "NCT99999999"
BLOCKING = {c.name for c in CHECKS if c.severity == "blocking"}
WARNING_CHECKS = {c.name for c in CHECKS if c.severity == "warning"}


def _day(day: str, changes: dict[int, dict[str, Any]] | None = None, count: int = STUDIES) -> list[dict[str, Any]]:
    """The day's studies: NCT00000001.. with `changes` (study number -> make_study overrides)."""
    changes = changes or {}
    return [make_study(nct(i), day, **changes.get(i, {})) for i in range(1, count + 1)]


SITE = {"facility": "Mayo Clinic", "city": "Rochester", "state": "Minnesota", "country": "United States",
        "status": "RECRUITING", "geoPoint": {"lat": 44.0121, "lon": -92.4802}}
SNAPSHOTS = {
    BASELINE: _day(BASELINE),
    VOLUME: _day(VOLUME, count=14),
    ENUM: _day(ENUM, {3: {"statusModule.overallStatus": "PAUSED_FOR_LUNCH"}}),
    # NCT00000005 changes on this day only, so the version tampered with belongs to this day alone
    # (an unchanged study's version is shared by every day it is seen).
    TAMPER: _day(TAMPER, {5: {"designModule.enrollmentInfo": {"count": 60, "type": "ESTIMATED"}}}),
    WARNINGS: _day(WARNINGS, {
        11: {"statusModule.startDateStruct": {"date": "2027-09-15", "type": "ESTIMATED"}},          # after 2027-06-30
        12: {"contactsLocationsModule.locations": [{**SITE, "geoPoint": {"lat": 123.4, "lon": -92.48}}]},
        13: {"contactsLocationsModule.locations": [{**SITE, "status": "COMPLETED"}]},              # study RECRUITING
        14: {"armsInterventionsModule.interventions": [{"type": "TELEPATHY", "name": "Octreotide LAR"}]},
    }, count=26),  # 26 studies against 20: a mass entry (+30%)
}
ENUM_FIXED = _day(ENUM, {3: {"statusModule.overallStatus": "ACTIVE_NOT_RECRUITING"}})


@dataclass
class Step:
    """What one scenario step left behind, captured right after it."""

    run: RunOutcome | None = None
    digests: list[str] = field(default_factory=list)     # days the digest sensor started a digest for
    skip: str | None = None                              # the sensor's skip reason
    events: int = 0                                      # changes.events rows of the day
    change_days: int = 0                                 # changes.days rows of the day
    results: dict[str, dict[str, Any]] = field(default_factory=dict)   # quality.check_results of the day
    extra: dict[str, Any] = field(default_factory=dict)


def _results(h: Harness, day: str) -> dict[str, dict[str, Any]]:
    rows = h.query("SELECT check_name, severity, passed, evaluated_rows, failures, failure_share, sample, summary, run_id "
                   "FROM quality.check_results WHERE snapshot_date = ?", [day])
    return {r[0]: {"severity": r[1], "passed": r[2], "evaluated_rows": r[3], "failures": r[4], "failure_share": r[5],
                   "sample": json.loads(r[6]), "summary": r[7], "run_id": r[8]} for r in rows}


def _capture(h: Harness, day: str, run: RunOutcome | None, tick: bool = True, **extra: Any) -> Step:
    step = Step(run=run, extra=extra)
    if tick:
        runs, step.skip = h.tick_digest()
        assert all(r.success for r in runs), [r.error for r in runs]
        step.digests = [r.partition for r in runs]
    step.events = h.query("SELECT count(*) FROM changes.events WHERE snapshot_date = ?", [day])[0][0]
    step.change_days = h.query("SELECT count(*) FROM changes.days WHERE snapshot_date = ?", [day])[0][0]
    step.results = _results(h, day)
    return step


def _step_error(h: Harness, run_id: str) -> str:
    """The errors behind the run's step failures (class name and message, causes included)."""
    texts = []
    for entry in h.instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = entry.dagster_event.event_specific_data.error
        while error is not None:
            texts.append(f"{error.cls_name}: {error.message}")
            error = error.cause
    return "\n".join(texts)


def _evaluations(h: Harness, run_id: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data
            for e in h.instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)}


def _version(h: Harness, day: str, nct_id: str) -> str:
    return h.query("SELECT content_hash FROM raw.study_days WHERE snapshot_date = ? AND nct_id = ?", [day, nct_id])[0][0]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("quality_gate")
    snapshots = tmp_path / "replay"
    for day, studies in SNAPSHOTS.items():
        write_day(snapshots, day, studies)
    s: dict[str, Step] = {}
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp_path, snapshots, mp) as h:
        s["baseline"] = _capture(h, BASELINE, h.run_day(BASELINE), tick=False)
        s["volume"] = _capture(h, VOLUME, h.run_day(VOLUME))

        # Bad enum: the run (then the sensor), the change-log asset materialised by hand.
        enum_run = h.run_day(ENUM)
        latest = h.instance.get_latest_asset_check_evaluation_record(dg.AssetCheckKey(TRIAL_TABLES, "enums_valid"))
        s["enum"] = _capture(h, ENUM, enum_run, evaluations=_evaluations(h, enum_run.run_id),
                             latest_evaluation=latest.event.dagster_event.event_specific_data)
        manual = h.run_day(ENUM, assets=["changes/events"])
        s["enum_manual_changes"] = _capture(h, ENUM, manual, tick=False, error=_step_error(h, manual.run_id))
        # The upstream data is corrected and the whole day re-run (the pull replaces the stored day).
        write_day(snapshots, ENUM, ENUM_FIXED)
        s["enum_fixed"] = _capture(h, ENUM, h.run_day(ENUM), tick=False, event_rows=h.query(
            "SELECT nct_id, event_type, old_value, new_value, base_date::VARCHAR FROM changes.events WHERE snapshot_date = ?",
            [ENUM]))
        # Before the digest sensor's next tick the day breaks (a normalisation bug, say) and is re-run.
        fixed_version = _version(h, ENUM, nct(3))
        h.execute("UPDATE trials_versions.studies SET enrollment = -5 WHERE content_hash = ?", [fixed_version])
        s["broken_after_changes"] = _capture(h, ENUM, h.run_day(ENUM, assets=TRIALS_AND_CHANGES))
        manual_digest = h.run_day(ENUM, assets=["digest/emails"])
        s["manual_digest"] = _capture(h, ENUM, manual_digest, tick=False, error=_step_error(h, manual_digest.run_id),
                                      deliveries=h.query("SELECT count(*) FROM digest.deliveries WHERE snapshot_date = ?",
                                                         [ENUM])[0][0])
        h.execute("UPDATE trials_versions.studies SET enrollment = 40 WHERE content_hash = ?", [fixed_version])
        s["repaired"] = _capture(h, ENUM, h.run_day(ENUM, assets=TRIALS_AND_CHANGES))

        # One good raw+trials run (no change-log), then one breakage at a time, each undone after.
        s["tamper_good"] = _capture(h, TAMPER, h.run_day(TAMPER, assets=RAW_AND_TRIALS), tick=False)
        version = _version(h, TAMPER, nct(5))
        # Duplicate NCT ID: the ingest refuses duplicates, so the normalised row is duplicated; the
        # whole day is re-run and the duplicate stays (normalisation never re-shreds a version).
        h.execute("INSERT INTO trials_versions.studies SELECT * FROM trials_versions.studies WHERE content_hash = ?", [version])
        s["duplicate"] = _capture(h, TAMPER, h.run_day(TAMPER))
        h.execute("DELETE FROM trials_versions.studies WHERE rowid = (SELECT max(rowid) FROM trials_versions.studies "
                  "WHERE content_hash = ?)", [version])
        # Orphan site: a facilities row of one of the day's versions, for a study that does not exist.
        h.execute("INSERT INTO trials_versions.facilities (content_hash, nct_id, facility_id, name, status) "
                  "VALUES (?, ?, 1, 'Ghost Hospital', 'RECRUITING')", [version, ORPHAN_NCT])
        s["orphan"] = _capture(h, TAMPER, h.run_day(TAMPER, assets=TRIALS_AND_CHANGES))
        h.execute("DELETE FROM trials_versions.facilities WHERE nct_id = ?", [ORPHAN_NCT])
        # Partial day: a study lost from raw.study_days after the pull; trials+checks+changes re-run.
        h.drop_from_day(TAMPER, nct(7))
        s["partial"] = _capture(h, TAMPER, h.run_day(TAMPER, assets=TRIALS_AND_CHANGES))
        # The raw checks run with the raw asset, or on their own when selected (as from the UI).
        raw_check = h.defs.resolve_job_def("daily_job").get_subset(
            asset_check_selection={dg.AssetCheckKey(RAW_STUDIES, "raw_day_complete")})
        result = raw_check.execute_in_process(partition_key=TAMPER, instance=h.instance, raise_on_error=False)
        s["partial_raw_check"] = _capture(h, TAMPER, None, tick=False, evaluations={
            e.check_name: e for e in result.get_asset_check_evaluations()})

        # Warnings. The previous stored day's data timestamp is moved past this day's (a clock glitch).
        h.execute("UPDATE raw.pulls SET data_timestamp = TIMESTAMP '2026-10-07 23:00:00' WHERE snapshot_date = ?", [TAMPER])
        warnings_run = h.run_day(WARNINGS)
        s["warnings"] = _capture(h, WARNINGS, warnings_run, evaluations=_evaluations(h, warnings_run.run_id))
        yield s


def _failed(step: Step) -> set[str]:
    return {name for name, r in step.results.items() if not r["passed"]}


def _assert_gate_closed(step: Step, day: str, check: str) -> None:
    """The named blocking check failed; the day's change-log was not computed in the run, none
    exists, and the digest sensor started no digest for the day."""
    assert not step.run.success
    assert check in step.run.failed_checks and check in _failed(step), step.results.get(check)
    assert step.results[check]["severity"] == "blocking"
    assert "changes/events" not in step.run.materialized and "changes__events" in step.run.skipped
    assert step.events == 0 and step.change_days == 0
    assert day not in step.digests


def _sample_values(step: Step, check: str) -> list[tuple[Any, Any]]:
    return [(e.get("nct_id"), e.get("value")) for e in step.results[check]["sample"]]


def test_baseline_day_passes_every_check(story):
    step = story["baseline"]
    assert step.run.success and not step.run.failed_checks and not step.run.skipped
    assert step.run.materialized == ["changes/events", "published/warehouse", "raw/ctgov_studies", "trials/trial_tables"]
    assert set(step.results) == BLOCKING | WARNING_CHECKS
    assert all(r["passed"] and r["failures"] == 0 and r["run_id"] == step.run.run_id for r in step.results.values())
    assert step.change_days == 1


def test_volume_drop_of_30_percent_blocks_the_day(story):
    step = story["volume"]
    _assert_gate_closed(step, VOLUME, "volume_within_limit")
    assert step.run.failed_checks == ["volume_within_limit"]
    # A blocking raw check stops normalisation too: nothing after the pull ran.
    assert step.run.materialized == ["raw/ctgov_studies"] and "trials__trial_tables" in step.run.skipped
    result = step.results["volume_within_limit"]
    assert result["sample"][0]["value"] == pytest.approx(0.3)
    assert result["sample"][0]["context"] == {"studies": 14, "previous_date": BASELINE, "previous_studies": 20}
    assert "drop_share=0.3 (studies=14, previous_date='2026-10-01', previous_studies=20)" in result["summary"]
    # The sensor's tick: the baseline's change-log was waiting, its digest (only) is started.
    assert step.digests == [BASELINE]


def test_bad_enum_blocks_the_day_and_names_the_trial(story):
    step = story["enum"]
    _assert_gate_closed(step, ENUM, "enums_valid")
    assert (nct(3), "PAUSED_FOR_LUNCH") in _sample_values(step, "enums_valid")
    assert "NCT00000003 overall_status='PAUSED_FOR_LUNCH'" in step.results["enums_valid"]["summary"]
    # The normaliser kept the value and reported it, so the warning fails too (and decides nothing).
    assert "no_unknown_enum_values" in _failed(step)
    assert step.digests == [] and step.skip == "no new change-log materialisation"


def test_check_metadata_is_in_the_dagster_event_log(story):
    step = story["enum"]
    evaluation = step.extra["evaluations"]["enums_valid"]
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.ERROR
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert metadata["severity"] == "blocking"
    assert metadata["failures"] == 1 and metadata["evaluated_rows"] == step.results["enums_valid"]["evaluated_rows"]
    assert metadata["failure_share"] == pytest.approx(1 / metadata["evaluated_rows"], abs=1e-6)
    assert metadata["offending_nct_ids"] == [nct(3)]
    assert metadata["offending_sample"][0]["value"] == "PAUSED_FOR_LUNCH"
    assert "NCT00000003 overall_status='PAUSED_FOR_LUNCH'" in evaluation.description
    # The instance's latest evaluation record of the check is this one.
    assert step.extra["latest_evaluation"].metadata["offending_nct_ids"].value == [nct(3)]
    # Passing checks carry the same metadata.
    passed = step.extra["evaluations"]["nct_id_valid"]
    assert passed.passed and passed.metadata["failures"].value == 0 and passed.metadata["evaluated_rows"].value == STUDIES


def test_the_change_log_asset_refuses_a_blocked_day(story):
    step = story["enum_manual_changes"]
    assert not step.run.success and step.run.materialized == []
    assert "ChangeLogError" in step.extra["error"]
    assert "enums_valid" in step.extra["error"] and "PAUSED_FOR_LUNCH" in step.extra["error"]
    assert step.events == 0 and step.change_days == 0


def test_fixing_the_data_and_rerunning_clears_the_gate(story):
    step = story["enum_fixed"]
    assert step.run.success and not step.run.failed_checks
    assert "changes/events" in step.run.materialized
    assert all(r["passed"] for r in step.results.values())
    # Compared with the baseline (the volume day was never normalised): the status change is an event.
    assert (nct(3), "status_changed", "RECRUITING", "ACTIVE_NOT_RECRUITING", BASELINE) in step.extra["event_rows"]
    assert step.change_days == 1
    # The volume check compared with the baseline too, not with the failed volume day.
    assert step.results["volume_within_limit"]["sample"] == []


def test_sensor_skip_reason_names_the_check_of_a_day_broken_after_its_change_log(story):
    step = story["broken_after_changes"]
    assert step.run.failed_checks == ["enrollment_non_negative"] and "changes__events" in step.run.skipped
    # The change-log computed before the day broke went with the trial tables it came from.
    assert step.events == 0 and step.change_days == 0
    # The tick finds the change-log materialised before the day broke, and starts no digest.
    assert step.digests == []
    assert step.skip.startswith(f"{ENUM}: blocking checks failed: enrollment_non_negative (1 of 20 rows failed")
    assert "NCT00000003 enrollment=-5" in step.skip
    # Materialised by hand, the digest asset refuses too, and nothing is sent.
    manual = story["manual_digest"]
    assert not manual.run.success and manual.run.materialized == []
    assert "DigestGateError" in manual.extra["error"] and "enrollment_non_negative" in manual.extra["error"]
    assert manual.extra["deliveries"] == 0


def test_repairing_and_rerunning_clears_the_gate_for_the_sensor(story):
    step = story["repaired"]
    assert step.run.success and step.run.materialized == ["changes/events", "trials/trial_tables"]
    assert all(r["passed"] for r in step.results.values())
    assert step.events > 0 and step.change_days == 1
    assert step.digests == [ENUM]


def test_duplicate_nct_id_blocks_the_day(story):
    assert story["tamper_good"].run.success
    assert all(r["passed"] for r in story["tamper_good"].results.values())
    step = story["duplicate"]
    _assert_gate_closed(step, TAMPER, "nct_id_valid")
    assert _sample_values(step, "nct_id_valid") == [(nct(5), nct(5))] * 2
    assert step.results["nct_id_valid"]["failures"] == 2
    # The two rows of one raw study also break the raw <-> trials reconciliation.
    assert (nct(5), 2) in _sample_values(step, "raw_trials_reconciled")
    assert step.skip == "no new change-log materialisation"


def test_orphan_site_blocks_the_day(story):
    step = story["orphan"]
    _assert_gate_closed(step, TAMPER, "children_have_parent")
    assert step.run.failed_checks == ["children_have_parent"]
    assert step.results["children_have_parent"]["sample"] == [
        {"nct_id": ORPHAN_NCT, "column": "has_parent", "value": False, "context": {"child_table": "facilities"},
         "part": "trials.*"}]


def test_partial_raw_day_blocks_the_day(story):
    step = story["partial"]
    _assert_gate_closed(step, TAMPER, "raw_trials_reconciled")
    assert step.run.failed_checks == ["raw_trials_reconciled"]
    # 19 studies normalised, 20 pulled: the study lost after the pull shows in the counts.
    assert (None, {"trials_studies": 19, "pulled_studies": 20}) in _sample_values(step, "raw_trials_reconciled")
    # The raw check, run on its own, names the same loss against the API's totalCount.
    evaluation = story["partial_raw_check"].extra["evaluations"]["raw_day_complete"]
    assert not evaluation.passed
    assert "distinct_studies=19, total_count=20" in evaluation.description
    assert not story["partial_raw_check"].results["raw_day_complete"]["passed"]


def test_every_warning_can_fail_and_the_day_goes_on(story):
    step = story["warnings"]
    assert step.run.success, step.run.error
    assert set(step.run.failed_checks) == WARNING_CHECKS
    assert not _failed(step) & BLOCKING
    assert step.run.materialized == ["changes/events", "published/warehouse", "raw/ctgov_studies", "trials/trial_tables"]
    assert step.change_days == 1 and step.digests == [WARNINGS]
    for name in WARNING_CHECKS:
        assert step.extra["evaluations"][name].severity == dg.AssetCheckSeverity.WARN
        assert step.results[name]["severity"] == "warning"
    samples = {name: _sample_values(step, name) for name in WARNING_CHECKS}
    assert samples["start_before_completion"] == [(nct(11), False)]
    assert samples["site_coordinates_in_range"] == [(nct(12), 123.4)]
    assert samples["recruiting_trials_have_recruiting_site"] == [(nct(13), 0)]
    assert samples["no_unknown_enum_values"] == [
        (nct(14), "protocolSection.armsInterventionsModule.interventions.type = TELEPATHY")]
    assert samples["volume_rise_within_limit"] == [(None, 0.3)]
    assert samples["data_date_advances"] == [
        (None, {"data_timestamp": "2026-10-07T09:00:05", "previous_data_timestamp": "2026-10-07T23:00:00"})]
