"""Report enum values the API spec does not list, without rejecting them.

The API adds enum values from time to time (a new status, a new intervention type). The
normalised tables keep whatever value was served; this module records each unknown value in
`trials_versions.enum_findings` (one row per version, field and value) so the quality stage
can warn and `api_enums.py` can be updated.
"""
from __future__ import annotations

from typing import NamedTuple

from netpipeline.normalise.api_enums import API_ENUMS


class EnumCheck(NamedTuple):
    table: str        # trials_versions table holding the value
    column: str       # its column (VARCHAR, or VARCHAR[] when is_list)
    field: str        # the API field, as written in enum_findings.field
    enum: str         # key of API_ENUMS
    is_list: bool = False
    where: str = ""   # which rows of a shared table hold this field


_DATE_TYPE_CHECKS = tuple(
    EnumCheck("studies", f"{prefix}_type", f"protocolSection.statusModule.{key}.type", "DateType")
    for prefix, key in (
        ("start_date", "startDateStruct"),
        ("primary_completion_date", "primaryCompletionDateStruct"),
        ("completion_date", "completionDateStruct"),
        ("study_first_post_date", "studyFirstPostDateStruct"),
        ("results_first_post_date", "resultsFirstPostDateStruct"),
        ("disp_first_post_date", "dispFirstPostDateStruct"),
        ("last_update_post_date", "lastUpdatePostDateStruct"),
    )
)

_P = "protocolSection."
ENUM_CHECKS: tuple[EnumCheck, ...] = (
    EnumCheck("studies", "overall_status", _P + "statusModule.overallStatus", "Status"),
    EnumCheck("studies", "last_known_status", _P + "statusModule.lastKnownStatus", "Status"),
    *_DATE_TYPE_CHECKS,
    EnumCheck("studies", "organization_class",
              _P + "identificationModule.organization.class", "AgencyClass"),
    EnumCheck("studies", "study_type", _P + "designModule.studyType", "StudyType"),
    EnumCheck("studies", "phases", _P + "designModule.phases", "Phase", is_list=True),
    EnumCheck("studies", "allocation", _P + "designModule.designInfo.allocation",
              "DesignAllocation"),
    EnumCheck("studies", "intervention_model", _P + "designModule.designInfo.interventionModel",
              "InterventionalAssignment"),
    EnumCheck("studies", "primary_purpose", _P + "designModule.designInfo.primaryPurpose",
              "PrimaryPurpose"),
    EnumCheck("studies", "observational_model", _P + "designModule.designInfo.observationalModel",
              "ObservationalModel"),
    EnumCheck("studies", "time_perspective", _P + "designModule.designInfo.timePerspective",
              "DesignTimePerspective"),
    EnumCheck("studies", "masking", _P + "designModule.designInfo.maskingInfo.masking",
              "DesignMasking"),
    EnumCheck("studies", "who_masked", _P + "designModule.designInfo.maskingInfo.whoMasked",
              "WhoMasked", is_list=True),
    EnumCheck("studies", "enrollment_type", _P + "designModule.enrollmentInfo.type",
              "EnrollmentType"),
    EnumCheck("studies", "lead_sponsor_class",
              _P + "sponsorCollaboratorsModule.leadSponsor.class", "AgencyClass"),
    EnumCheck("studies", "responsible_party_type",
              _P + "sponsorCollaboratorsModule.responsibleParty.type", "ResponsiblePartyType"),
    EnumCheck("studies", "plan_to_share_ipd", _P + "ipdSharingStatementModule.ipdSharing",
              "IpdSharing"),
    EnumCheck("sponsors", "agency_class",
              _P + "sponsorCollaboratorsModule.collaborators.class", "AgencyClass",
              where="lead_or_collaborator = 'collaborator'"),  # lead: checked on studies
    EnumCheck("interventions", "intervention_type",
              _P + "armsInterventionsModule.interventions.type", "InterventionType"),
    EnumCheck("design_groups", "group_type", _P + "armsInterventionsModule.armGroups.type",
              "ArmGroupType"),
    EnumCheck("facilities", "status", _P + "contactsLocationsModule.locations.status",
              "RecruitmentStatus"),
    EnumCheck("facility_contacts", "role",
              _P + "contactsLocationsModule.locations.contacts.role", "ContactRole"),
    EnumCheck("central_contacts", "role", _P + "contactsLocationsModule.centralContacts.role",
              "ContactRole"),
    EnumCheck("overall_officials", "role", _P + "contactsLocationsModule.overallOfficials.role",
              "OfficialRole"),
    EnumCheck("eligibilities", "gender", _P + "eligibilityModule.sex", "Sex"),
    EnumCheck("eligibilities", "std_ages", _P + "eligibilityModule.stdAges", "StandardAge",
              is_list=True),
    EnumCheck("eligibilities", "sampling_method", _P + "eligibilityModule.samplingMethod",
              "SamplingMethod"),
    EnumCheck("study_references", "reference_type", _P + "referencesModule.references.type",
              "ReferenceType"),
    EnumCheck("id_information", "id_type", _P + "identificationModule.orgStudyIdInfo.type",
              "OrgStudyIdType", where="id_source = 'org_study_id'"),
    EnumCheck("id_information", "id_type", _P + "identificationModule.secondaryIdInfos.type",
              "SecondaryIdType", where="id_source = 'secondary_id'"),
)


def _check_sql(check: EnumCheck, versions_table: str) -> str:
    known = ", ".join("'" + value + "'" for value in API_ENUMS[check.enum])
    value = f"unnest({check.column})" if check.is_list else check.column
    where = f" AND {check.where}" if check.where else ""
    return (
        f"SELECT content_hash, nct_id, '{check.field}' AS field, value FROM ("
        f"SELECT content_hash, nct_id, {value} AS value FROM trials_versions.{check.table} "
        f"WHERE content_hash IN (SELECT content_hash FROM {versions_table}){where}) "
        f"WHERE value IS NOT NULL AND value NOT IN ({known})"
    )


def record_enum_findings_sql(versions_table: str) -> list[str]:
    """INSERTs of the unknown enum values of the versions listed in `versions_table`, one
    statement per table checked (run in turn, each semi-join with the versions' hashes builds
    one small hash table, instead of thirty at once in one UNION)."""
    by_table: dict[str, list[str]] = {}
    for check in ENUM_CHECKS:
        by_table.setdefault(check.table, []).append(_check_sql(check, versions_table))
    # DISTINCT: a value unknown on 40 sites of one version is one finding, not 40. The field
    # names one check, and one check one table, so DISTINCT per table is DISTINCT overall.
    return [f"INSERT INTO trials_versions.enum_findings\nSELECT DISTINCT * FROM (\n"
            + "\nUNION ALL\n".join(selects) + "\n)" for selects in by_table.values()]
