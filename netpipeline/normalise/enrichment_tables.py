"""NET enrichment of freshly shredded study versions: trials_versions.net_profile and
trials_versions.intervention_classes, written in the shredding transaction (all-or-nothing with
the versions' other rows, computed once per version like every normalised table).

Fast path first: one SQL pass matches `NET_CANDIDATE_PATTERN` over each version's titles,
conditions, keywords and direct MeSH terms. Only candidates (a few percent of the registry)
go through the Python rules of `enrich.net_profile`; the rest get the empty profile in SQL.
Interventions are classified for candidate versions, the only ones a NET reader sees.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from netpipeline.normalise.enrich import (NET_CANDIDATE_PATTERN, NET_TERMS_VERSION, classify_intervention,
                                          net_profile, taxonomy_version)

# One row per content_hash of `{versions_table}`; column names are net_profile's input keys.
# Lists are [] (never NULL) when the record has none.
PROFILE_INPUTS_SQL = """
SELECT s.content_hash, s.nct_id, s.brief_title, s.official_title,
    coalesce((SELECT list(c.name ORDER BY c.ordinal) FROM trials_versions.conditions c
              WHERE c.content_hash = s.content_hash), []) AS conditions,
    coalesce((SELECT list(k.name ORDER BY k.ordinal) FROM trials_versions.keywords k
              WHERE k.content_hash = s.content_hash), []) AS keywords,
    coalesce((SELECT list(b.mesh_term) FROM trials_versions.browse_conditions b
              WHERE b.content_hash = s.content_hash AND b.mesh_type = 'mesh-list'), [])
        AS condition_mesh_terms,
    coalesce((SELECT list(b.mesh_term) FROM trials_versions.browse_conditions b
              WHERE b.content_hash = s.content_hash AND b.mesh_type = 'mesh-ancestor'), [])
        AS condition_mesh_ancestors,
    (SELECT e.criteria FROM trials_versions.eligibilities e
      WHERE e.content_hash = s.content_hash) AS eligibility_criteria,
    coalesce((SELECT list({{'name': i.name, 'type': i.intervention_type,
                            'other_names': coalesce(
                                (SELECT list(o.name ORDER BY o.ordinal)
                                 FROM trials_versions.intervention_other_names o
                                 WHERE o.content_hash = i.content_hash
                                   AND o.intervention_id = i.intervention_id), [])}}
                           ORDER BY i.intervention_id)
              FROM trials_versions.interventions i WHERE i.content_hash = s.content_hash), [])
        AS interventions
FROM trials_versions.studies s
WHERE s.content_hash IN (SELECT content_hash FROM {versions_table})
ORDER BY s.content_hash
"""

_KEY = [("content_hash", "VARCHAR NOT NULL"), ("nct_id", "VARCHAR NOT NULL")]

ENRICHMENT_TABLES: dict[str, list[tuple[str, str]]] = {
    "net_profile": _KEY + [
        ("is_net", "BOOLEAN"), ("net_reason", "VARCHAR"), ("net_subtypes", "VARCHAR[]"),
        ("net_subtype_evidence", "JSON"), ("grades", "VARCHAR[]"), ("differentiation", "VARCHAR"),
        ("ki67_min", "DOUBLE"), ("ki67_max", "DOUBLE"), ("ki67_text", "VARCHAR"),
        ("requires_sstr_imaging", "BOOLEAN"), ("sstr_imaging_text", "VARCHAR"), ("krenning_min", "INTEGER"),
        ("requires_dll3", "BOOLEAN"), ("dll3_text", "VARCHAR"), ("prior_ssa", "VARCHAR"), ("prior_prrt", "VARCHAR"),
        ("prior_everolimus", "VARCHAR"), ("prior_therapy_text", "VARCHAR"), ("vocabulary_version", "VARCHAR"),
    ],
    "intervention_classes": _KEY + [
        ("intervention_id", "INTEGER"), ("intervention_name", "VARCHAR"), ("drug", "VARCHAR"),
        ("mechanism_class", "VARCHAR"), ("class_label", "VARCHAR"), ("therapy_line", "VARCHAR"),
        ("matched_on", "VARCHAR"), ("matched_text", "VARCHAR"), ("taxonomy_version", "VARCHAR"),
    ],
}

_VERSIONS = "_enrich_versions"
_CANDIDATES = "_enrich_candidates"

_CANDIDATES_SQL = f"""
CREATE OR REPLACE TEMP TABLE {_CANDIDATES} AS
WITH texts AS (
    SELECT content_hash, string_agg(name, ' | ') AS t FROM trials_versions.conditions
    WHERE content_hash IN (SELECT content_hash FROM {_VERSIONS}) GROUP BY ALL
    UNION ALL
    SELECT content_hash, string_agg(name, ' | ') FROM trials_versions.keywords
    WHERE content_hash IN (SELECT content_hash FROM {_VERSIONS}) GROUP BY ALL
    UNION ALL
    SELECT content_hash, string_agg(mesh_term, ' | ') FROM trials_versions.browse_conditions
    WHERE mesh_type = 'mesh-list' AND content_hash IN (SELECT content_hash FROM {_VERSIONS}) GROUP BY ALL
    UNION ALL
    SELECT content_hash, concat_ws(' | ', brief_title, official_title) FROM trials_versions.studies
    WHERE content_hash IN (SELECT content_hash FROM {_VERSIONS})
)
SELECT DISTINCT content_hash FROM texts WHERE regexp_matches(t, $pattern)
"""

_INTERVENTIONS_SQL = f"""
SELECT i.content_hash, i.nct_id, i.intervention_id, i.name,
       coalesce((SELECT list(o.name ORDER BY o.ordinal) FROM trials_versions.intervention_other_names o
                 WHERE o.content_hash = i.content_hash AND o.intervention_id = i.intervention_id), []) AS other_names,
       coalesce((SELECT list(b.mesh_term) FROM trials_versions.browse_interventions b
                 WHERE b.content_hash = i.content_hash AND b.mesh_type = 'mesh-list'), []) AS mesh_terms
FROM trials_versions.interventions i
WHERE i.content_hash IN (SELECT content_hash FROM {_CANDIDATES})
ORDER BY i.content_hash, i.intervention_id
"""


def enrich_versions(con: duckdb.DuckDBPyConnection, content_hashes: Sequence[str]) -> dict[str, int]:
    """Write both enrichment tables for the given (already shredded) versions; returns row counts."""
    if not content_hashes:
        return {"net_profile": 0, "intervention_classes": 0, "net_candidates": 0}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_VERSIONS} AS SELECT DISTINCT unnest(?::VARCHAR[]) AS content_hash",
                [list(content_hashes)])
    con.execute(_CANDIDATES_SQL, {"pattern": NET_CANDIDATE_PATTERN})
    vocabulary = f"net-terms {NET_TERMS_VERSION}; drugs {taxonomy_version()}"
    profiles = _candidate_profiles(con, vocabulary)
    con.execute("INSERT INTO trials_versions.net_profile BY NAME SELECT * FROM profiles")
    con.execute(
        f"""INSERT INTO trials_versions.net_profile BY NAME
        SELECT s.content_hash, s.nct_id, false AS is_net, '' AS net_reason, []::VARCHAR[] AS net_subtypes,
               '[]'::JSON AS net_subtype_evidence, []::VARCHAR[] AS grades, false AS requires_sstr_imaging,
               false AS requires_dll3, $vocabulary AS vocabulary_version
        FROM trials_versions.studies s
        WHERE s.content_hash IN (SELECT content_hash FROM {_VERSIONS})
          AND s.content_hash NOT IN (SELECT content_hash FROM {_CANDIDATES})""",
        {"vocabulary": vocabulary},
    )
    classes = _intervention_classes(con)
    con.execute("INSERT INTO trials_versions.intervention_classes BY NAME SELECT * FROM classes")
    counts = {
        "net_profile": len(content_hashes),
        "intervention_classes": classes.num_rows,
        "net_candidates": profiles.num_rows,
    }
    con.execute(f"DROP TABLE IF EXISTS {_VERSIONS}; DROP TABLE IF EXISTS {_CANDIDATES}")
    return counts


def _candidate_profiles(con: duckdb.DuckDBPyConnection, vocabulary: str) -> pa.Table:
    cursor = con.execute(PROFILE_INPUTS_SQL.format(versions_table=_CANDIDATES))
    names = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        study = dict(zip(names, values))
        profile = net_profile(study)
        subtypes = profile.pop("net_subtypes")
        rows.append({
            "content_hash": study["content_hash"], "nct_id": study["nct_id"], **profile,
            "net_subtypes": [s["subtype"] for s in subtypes],
            "net_subtype_evidence": json.dumps(subtypes),
            "vocabulary_version": vocabulary,
        })
    return pa.Table.from_pylist(rows, schema=_PROFILE_SCHEMA)


def _intervention_classes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    rows = []
    version = taxonomy_version()
    for content_hash, nct_id, intervention_id, name, other_names, mesh_terms in con.execute(_INTERVENTIONS_SQL).fetchall():
        for match in classify_intervention(name or "", tuple(other_names), tuple(mesh_terms)):
            rows.append({
                "content_hash": content_hash, "nct_id": nct_id, "intervention_id": intervention_id,
                "intervention_name": name, "drug": match.drug, "mechanism_class": match.mechanism_class,
                "class_label": match.class_label, "therapy_line": match.therapy_line,
                "matched_on": match.matched_on, "matched_text": match.matched_text, "taxonomy_version": version,
            })
    return pa.Table.from_pylist(rows, schema=_CLASSES_SCHEMA)


_ARROW_TYPES = {"VARCHAR NOT NULL": pa.string(), "VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(),
                "INTEGER": pa.int32(), "VARCHAR[]": pa.list_(pa.string()), "JSON": pa.string()}
_PROFILE_SCHEMA = pa.schema([(n, _ARROW_TYPES[t]) for n, t in ENRICHMENT_TABLES["net_profile"]])
_CLASSES_SCHEMA = pa.schema([(n, _ARROW_TYPES[t]) for n, t in ENRICHMENT_TABLES["intervention_classes"]])
