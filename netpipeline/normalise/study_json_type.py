"""The typed view of a study that DuckDB's `json_transform` extracts, and the batch queries.

Only the fields the trials tables use are listed: `json_transform` skips everything else
(`resultsSection`, `documentSection`, undocumented keys such as
`derivedSection.miscInfoModule.modelPredictions`) without building it. Behaviour relied on
(checked against duckdb 2.0 in `test_normalise_edge_cases.py`):
- a missing key, a missing module or a JSON null becomes SQL NULL;
- a value of an unexpected type becomes NULL rather than an error (non-strict transform),
  except that any scalar/object read as VARCHAR keeps its JSON text, so an enum that turns
  into a number is still seen (and reported as an unknown enum value).
"""
from __future__ import annotations

import json

from netpipeline.normalise.batch import net_candidate_sql
from netpipeline.normalise.derived_sql import derived_columns_sql
from netpipeline.warehouse import sql_str

V = "VARCHAR"
B = "BOOLEAN"
DATE_STRUCT = {"date": V, "type": V}
CONTACT = {"name": V, "role": V, "phone": V, "phoneExt": V, "email": V}
OUTCOME = {"measure": V, "description": V, "timeFrame": V}
MESH_LIST = [{"id": V, "term": V}]
BROWSE = {"meshes": MESH_LIST, "ancestors": MESH_LIST}

STUDY_JSON_TYPE: dict = {
    "protocolSection": {
        "identificationModule": {
            "nctIdAliases": [V],
            "orgStudyIdInfo": {"id": V, "type": V, "link": V},
            "secondaryIdInfos": [{"id": V, "type": V, "domain": V, "link": V}],
            "briefTitle": V,
            "officialTitle": V,
            "acronym": V,
            "organization": {"fullName": V, "class": V},
        },
        "statusModule": {
            "statusVerifiedDate": V,
            "overallStatus": V,
            "lastKnownStatus": V,
            "whyStopped": V,
            "expandedAccessInfo": {"hasExpandedAccess": B},
            "startDateStruct": DATE_STRUCT,
            "primaryCompletionDateStruct": DATE_STRUCT,
            "completionDateStruct": DATE_STRUCT,
            "studyFirstSubmitDate": V,
            "studyFirstSubmitQcDate": V,
            "studyFirstPostDateStruct": DATE_STRUCT,
            "resultsFirstSubmitDate": V,
            "resultsFirstSubmitQcDate": V,
            "resultsFirstPostDateStruct": DATE_STRUCT,
            "dispFirstSubmitDate": V,
            "dispFirstSubmitQcDate": V,
            "dispFirstPostDateStruct": DATE_STRUCT,
            "lastUpdateSubmitDate": V,
            "lastUpdatePostDateStruct": DATE_STRUCT,
        },
        "sponsorCollaboratorsModule": {
            "responsibleParty": {
                "type": V, "investigatorFullName": V, "investigatorTitle": V,
                "investigatorAffiliation": V,
            },
            "leadSponsor": {"name": V, "class": V},
            "collaborators": [{"name": V, "class": V}],
        },
        "oversightModule": {
            "oversightHasDmc": B, "isFdaRegulatedDrug": B, "isFdaRegulatedDevice": B,
        },
        "descriptionModule": {"briefSummary": V, "detailedDescription": V},
        "conditionsModule": {"conditions": [V], "keywords": [V]},
        "designModule": {
            "studyType": V,
            "patientRegistry": B,
            "targetDuration": V,
            "phases": [V],
            "designInfo": {
                "allocation": V,
                "interventionModel": V,
                "interventionModelDescription": V,
                "primaryPurpose": V,
                "observationalModel": V,
                "timePerspective": V,
                "maskingInfo": {"masking": V, "maskingDescription": V, "whoMasked": [V]},
            },
            "enrollmentInfo": {"count": "BIGINT", "type": V},
        },
        "armsInterventionsModule": {
            "armGroups": [{"label": V, "type": V, "description": V}],
            "interventions": [{
                "type": V, "name": V, "description": V, "armGroupLabels": [V], "otherNames": [V],
            }],
        },
        "outcomesModule": {
            "primaryOutcomes": [OUTCOME],
            "secondaryOutcomes": [OUTCOME],
            "otherOutcomes": [OUTCOME],
        },
        "eligibilityModule": {
            "eligibilityCriteria": V,
            "healthyVolunteers": B,
            "sex": V,
            "genderBased": B,
            "genderDescription": V,
            "minimumAge": V,
            "maximumAge": V,
            "stdAges": [V],
            "studyPopulation": V,
            "samplingMethod": V,
        },
        "contactsLocationsModule": {
            "centralContacts": [CONTACT],
            "overallOfficials": [{"name": V, "affiliation": V, "role": V}],
            "locations": [{
                "facility": V, "status": V, "city": V, "state": V, "zip": V, "country": V,
                "contacts": [CONTACT], "geoPoint": {"lat": "DOUBLE", "lon": "DOUBLE"},
            }],
        },
        "referencesModule": {"references": [{"pmid": V, "type": V, "citation": V}]},
        "ipdSharingStatementModule": {"ipdSharing": V},
    },
    "derivedSection": {"conditionBrowseModule": BROWSE, "interventionBrowseModule": BROWSE},
    "hasResults": B,
}

# Columns of the parsed batch: one per module or list, so each INSERT reads (and converts from
# Arrow) only what it needs.
BATCH_COLUMNS = {
    "identification": "s.protocolSection.identificationModule",
    "status": "s.protocolSection.statusModule",
    "sponsors": "s.protocolSection.sponsorCollaboratorsModule",
    "oversight": "s.protocolSection.oversightModule",
    "description": "s.protocolSection.descriptionModule",
    "conditions": "s.protocolSection.conditionsModule",
    "design": "s.protocolSection.designModule",
    "arms": "s.protocolSection.armsInterventionsModule",
    "outcomes": "s.protocolSection.outcomesModule",
    "eligibility": "s.protocolSection.eligibilityModule",
    "locations": "s.protocolSection.contactsLocationsModule.locations",
    "central_contacts": "s.protocolSection.contactsLocationsModule.centralContacts",
    "overall_officials": "s.protocolSection.contactsLocationsModule.overallOfficials",
    "study_refs": "s.protocolSection.referencesModule.references",
    "ipd": "s.protocolSection.ipdSharingStatementModule",
    "condition_browse": "s.derivedSection.conditionBrowseModule",
    "intervention_browse": "s.derivedSection.interventionBrowseModule",
    "has_results": "s.hasResults",
}

def payloads_sql(first_rowid: int, last_rowid: int, contiguous: bool) -> str:
    """Payload rows of one batch: raw.study_payloads rows with rowid in [first, last].

    The rowid range is pushed into the scan, so only that part of the column is decompressed;
    when not every rowid of the range is to do (`contiguous` false), the rowids to keep are
    bound as the parameter `$rowids` (a list).
    """
    sql = ("SELECT p.content_hash, p.nct_id, p.payload FROM raw.study_payloads AS p "
           f"WHERE p.rowid BETWEEN {int(first_rowid)} AND {int(last_rowid)}")
    if not contiguous:
        sql += " AND p.rowid IN (SELECT unnest($rowids::BIGINT[]))"
    return sql


def parse_sql(payloads: str) -> str:
    """The batch: `json_transform` of every payload of the query `payloads` (content_hash,
    nct_id, payload), split into BATCH_COLUMNS, plus `net_candidate` (the NET prefilter of
    batch.net_candidate_sql, computed here so that the enrichment and the writer only read a flag)
    and the derived columns of derived_sql.derived_columns_sql."""
    json_type = sql_str(json.dumps(STUDY_JSON_TYPE, separators=(",", ":")))
    columns = ",\n    ".join(f"{expr} AS {name}" for name, expr in BATCH_COLUMNS.items())
    candidate = net_candidate_sql(
        identification=BATCH_COLUMNS["identification"], conditions=BATCH_COLUMNS["conditions"],
        condition_browse=BATCH_COLUMNS["condition_browse"])
    return derived_columns_sql(
        f"SELECT content_hash, nct_id,\n    {columns},\n    {candidate} AS net_candidate\n"
        f"FROM (SELECT content_hash, nct_id, json_transform(payload, {json_type}) AS s "
        f"FROM ({payloads}))"
    )
