"""normalise_day over all 1,043 genuine API v2 records, checked against the JSON in Python.

The raw layer holds two days: day 2 serves exactly the same versions as day 1, so it must
reuse every shredded version and show the same rows under another snapshot_date.
"""
from __future__ import annotations

import datetime
import re

import pytest

from netpipeline.normalise import normalise_day
from netpipeline.normalise.trials_schema import DATE_FIELDS, VERSION_TABLES
from netpipeline_tests.test_normalise_support import (
    DAY1, DAY2, new_warehouse, real_records, store_day, table_counts,
)


@pytest.fixture(scope="module")
def records():
    return real_records()


@pytest.fixture(scope="module")
def normalised(records, tmp_path_factory):
    con = new_warehouse(tmp_path_factory.mktemp("normalise") / "warehouse.duckdb")
    store_day(con, DAY1, records.values())
    store_day(con, DAY2, records.values())
    results = (normalise_day(con, DAY1), normalise_day(con, DAY2))
    yield con, results
    con.close()


def _by_nct(con, sql):
    return {row[0]: row[1:] for row in con.execute(sql, [DAY1]).fetchall()}


def test_every_record_is_shredded_once_and_day_two_reuses_all(records, normalised):
    con, (day1, day2) = normalised
    assert day1.studies == len(records) == 1043
    assert day1.versions_shredded == 1043 and day1.versions_reused == 0
    assert day2.versions_shredded == 0 and day2.versions_reused == 1043
    assert day1.rows_inserted["studies"] == 1043
    assert sum(day2.rows_inserted.values()) == 0
    assert day1.day_rows == day2.day_rows
    assert con.execute("SELECT count(*) FROM trials_versions.studies").fetchall()[0][0] == 1043


@pytest.mark.parametrize("table, count_of", [
    ("facilities", lambda p: len(p.get("contactsLocationsModule", {}).get("locations", []))),
    ("interventions", lambda p: len(p.get("armsInterventionsModule", {}).get("interventions", []))),
    ("conditions", lambda p: len(p.get("conditionsModule", {}).get("conditions", []))),
    ("design_groups", lambda p: len(p.get("armsInterventionsModule", {}).get("armGroups", []))),
    ("design_outcomes", lambda p: sum(len(p.get("outcomesModule", {}).get(key, []))
                                      for key in ("primaryOutcomes", "secondaryOutcomes",
                                                  "otherOutcomes"))),
])
def test_child_row_counts_match_the_json_for_every_study(records, normalised, table, count_of):
    con, _ = normalised
    counts = dict(con.execute(
        f"SELECT s.nct_id, count(t.nct_id) FROM trials.studies s "
        f"LEFT JOIN trials.{table} t USING (snapshot_date, nct_id) "
        f"WHERE s.snapshot_date = ? GROUP BY s.nct_id", [DAY1]).fetchall())
    expected = {nct: count_of(rec["protocolSection"]) for nct, rec in records.items()}
    assert counts == expected


def _expected_date(raw: str | None) -> tuple[datetime.date | None, str | None]:
    if raw is None:
        return None, None
    parts = [int(p) for p in raw.split("-")]
    precision = {1: "year", 2: "month", 3: "day"}[len(parts)]
    return datetime.date(parts[0], parts[1] if len(parts) > 1 else 1,
                         parts[2] if len(parts) > 2 else 1), precision


def test_dates_raw_precision_type_and_typed_value(records, normalised):
    con, _ = normalised
    columns = ", ".join(f"{p}, {p}_raw, {p}_precision, {p}_type" for p, _, _ in DATE_FIELDS)
    rows = _by_nct(con, f"SELECT nct_id, {columns} FROM trials.studies WHERE snapshot_date = ?")
    seen_precisions = set()
    for nct_id, record in records.items():
        status = record["protocolSection"]["statusModule"]
        for index, (_prefix, key, is_struct) in enumerate(DATE_FIELDS):
            value = status.get(key)
            raw = value.get("date") if is_struct and value else value
            date_type = value.get("type") if is_struct and value else None
            typed, precision = _expected_date(raw)
            seen_precisions.add(precision)
            assert rows[nct_id][index * 4:index * 4 + 4] == (typed, raw, precision, date_type), \
                (nct_id, key)
    assert {"month", "day"} <= seen_precisions  # real partial dates (yyyy: see edge-case tests)


def _age_years(text: str | None) -> float | None:
    match = re.fullmatch(r"(\d+) (Year|Month|Week|Day|Hour|Minute)s?", text or "")
    if not match:
        return None
    per_year = {"Year": 1, "Month": 12, "Week": 365.25 / 7, "Day": 365.25, "Hour": 365.25 * 24,
                "Minute": 365.25 * 24 * 60}[match[2]]
    return int(match[1]) / per_year


def test_ages_converted_to_years(records, normalised):
    con, _ = normalised
    rows = _by_nct(con, "SELECT nct_id, minimum_age, maximum_age, minimum_age_years, "
                        "maximum_age_years FROM trials.eligibilities WHERE snapshot_date = ?")
    units = set()
    for nct_id, record in records.items():
        eligibility = record["protocolSection"]["eligibilityModule"]
        low, high = eligibility.get("minimumAge"), eligibility.get("maximumAge")
        units.update(re.sub(r"\d+ ", "", age) for age in (low, high) if age)
        assert rows[nct_id][:2] == (low, high)
        for got, want in zip(rows[nct_id][2:], (_age_years(low), _age_years(high))):
            assert got == pytest.approx(want) if want is not None else got is None, nct_id
    assert "Months" in units  # a non-year unit is exercised


def _phase_label(phases: list[str] | None) -> str | None:
    if not phases:
        return None
    if phases == ["NA"]:
        return "Not Applicable"
    if phases == ["EARLY_PHASE1"]:
        return "Early Phase 1"
    return "Phase " + "/".join(sorted(p.removeprefix("PHASE") for p in phases))


def test_phases_label_and_sponsor_class(records, normalised):
    con, _ = normalised
    rows = _by_nct(con, "SELECT nct_id, phases, phase_label, study_type, lead_sponsor, "
                        "lead_sponsor_class FROM trials.studies WHERE snapshot_date = ?")
    lead_rows = _by_nct(con, "SELECT nct_id, name, agency_class FROM trials.sponsors "
                             "WHERE snapshot_date = ? AND lead_or_collaborator = 'lead'")
    labels = set()
    for nct_id, record in records.items():
        protocol = record["protocolSection"]
        phases = protocol["designModule"].get("phases")
        lead = protocol["sponsorCollaboratorsModule"]["leadSponsor"]
        assert rows[nct_id] == (phases, _phase_label(phases), protocol["designModule"]["studyType"],
                                lead["name"], lead["class"])
        assert lead_rows[nct_id] == (lead["name"], lead["class"])
        labels.add(rows[nct_id][1])
    assert {"Phase 1/2", "Phase 2/3", "Not Applicable", None} <= labels


def test_markdown_escapes_undone_and_criteria_split_on_a_real_record(records, normalised):
    served = records["NCT02178761"]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert "\\<=2 points" in served and "\\>=70%" in served  # as the API escapes them
    con, _ = normalised
    criteria, inclusion, exclusion = con.execute(
        "SELECT criteria, inclusion_criteria, exclusion_criteria FROM trials.eligibilities "
        "WHERE snapshot_date = ? AND nct_id = 'NCT02178761'", [DAY1]).fetchall()[0]
    assert "\\" not in criteria
    assert "difference of <=2 points" in criteria and "stenosis >=70%" in criteria
    assert criteria == served.replace("\\", "")  # this record escapes nothing else
    assert inclusion.startswith("* men 20 years of age or older")
    assert inclusion.endswith("target-lesion length <=40 mm")
    assert "Exclusion" not in inclusion
    assert exclusion.startswith("* the arterial inflow to the penis")
    assert exclusion.endswith("known intolerance to contrast agents")


def test_every_real_record_with_both_headings_is_split(records, normalised):
    con, _ = normalised
    rows = _by_nct(con, "SELECT nct_id, inclusion_criteria, exclusion_criteria "
                        "FROM trials.eligibilities WHERE snapshot_date = ?")
    standard = [nct for nct, rec in records.items()
                if re.search(r"^Inclusion Criteria:$.*^Exclusion Criteria:$",
                             rec["protocolSection"]["eligibilityModule"]["eligibilityCriteria"],
                             re.M | re.S)]
    assert len(standard) > 900
    for nct_id in standard:
        served = records[nct_id]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
        after_exclusion = served.split("\nExclusion Criteria:", 1)[1].strip()
        inclusion, exclusion = rows[nct_id]
        assert inclusion is not None and "Exclusion Criteria:" not in inclusion, nct_id
        # An empty section (heading at the very end) is NULL, not ''.
        assert (exclusion is not None) == bool(after_exclusion), nct_id


def test_rerun_shreds_nothing_and_changes_no_counts(normalised):
    con, _ = normalised
    before = table_counts(con)
    again = normalise_day(con, DAY1)
    assert again.versions_shredded == 0 and again.versions_reused == 1043
    assert table_counts(con) == before
    assert con.execute("SELECT count(*) FROM trials_versions.normalised_days "
                       "WHERE snapshot_date = ?", [DAY1]).fetchall()[0][0] == 1


@pytest.mark.parametrize("table", list(VERSION_TABLES))
def test_day_two_views_equal_day_one(normalised, table):
    con, _ = normalised
    day = "SELECT * EXCLUDE (snapshot_date) FROM trials.{t} WHERE snapshot_date = ?".format(t=table)
    only_one = con.execute(f"{day} EXCEPT ALL {day}", [DAY1, DAY2]).fetchall()
    only_two = con.execute(f"{day} EXCEPT ALL {day}", [DAY2, DAY1]).fetchall()
    assert only_one == [] and only_two == []
    latest = con.execute(f"SELECT count(*) FROM trials.{table} WHERE snapshot_date = ?",
                         [DAY2]).fetchall()
    assert con.execute(f"SELECT count(*) FROM trials.current_{table}").fetchall() == latest


def test_real_records_hold_no_unknown_enum_values(normalised):
    con, (day1, _) = normalised
    assert day1.enum_findings == 0
    assert con.execute("SELECT * FROM trials_versions.enum_findings").fetchall() == []


def test_batch_enrichment_equals_enrichment_from_the_tables(normalised):
    """The shredder enriches from the parsed batch (`enrich_batch`); `enrich_versions` does it
    from the normalised rows. On every real record both see the same candidates, the same
    inputs, and write the same rows."""
    import pyarrow as pa

    from netpipeline.normalise import enrichment_tables as enrichment
    from netpipeline.normalise.batch import on_batch
    from netpipeline.normalise.study_json_type import parse_sql

    con, _ = normalised
    batch = con.sql(parse_sql(
        "SELECT content_hash, nct_id, payload FROM raw.study_payloads")).to_arrow_table()
    batch_candidates = set(batch.filter(batch.column("net_candidate")).column("content_hash").to_pylist())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {enrichment._VERSIONS} AS "
                "SELECT content_hash FROM trials_versions.studies")
    con.execute(enrichment._CANDIDATES_SQL, {"pattern": enrichment.NET_CANDIDATE_PATTERN})
    table_candidates = {row[0] for row in con.execute(
        f"SELECT content_hash FROM {enrichment._CANDIDATES}").fetchall()}
    assert batch_candidates == table_candidates and len(batch_candidates) > 20

    # Inputs of every version (all flagged as candidates), not only of the real candidates.
    everyone = batch.set_column(batch.schema.get_field_index("net_candidate"), "net_candidate",
                                pa.array([True] * batch.num_rows))

    def by_hash(cursor, unordered=()):
        names = [column[0] for column in cursor.description]
        rows = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            for key in unordered:  # the table path aggregates these without ORDER BY
                row[key] = sorted(row[key], key=str)
            rows.setdefault(row["content_hash"], []).append(row)
        return rows

    from_batch = by_hash(on_batch(con, everyone, enrichment.batch_profile_inputs_sql()),
                         unordered=("condition_mesh_terms", "condition_mesh_ancestors"))
    from_tables = by_hash(con.execute(enrichment.PROFILE_INPUTS_SQL.format(
        versions_table=enrichment._VERSIONS)),
        unordered=("condition_mesh_terms", "condition_mesh_ancestors"))
    assert len(from_batch) == 1043 and from_batch == from_tables

    con.execute(f"CREATE OR REPLACE TEMP TABLE {enrichment._CANDIDATES} AS "
                f"SELECT content_hash FROM {enrichment._VERSIONS}")
    interventions_batch = by_hash(on_batch(con, everyone, enrichment.batch_interventions_sql()),
                                  unordered=("mesh_terms",))
    interventions_tables = by_hash(con.execute(enrichment._INTERVENTIONS_SQL),
                                   unordered=("mesh_terms",))
    assert interventions_batch == interventions_tables

    # The rows enrich_versions writes equal what the shredder wrote (then rolled back).
    tables = ("net_profile", "intervention_classes")
    written = {t: con.execute(f"SELECT * FROM trials_versions.{t} ORDER BY ALL").fetchall()
               for t in tables}
    con.execute("BEGIN")
    try:
        for t in tables:
            con.execute(f"DELETE FROM trials_versions.{t}")
        hashes = [row[0] for row in con.execute(
            "SELECT content_hash FROM trials_versions.studies").fetchall()]
        enrichment.enrich_versions(con, hashes)
        again = {t: con.execute(f"SELECT * FROM trials_versions.{t} ORDER BY ALL").fetchall()
                 for t in tables}
    finally:
        con.execute("ROLLBACK")
        con.execute(f"DROP TABLE IF EXISTS {enrichment._VERSIONS}; "
                    f"DROP TABLE IF EXISTS {enrichment._CANDIDATES}")
    assert again == written and len(written["net_profile"]) == 1043
