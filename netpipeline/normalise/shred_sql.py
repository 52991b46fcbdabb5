"""One INSERT ... SELECT per trials_versions table, reading the parsed batch.

Everything is plain SQL over the batch (`batch.BATCH`, read through `batch.on_batch`; its derived
columns, e.g. the eligibility sections and site keys, are computed by the parser with
`derived_sql.derived_columns_sql`, to balance the parser's and the writer's threads): lists are
expanded with `unnest` + `generate_subscripts` (1-based ordinals, aligned row by row), text
clean-up is `regexp_replace`, unit conversion is CASE. No Python runs per study.
Inserts are BY NAME, so the column order of trials_schema.VERSION_TABLES is free.
"""
from __future__ import annotations

from netpipeline.warehouse import sql_str
from netpipeline.normalise.batch import BATCH as BATCH_TABLE
from netpipeline.normalise.trials_schema import DATE_FIELDS


def _studies_sql() -> str:
    date_inner, date_outer = [], []
    for prefix, key, is_struct in DATE_FIELDS:
        raw = f"status.{key}.date" if is_struct else f"status.{key}"
        date_type = f"status.{key}.type" if is_struct else "NULL::VARCHAR"
        date_inner += [
            f"{raw} AS {prefix}_raw",
            f"{date_type} AS {prefix}_type",
            # Partial dates are anchored at the first day of their year/month; the
            # `_precision` column says how much of the date is real.
            f"CASE strlen({raw}) WHEN 10 THEN try_cast({raw} AS DATE) "
            f"WHEN 7 THEN try_cast({raw} || '-01' AS DATE) "
            f"WHEN 4 THEN try_cast({raw} || '-01-01' AS DATE) END AS {prefix}",
        ]
        date_outer.append(
            f"CASE WHEN {prefix} IS NOT NULL THEN CASE strlen({prefix}_raw) WHEN 10 THEN 'day' "
            f"WHEN 7 THEN 'month' ELSE 'year' END END AS {prefix}_precision"
        )
    dates_inner = ",\n        ".join(date_inner)
    dates_outer = ",\n    ".join(date_outer)
    return f"""
SELECT *,
    CASE
        WHEN phases IS NULL OR len(phases) = 0 THEN NULL
        WHEN phases = ['NA'] THEN 'Not Applicable'
        WHEN phases = ['EARLY_PHASE1'] THEN 'Early Phase 1'
        WHEN list_bool_and(list_transform(phases, lambda p: regexp_full_match(p, 'PHASE[0-9]')))
            THEN 'Phase ' || array_to_string(
                list_sort(list_transform(phases, lambda p: replace(p, 'PHASE', ''))), '/')
        ELSE array_to_string(phases, '/')
    END AS phase_label,
    {dates_outer}
FROM (
    SELECT content_hash, nct_id,
        identification.briefTitle AS brief_title,
        identification.officialTitle AS official_title,
        identification.acronym AS acronym,
        identification.orgStudyIdInfo.id AS org_study_id,
        identification.organization.fullName AS organization,
        identification.organization.class AS organization_class,
        status.overallStatus AS overall_status,
        status.lastKnownStatus AS last_known_status,
        status.whyStopped AS why_stopped,
        status.expandedAccessInfo.hasExpandedAccess AS has_expanded_access,
        {dates_inner},
        design.studyType AS study_type,
        design.phases AS phases,
        design.designInfo.allocation AS allocation,
        design.designInfo.interventionModel AS intervention_model,
        design.designInfo.interventionModelDescription AS intervention_model_description,
        design.designInfo.primaryPurpose AS primary_purpose,
        design.designInfo.observationalModel AS observational_model,
        design.designInfo.timePerspective AS time_perspective,
        design.designInfo.maskingInfo.masking AS masking,
        design.designInfo.maskingInfo.maskingDescription AS masking_description,
        design.designInfo.maskingInfo.whoMasked AS who_masked,
        design.enrollmentInfo.count AS enrollment,
        design.enrollmentInfo.type AS enrollment_type,
        design.patientRegistry AS patient_registry,
        design.targetDuration AS target_duration,
        len(arms.armGroups) AS number_of_arms,
        len(arms.interventions) AS number_of_interventions,
        description.briefSummary AS brief_summary,
        description.detailedDescription AS detailed_description,
        sponsors.leadSponsor.name AS lead_sponsor,
        sponsors.leadSponsor.class AS lead_sponsor_class,
        sponsors.responsibleParty.type AS responsible_party_type,
        sponsors.responsibleParty.investigatorFullName AS responsible_party_investigator,
        sponsors.responsibleParty.investigatorTitle AS responsible_party_investigator_title,
        sponsors.responsibleParty.investigatorAffiliation
            AS responsible_party_investigator_affiliation,
        oversight.oversightHasDmc AS has_dmc,
        oversight.isFdaRegulatedDrug AS is_fda_regulated_drug,
        oversight.isFdaRegulatedDevice AS is_fda_regulated_device,
        ipd.ipdSharing AS plan_to_share_ipd,
        has_results
    FROM {BATCH_TABLE}
)"""


def _list_sql(list_expr: str, columns: str, ordinal: str = "ordinal") -> str:
    """Rows of one list field: `x` is the element, `i` its 1-based position."""
    return f"""
SELECT content_hash, nct_id, i AS {ordinal}, {columns}
FROM (SELECT content_hash, nct_id, unnest({list_expr}) AS x,
             generate_subscripts({list_expr}, 1) AS i
      FROM {BATCH_TABLE})"""


def _eligibilities_sql() -> str:
    return f"""
SELECT content_hash, nct_id,
    elig_criteria AS criteria,
    elig_inclusion AS inclusion_criteria,
    elig_exclusion AS exclusion_criteria,
    eligibility.sex AS gender,
    eligibility.genderBased AS gender_based,
    eligibility.genderDescription AS gender_description,
    eligibility.minimumAge AS minimum_age,
    eligibility.maximumAge AS maximum_age,
    elig_min_years AS minimum_age_years,
    elig_max_years AS maximum_age_years,
    eligibility.healthyVolunteers AS healthy_volunteers,
    eligibility.stdAges AS std_ages,
    eligibility.studyPopulation AS population,
    eligibility.samplingMethod AS sampling_method
FROM {BATCH_TABLE}
WHERE eligibility IS NOT NULL"""


def _facilities_sql() -> str:
    # site_keys: computed by the parser, one per location (derived_columns_sql).
    return f"""
SELECT content_hash, nct_id, i AS facility_id, k AS site_key, x.facility AS name,
    x.status AS status, x.city AS city, x.state AS state, x.zip AS zip, x.country AS country,
    x.geoPoint.lat AS latitude, x.geoPoint.lon AS longitude
FROM (SELECT content_hash, nct_id, unnest(locations) AS x, unnest(site_keys) AS k,
             generate_subscripts(locations, 1) AS i
      FROM {BATCH_TABLE})"""


def _facility_contacts_sql() -> str:
    return f"""
SELECT content_hash, nct_id, facility_id, j AS ordinal, c.name AS name, c.role AS role,
    c.phone AS phone, c.phoneExt AS phone_ext, c.email AS email
FROM (SELECT content_hash, nct_id, facility_id, unnest(contacts) AS c,
             generate_subscripts(contacts, 1) AS j
      FROM (SELECT content_hash, nct_id, unnest(locations).contacts AS contacts,
                   generate_subscripts(locations, 1) AS facility_id
            FROM {BATCH_TABLE}))"""


def _contact_columns() -> str:
    return ("x.name AS name, x.role AS role, x.phone AS phone, x.phoneExt AS phone_ext, "
            "x.email AS email")


def _design_group_interventions_sql() -> str:
    # AACT links arms and interventions through the intervention's armGroupLabels; the label
    # is matched exactly to an arm of the same version (first arm if labels repeat).
    return f"""
WITH links AS (
    SELECT content_hash, nct_id, intervention_id, unnest(labels) AS design_group_label
    FROM (SELECT content_hash, nct_id, unnest(arms.interventions).armGroupLabels AS labels,
                 generate_subscripts(arms.interventions, 1) AS intervention_id
          FROM {BATCH_TABLE})
), groups AS (
    SELECT content_hash, min(i) AS design_group_id, x.label AS label
    FROM (SELECT content_hash, unnest(arms.armGroups) AS x,
                 generate_subscripts(arms.armGroups, 1) AS i FROM {BATCH_TABLE})
    GROUP BY content_hash, x.label
)
SELECT l.content_hash, l.nct_id, g.design_group_id, l.intervention_id, l.design_group_label
FROM links AS l
LEFT JOIN groups AS g ON g.content_hash = l.content_hash AND g.label = l.design_group_label"""


def _tagged_lists_sql(tag_column: str, lists: dict[str, str], columns: str,
                      ordinal: str | None = "ordinal") -> str:
    """Rows of several list fields of the same element type, tagged with their origin.

    One scan of the batch instead of a UNION of one scan per list: every scan of the Arrow
    batch converts its columns again.
    """
    tagged = ", ".join(f"{{'tag': {sql_str(tag)}, 'items': {expr}}}"
                       for tag, expr in lists.items())
    position = f"i AS {ordinal}, " if ordinal else ""
    return f"""
SELECT content_hash, nct_id, g.tag AS {tag_column}, {position}{columns}
FROM (SELECT content_hash, nct_id, g, unnest(g.items) AS x, generate_subscripts(g.items, 1) AS i
      FROM (SELECT content_hash, nct_id, unnest([{tagged}]) AS g FROM {BATCH_TABLE}))"""


def _union(*selects: str) -> str:
    return "\nUNION ALL BY NAME\n".join(selects)


def shred_statements() -> dict[str, str]:
    """table name -> SELECT producing that table's rows for every study in the batch."""
    mesh = "x.term AS mesh_term, lower(x.term) AS downcase_mesh_term, x.id AS mesh_id"
    return {
        "studies": _studies_sql(),
        "conditions": _list_sql("conditions.conditions", "x AS name, lower(x) AS downcase_name"),
        "keywords": _list_sql("conditions.keywords", "x AS name, lower(x) AS downcase_name"),
        "interventions": _list_sql(
            "arms.interventions",
            "x.type AS intervention_type, x.name AS name, x.description AS description",
            ordinal="intervention_id"),
        "intervention_other_names": f"""
SELECT content_hash, nct_id, intervention_id, j AS ordinal, name
FROM (SELECT content_hash, nct_id, intervention_id, unnest(other_names) AS name,
             generate_subscripts(other_names, 1) AS j
      FROM (SELECT content_hash, nct_id, unnest(arms.interventions).otherNames AS other_names,
                   generate_subscripts(arms.interventions, 1) AS intervention_id
            FROM {BATCH_TABLE}))""",
        "design_groups": _list_sql(
            "arms.armGroups",
            "x.label AS label, x.type AS group_type, x.description AS description",
            ordinal="design_group_id"),
        "design_group_interventions": _design_group_interventions_sql(),
        "sponsors": _union(
            f"""
SELECT content_hash, nct_id, 1 AS ordinal, 'lead' AS lead_or_collaborator,
    sponsors.leadSponsor.name AS name, sponsors.leadSponsor.class AS agency_class
FROM {BATCH_TABLE} WHERE sponsors.leadSponsor IS NOT NULL""",
            _list_sql("sponsors.collaborators",
                      "'collaborator' AS lead_or_collaborator, x.name AS name, "
                      "x.class AS agency_class")),
        "facilities": _facilities_sql(),
        "facility_contacts": _facility_contacts_sql(),
        "central_contacts": _list_sql("central_contacts", _contact_columns()),
        "overall_officials": _list_sql(
            "overall_officials",
            "x.name AS name, x.affiliation AS affiliation, x.role AS role"),
        "eligibilities": _eligibilities_sql(),
        "design_outcomes": _tagged_lists_sql(
            "outcome_type",
            {"primary": "outcomes.primaryOutcomes", "secondary": "outcomes.secondaryOutcomes",
             "other": "outcomes.otherOutcomes"},
            "x.measure AS measure, x.timeFrame AS time_frame, x.description AS description"),
        "browse_conditions": _tagged_lists_sql(
            "mesh_type",
            {"mesh-list": "condition_browse.meshes", "mesh-ancestor": "condition_browse.ancestors"},
            mesh, ordinal=None),
        "browse_interventions": _tagged_lists_sql(
            "mesh_type",
            {"mesh-list": "intervention_browse.meshes",
             "mesh-ancestor": "intervention_browse.ancestors"},
            mesh, ordinal=None),
        "study_references": _list_sql(
            "study_refs",
            "x.pmid AS pmid, x.type AS reference_type, x.citation AS citation"),
        "id_information": _union(
            f"""
SELECT content_hash, nct_id, 'org_study_id' AS id_source, 1 AS ordinal,
    identification.orgStudyIdInfo.id AS id_value, identification.orgStudyIdInfo.type AS id_type,
    NULL::VARCHAR AS id_domain, identification.orgStudyIdInfo.link AS id_link
FROM {BATCH_TABLE} WHERE identification.orgStudyIdInfo.id IS NOT NULL""",
            _list_sql("identification.secondaryIdInfos",
                      "'secondary_id' AS id_source, x.id AS id_value, x.type AS id_type, "
                      "x.domain AS id_domain, x.link AS id_link"),
            _list_sql("identification.nctIdAliases",
                      "'nct_alias' AS id_source, x AS id_value, NULL::VARCHAR AS id_type, "
                      "NULL::VARCHAR AS id_domain, NULL::VARCHAR AS id_link")),
    }
