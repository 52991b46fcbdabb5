"""Enum value lists vendored from the ClinicalTrials.gov API v2 spec (OpenAPI 2.0.5).

The spec file (`components/schemas/<Name>/enum`) is not shipped with the package, so the lists
the normaliser checks against live here. `netpipeline_tests/test_normalise_enums.py` compares
every list below with the spec whenever the spec is present: if the API adds a value, that
test fails and this module is updated. Until then, the new value is still kept in the tables
and reported in `trials_versions.enum_findings`, never rejected.

Only the enums of fields the normaliser extracts are vendored.
"""
from __future__ import annotations

SPEC_VERSION = "2.0.5"

# Keys are the spec's schema names, so the test can look each one up.
API_ENUMS: dict[str, tuple[str, ...]] = {
    "Status": (
        "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
        "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE",
        "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING",
        "WITHHELD", "UNKNOWN",
    ),
    "RecruitmentStatus": (
        "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
        "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE",
    ),
    "StudyType": ("EXPANDED_ACCESS", "INTERVENTIONAL", "OBSERVATIONAL"),
    "Phase": ("NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"),
    "Sex": ("FEMALE", "MALE", "ALL"),
    "StandardAge": ("CHILD", "ADULT", "OLDER_ADULT"),
    "SamplingMethod": ("PROBABILITY_SAMPLE", "NON_PROBABILITY_SAMPLE"),
    "IpdSharing": ("YES", "NO", "UNDECIDED"),
    "OrgStudyIdType": ("NIH", "FDA", "VA", "CDC", "AHRQ", "SAMHSA"),
    "SecondaryIdType": (
        "NIH", "FDA", "VA", "CDC", "AHRQ", "SAMHSA", "OTHER_GRANT", "EUDRACT_NUMBER", "CTIS",
        "REGISTRY", "OTHER",
    ),
    "AgencyClass": (
        "NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN",
    ),
    "DateType": ("ACTUAL", "ESTIMATED"),
    "ResponsiblePartyType": ("SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"),
    "DesignAllocation": ("RANDOMIZED", "NON_RANDOMIZED", "NA"),
    "InterventionalAssignment": (
        "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL",
    ),
    "PrimaryPurpose": (
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    ),
    "ObservationalModel": (
        "COHORT", "CASE_CONTROL", "CASE_ONLY", "CASE_CROSSOVER", "ECOLOGIC_OR_COMMUNITY",
        "FAMILY_BASED", "DEFINED_POPULATION", "NATURAL_HISTORY", "OTHER",
    ),
    "DesignTimePerspective": ("RETROSPECTIVE", "PROSPECTIVE", "CROSS_SECTIONAL", "OTHER"),
    "DesignMasking": ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"),
    "WhoMasked": ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"),
    "EnrollmentType": ("ACTUAL", "ESTIMATED"),
    "ArmGroupType": (
        "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
        "NO_INTERVENTION", "OTHER",
    ),
    "InterventionType": (
        "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
        "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER",
    ),
    "ContactRole": (
        "STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR", "CONTACT",
    ),
    "OfficialRole": (
        "STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR",
    ),
    "ReferenceType": ("BACKGROUND", "RESULT", "DERIVED"),
}
