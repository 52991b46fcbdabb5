"""DDL of the normalised layer: physical `trials_versions.*` tables and per-day `trials.*` views.

Storage model: each distinct study version (raw `content_hash`) is shredded once into the
`trials_versions` tables. The `trials` views join `raw.study_days` (the day's study -> version
map, itself a view over version spans), so a day costs no copy of any table: tables grow with
changes, not with days.
A day is visible in the views only once `trials_versions.normalised_days` records it, so a
half-normalised day never shows partial data. Columns are documented in docs/warehouse.md
(a test fails when the two disagree).
"""
from __future__ import annotations

import duckdb

from netpipeline import warehouse
from netpipeline.ingest.raw_days import ensure_raw_schema
from netpipeline.normalise.enrichment_tables import ENRICHMENT_TABLES
from netpipeline.normalise.reenrich import RECLASSIFICATIONS_DDL


# (column prefix, key in statusModule, whether the key is a {date, type} struct).
# Plain date strings get the same four columns so every date reads the same way; their
# `_type` is always NULL.
DATE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("status_verified_date", "statusVerifiedDate", False),
    ("start_date", "startDateStruct", True),
    ("primary_completion_date", "primaryCompletionDateStruct", True),
    ("completion_date", "completionDateStruct", True),
    ("study_first_submit_date", "studyFirstSubmitDate", False),
    ("study_first_submit_qc_date", "studyFirstSubmitQcDate", False),
    ("study_first_post_date", "studyFirstPostDateStruct", True),
    ("results_first_submit_date", "resultsFirstSubmitDate", False),
    ("results_first_submit_qc_date", "resultsFirstSubmitQcDate", False),
    ("results_first_post_date", "resultsFirstPostDateStruct", True),
    ("disp_first_submit_date", "dispFirstSubmitDate", False),
    ("disp_first_submit_qc_date", "dispFirstSubmitQcDate", False),
    ("disp_first_post_date", "dispFirstPostDateStruct", True),
    ("last_update_submit_date", "lastUpdateSubmitDate", False),
    ("last_update_post_date", "lastUpdatePostDateStruct", True),
)


def _date_columns() -> list[tuple[str, str]]:
    columns = []
    for prefix, _key, _is_struct in DATE_FIELDS:
        columns += [(prefix, "DATE"), (f"{prefix}_raw", "VARCHAR"),
                    (f"{prefix}_precision", "VARCHAR"), (f"{prefix}_type", "VARCHAR")]
    return columns


_KEY = [("content_hash", "VARCHAR NOT NULL"), ("nct_id", "VARCHAR NOT NULL")]
_CONTACT = [("name", "VARCHAR"), ("role", "VARCHAR"), ("phone", "VARCHAR"),
            ("phone_ext", "VARCHAR"), ("email", "VARCHAR")]
_MESH = [("mesh_term", "VARCHAR"), ("downcase_mesh_term", "VARCHAR"), ("mesh_id", "VARCHAR"),
         ("mesh_type", "VARCHAR")]

# Physical tables of schema trials_versions, in AACT naming; each becomes a trials.* view.
VERSION_TABLES: dict[str, list[tuple[str, str]]] = {
    "studies": _KEY + [
        ("brief_title", "VARCHAR"), ("official_title", "VARCHAR"), ("acronym", "VARCHAR"),
        ("org_study_id", "VARCHAR"), ("organization", "VARCHAR"),
        ("organization_class", "VARCHAR"),
        ("overall_status", "VARCHAR"), ("last_known_status", "VARCHAR"),
        ("why_stopped", "VARCHAR"), ("has_expanded_access", "BOOLEAN"),
        *_date_columns(),
        ("study_type", "VARCHAR"), ("phases", "VARCHAR[]"), ("phase_label", "VARCHAR"),
        ("allocation", "VARCHAR"), ("intervention_model", "VARCHAR"),
        ("intervention_model_description", "VARCHAR"), ("primary_purpose", "VARCHAR"),
        ("observational_model", "VARCHAR"), ("time_perspective", "VARCHAR"),
        ("masking", "VARCHAR"), ("masking_description", "VARCHAR"), ("who_masked", "VARCHAR[]"),
        ("enrollment", "BIGINT"), ("enrollment_type", "VARCHAR"),
        ("patient_registry", "BOOLEAN"), ("target_duration", "VARCHAR"),
        ("number_of_arms", "INTEGER"), ("number_of_interventions", "INTEGER"),
        ("brief_summary", "VARCHAR"), ("detailed_description", "VARCHAR"),
        ("lead_sponsor", "VARCHAR"), ("lead_sponsor_class", "VARCHAR"),
        ("responsible_party_type", "VARCHAR"), ("responsible_party_investigator", "VARCHAR"),
        ("responsible_party_investigator_title", "VARCHAR"),
        ("responsible_party_investigator_affiliation", "VARCHAR"),
        ("has_dmc", "BOOLEAN"), ("is_fda_regulated_drug", "BOOLEAN"),
        ("is_fda_regulated_device", "BOOLEAN"), ("plan_to_share_ipd", "VARCHAR"),
        ("has_results", "BOOLEAN"),
    ],
    "conditions": _KEY + [("ordinal", "INTEGER"), ("name", "VARCHAR"),
                          ("downcase_name", "VARCHAR")],
    "keywords": _KEY + [("ordinal", "INTEGER"), ("name", "VARCHAR"),
                        ("downcase_name", "VARCHAR")],
    "interventions": _KEY + [("intervention_id", "INTEGER"), ("intervention_type", "VARCHAR"),
                             ("name", "VARCHAR"), ("description", "VARCHAR")],
    "intervention_other_names": _KEY + [("intervention_id", "INTEGER"), ("ordinal", "INTEGER"),
                                        ("name", "VARCHAR")],
    "design_groups": _KEY + [("design_group_id", "INTEGER"), ("label", "VARCHAR"),
                             ("group_type", "VARCHAR"), ("description", "VARCHAR")],
    "design_group_interventions": _KEY + [("design_group_id", "INTEGER"),
                                          ("intervention_id", "INTEGER"),
                                          ("design_group_label", "VARCHAR")],
    "sponsors": _KEY + [("ordinal", "INTEGER"), ("lead_or_collaborator", "VARCHAR"),
                        ("name", "VARCHAR"), ("agency_class", "VARCHAR")],
    "facilities": _KEY + [("facility_id", "INTEGER"), ("site_key", "VARCHAR"),
                          ("name", "VARCHAR"), ("status", "VARCHAR"), ("city", "VARCHAR"),
                          ("state", "VARCHAR"), ("zip", "VARCHAR"), ("country", "VARCHAR"),
                          ("latitude", "DOUBLE"), ("longitude", "DOUBLE")],
    "facility_contacts": _KEY + [("facility_id", "INTEGER"), ("ordinal", "INTEGER"), *_CONTACT],
    "central_contacts": _KEY + [("ordinal", "INTEGER"), *_CONTACT],
    "overall_officials": _KEY + [("ordinal", "INTEGER"), ("name", "VARCHAR"),
                                 ("affiliation", "VARCHAR"), ("role", "VARCHAR")],
    "eligibilities": _KEY + [
        ("criteria", "VARCHAR"), ("inclusion_criteria", "VARCHAR"),
        ("exclusion_criteria", "VARCHAR"), ("gender", "VARCHAR"), ("gender_based", "BOOLEAN"),
        ("gender_description", "VARCHAR"), ("minimum_age", "VARCHAR"),
        ("maximum_age", "VARCHAR"), ("minimum_age_years", "DOUBLE"),
        ("maximum_age_years", "DOUBLE"), ("healthy_volunteers", "BOOLEAN"),
        ("std_ages", "VARCHAR[]"), ("population", "VARCHAR"), ("sampling_method", "VARCHAR"),
    ],
    "design_outcomes": _KEY + [("outcome_type", "VARCHAR"), ("ordinal", "INTEGER"),
                               ("measure", "VARCHAR"), ("time_frame", "VARCHAR"),
                               ("description", "VARCHAR")],
    "browse_conditions": _KEY + _MESH,
    "browse_interventions": _KEY + _MESH,
    "study_references": _KEY + [("ordinal", "INTEGER"), ("pmid", "VARCHAR"),
                                ("reference_type", "VARCHAR"), ("citation", "VARCHAR")],
    "id_information": _KEY + [("id_source", "VARCHAR"), ("ordinal", "INTEGER"),
                              ("id_value", "VARCHAR"), ("id_type", "VARCHAR"),
                              ("id_domain", "VARCHAR"), ("id_link", "VARCHAR")],
    "enum_findings": _KEY + [("field", "VARCHAR"), ("value", "VARCHAR")],
    **ENRICHMENT_TABLES,
}

# Long free text (hundreds to thousands of characters): stored with ZSTD. DuckDB's default
# for strings (dictionary + FSST) is built for short repetitive values; on these columns ZSTD
# writes a third to a half of the bytes for no more CPU (eligibility criteria often end up
# uncompressed otherwise). Measured in benchmarks/bench_normalise.py; the columns' types,
# and so the contract, are unchanged.
ZSTD_COLUMNS: frozenset[tuple[str, str]] = frozenset({
    ("studies", "brief_summary"), ("studies", "detailed_description"),
    ("eligibilities", "criteria"), ("eligibilities", "inclusion_criteria"),
    ("eligibilities", "exclusion_criteria"), ("eligibilities", "population"),
    ("design_outcomes", "description"), ("interventions", "description"),
    ("design_groups", "description"), ("study_references", "citation"),
})

NORMALISED_DAYS_DDL = """
CREATE TABLE IF NOT EXISTS trials_versions.normalised_days (
    snapshot_date     DATE      NOT NULL,
    normalised_at     TIMESTAMP NOT NULL,
    versions_shredded INTEGER   NOT NULL,
    studies           INTEGER   NOT NULL
);
"""

# The newest day that is fully normalised; the current_* views show only that day.
_LATEST_DAY = "(SELECT max(snapshot_date) FROM trials_versions.normalised_days)"


def trials_ddl() -> str:
    statements = [
        "CREATE SCHEMA IF NOT EXISTS trials_versions;",
        "CREATE SCHEMA IF NOT EXISTS trials;",
        NORMALISED_DAYS_DDL,
        RECLASSIFICATIONS_DDL,
    ]
    for table, columns in VERSION_TABLES.items():
        body = ",\n    ".join(
            f"{name} {sql_type}" + (" USING COMPRESSION zstd" if (table, name) in ZSTD_COLUMNS else "")
            for name, sql_type in columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS trials_versions.{table} (\n    {body}\n);")
    for table in VERSION_TABLES:
        # v.* is expanded when the view is queried, so every physical column is exposed.
        statements.append(
            f"CREATE OR REPLACE VIEW trials.{table} AS\n"
            f"SELECT d.snapshot_date, v.*\n"
            f"FROM raw.study_days AS d\n"
            f"JOIN trials_versions.{table} AS v ON v.content_hash = d.content_hash\n"
            f"WHERE d.snapshot_date IN (SELECT snapshot_date FROM trials_versions.normalised_days);"
        )
        statements.append(
            f"CREATE OR REPLACE VIEW trials.current_{table} AS\n"
            f"SELECT * FROM trials.{table} WHERE snapshot_date = {_LATEST_DAY};"
        )
    return "\n".join(statements)


def ensure_trials_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Idempotent: the raw tables if missing, then trials_versions tables and trials views."""
    ensure_raw_schema(con)
    warehouse.ensure_schema(con, trials_ddl())
