"""NET enrichment of freshly shredded study versions: trials_versions.net_profile and
trials_versions.intervention_classes, written in the shredding transaction (all-or-nothing with
the versions' other rows, computed once per version like every normalised table).

Fast path first: `batch.net_candidate_sql` matches `NET_CANDIDATE_PATTERN` over each version's titles,
conditions, keywords and direct MeSH terms (the shredder computes it while parsing, as the
batch column `net_candidate`). Only candidates (a few percent of the registry) go through the
Python rules of `enrich.net_profile`; the rest get the empty profile in SQL
(`empty_profiles_sql`). Interventions are classified for every version, NET or not (a trial
the rules do not call NET still shows what it tests; names repeat, so the cached classifier
costs little).

Two equivalent ways in, one set of rules:
- `enrich_batch`: what the shredder uses; reads the parsed batch (the Arrow table of
  study_json_type.parse_sql), so its cost does not grow with the size of the warehouse;
- `enrich_versions`: the same from the normalised tables of already shredded versions
  (e.g. to re-enrich after a vocabulary change); `PROFILE_INPUTS_SQL` is its input query.
A test checks that both give the same inputs on the real records.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import NamedTuple

import duckdb
import pyarrow as pa

from netpipeline.warehouse import sql_str
from netpipeline.normalise.batch import BATCH, on_batch
from netpipeline.normalise.enrich import (NET_CANDIDATE_PATTERN, RULES_VERSION, classify_intervention,
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


@functools.cache
def batch_profile_inputs_sql() -> str:
    """PROFILE_INPUTS_SQL over the parsed batch (batch.BATCH), for its candidates."""
    return f"""
SELECT content_hash, nct_id, identification.briefTitle AS brief_title,
    identification.officialTitle AS official_title,
    coalesce(conditions.conditions, []) AS conditions,
    coalesce(conditions.keywords, []) AS keywords,
    coalesce(list_transform(condition_browse.meshes, lambda m: m.term), []) AS condition_mesh_terms,
    coalesce(list_transform(condition_browse.ancestors, lambda m: m.term), [])
        AS condition_mesh_ancestors,
    elig_criteria AS eligibility_criteria,
    coalesce(list_transform(arms.interventions, lambda i: {{'name': i.name, 'type': i.type,
        'other_names': coalesce(i.otherNames, [])}}), []) AS interventions
FROM {BATCH}
WHERE net_candidate
ORDER BY content_hash"""


@functools.cache
def batch_interventions_sql() -> str:
    """_INTERVENTIONS_SQL over the parsed batch: every study's interventions, NET or not."""
    return f"""
SELECT content_hash, nct_id, intervention_id, x.name AS name,
    coalesce(x.otherNames, []) AS other_names, mesh_terms, x.type AS intervention_type,
    x.description AS description
FROM (SELECT content_hash, nct_id, unnest(arms.interventions) AS x,
             generate_subscripts(arms.interventions, 1) AS intervention_id,
             coalesce(list_transform(intervention_browse.meshes, lambda m: m.term), [])
                 AS mesh_terms
      FROM {BATCH})
ORDER BY content_hash, intervention_id"""


def vocabulary_version() -> str:
    return RULES_VERSION


def empty_profiles_sql(source: str, where: str = "") -> str:
    """SELECT of the empty profile (not NET) for every study of `source`."""
    return f"""
SELECT content_hash, nct_id, false AS is_net, '' AS net_reason, []::VARCHAR[] AS net_subtypes,
       '[]'::JSON AS net_subtype_evidence, []::VARCHAR[] AS grades, false AS requires_sstr_imaging,
       false AS requires_dll3, {sql_str(vocabulary_version())} AS vocabulary_version
FROM {source} {where}"""


def enrich_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> tuple[Rows, Rows]:
    """(net_profile rows of the batch's candidates, their intervention_classes rows), to be
    written with `insert_rows`.

    `batch` is a parsed batch (Arrow); `con` may be any connection of the database: this only
    reads the batch, so the shredder runs it on its own cursor beside the writing transaction.
    The non-candidates' empty profiles are `empty_profiles_sql(BATCH, 'WHERE NOT net_candidate')`.
    """
    inputs = on_batch(con, batch, batch_profile_inputs_sql())
    names = [column[0] for column in inputs.description]
    profiles = _profiles(names, inputs.fetchall(), vocabulary_version())
    return profiles, _classes(on_batch(con, batch, batch_interventions_sql()).fetchall())


class Rows(NamedTuple):
    """Rows for one enrichment table: the JSON text of a list of objects, one per row.

    DuckDB reads it in one statement (`insert_rows`). Arrow would do as well, but building any
    pyarrow array from Python objects imports pandas (~1 s, holding the GIL that the
    shredder's other threads need) just to check whether the input is a pandas object.
    """
    table: str
    count: int
    json: str

    @classmethod
    def of(cls, table: str, rows: list[dict]) -> Rows:
        return cls(table, len(rows), json.dumps(rows))


def insert_rows(con: duckdb.DuckDBPyConnection, rows: Rows) -> int:
    """INSERT `rows` into their trials_versions table; returns the number inserted."""
    if rows.count == 0:
        return 0
    return con.execute(_insert_json_sql(rows.table), {"rows": rows.json}).fetchall()[0][0]


@functools.cache
def _insert_json_sql(table: str) -> str:
    types = {"VARCHAR[]": ["VARCHAR"], "JSON": "VARCHAR"}  # JSON text is cast on insert
    row_type = {name: types.get(sql_type.replace(" NOT NULL", ""), sql_type.replace(" NOT NULL", ""))
                for name, sql_type in ENRICHMENT_TABLES[table]}
    json_type = sql_str(json.dumps([row_type]))
    return (f"INSERT INTO trials_versions.{table} BY NAME SELECT r.* FROM "
            f"(SELECT unnest(json_transform($rows, {json_type})) AS r)")


_INTERVENTIONS_SQL = f"""
SELECT i.content_hash, i.nct_id, i.intervention_id, i.name,
       coalesce((SELECT list(o.name ORDER BY o.ordinal) FROM trials_versions.intervention_other_names o
                 WHERE o.content_hash = i.content_hash AND o.intervention_id = i.intervention_id), []) AS other_names,
       coalesce((SELECT list(b.mesh_term) FROM trials_versions.browse_interventions b
                 WHERE b.content_hash = i.content_hash AND b.mesh_type = 'mesh-list'), []) AS mesh_terms,
       i.intervention_type, i.description
FROM trials_versions.interventions i
WHERE i.content_hash IN (SELECT content_hash FROM {_VERSIONS})
ORDER BY i.content_hash, i.intervention_id
"""


def enrich_versions(con: duckdb.DuckDBPyConnection, content_hashes: Sequence[str]) -> dict[str, int]:
    """Write both enrichment tables for the given (already shredded) versions, from their
    normalised rows; returns row counts. The shredder uses `enrich_batch` instead."""
    if not content_hashes:
        return {"net_profile": 0, "intervention_classes": 0, "net_candidates": 0}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_VERSIONS} AS SELECT DISTINCT unnest(?::VARCHAR[]) AS content_hash",
                [list(content_hashes)])
    con.execute(_CANDIDATES_SQL, {"pattern": NET_CANDIDATE_PATTERN})
    cursor = con.execute(PROFILE_INPUTS_SQL.format(versions_table=_CANDIDATES))
    profiles = _profiles([d[0] for d in cursor.description], cursor.fetchall(), vocabulary_version())
    insert_rows(con, profiles)
    con.execute(
        "INSERT INTO trials_versions.net_profile BY NAME "
        + empty_profiles_sql("trials_versions.studies",
                             f"WHERE content_hash IN (SELECT content_hash FROM {_VERSIONS}) "
                             f"AND content_hash NOT IN (SELECT content_hash FROM {_CANDIDATES})"))
    classes = _classes(con.execute(_INTERVENTIONS_SQL).fetchall())
    insert_rows(con, classes)
    counts = {
        "net_profile": len(set(content_hashes)),
        "intervention_classes": classes.count,
        "net_candidates": profiles.count,
    }
    con.execute(f"DROP TABLE IF EXISTS {_VERSIONS}; DROP TABLE IF EXISTS {_CANDIDATES}")
    return counts


def _profiles(names: Sequence[str], rows: list[tuple], vocabulary: str) -> Rows:
    """net_profile rows from input rows (columns `names`, those of PROFILE_INPUTS_SQL)."""
    profiles = []
    for values in rows:
        study = dict(zip(names, values))
        profile = net_profile(study)
        subtypes = profile.pop("net_subtypes")
        profiles.append({
            "content_hash": study["content_hash"], "nct_id": study["nct_id"], **profile,
            "net_subtypes": [s["subtype"] for s in subtypes],
            "net_subtype_evidence": json.dumps(subtypes),
            "vocabulary_version": vocabulary,
        })
    return Rows.of("net_profile", profiles)


def _classes(interventions: list[tuple]) -> Rows:
    """intervention_classes rows from (content_hash, nct_id, intervention_id, name,
    other_names, mesh_terms, intervention_type, description) rows."""
    rows = []
    version = taxonomy_version()
    for content_hash, nct_id, intervention_id, name, other_names, mesh_terms, kind, description in interventions:
        for match in classify_intervention(name or "", tuple(other_names), tuple(mesh_terms), kind, description):
            rows.append({
                "content_hash": content_hash, "nct_id": nct_id, "intervention_id": intervention_id,
                "intervention_name": name, "drug": match.drug, "mechanism_class": match.mechanism_class,
                "class_label": match.class_label, "therapy_line": match.therapy_line,
                "matched_on": match.matched_on, "matched_text": match.matched_text, "taxonomy_version": version,
            })
    return Rows.of("intervention_classes", rows)
