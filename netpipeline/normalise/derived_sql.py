"""The derived columns of a parsed batch: what the parser adds to each study version besides
the parsed JSON (the eligibility criteria with Markdown escapes undone, split into inclusion
and exclusion; ages in years; each location's site key).

They are computed by the parser thread (`study_json_type.parse_sql` wraps its query in
`derived_columns_sql`), not by the writer's INSERTs: these regexes are the dearest
expressions of the shredding, and moving them balanced the two threads (see
`derived_columns_sql`). shred_sql.py reads them as batch columns (`elig_*`, `site_keys`).
"""
from __future__ import annotations

from netpipeline.warehouse import sql_str

# CommonMark lets any ASCII punctuation be backslash-escaped and the API's Markdown output
# does so (`\<=`, `\>`, `\*`, `\[`); dropping the backslash before such a character undoes
# it, and `\\` becomes one literal backslash. A backslash before a letter is left alone.
MARKDOWN_ESCAPE_RE = r"\\([!-/:-@\[-`{-~])"

# A criteria heading is a line that starts (after bullets/spaces, an optional "1." / "A)"
# number and an optional Key/Main qualifier) with "Inclusion Criteria" / "Exclusion
# Criteria"; the rest of that line up to a colon belongs to the heading ("Exclusion Criteria
# were as follows:"). The pattern includes the newline before the heading, so `strpos` of the
# matched text finds this very line.
_HEADING = r"(?i)\n[ \t*#>-]*(?:(?:\d+|[a-z])[.)][ \t]*)?(?:(?:key|main|general|major)[ \t]+)?"
INCLUSION_HEADING_RE = _HEADING + r"inclusion[ \t]+criteria[^\n:]*:?"
EXCLUSION_HEADING_RE = _HEADING + r"exclusion[ \t]+criteria[^\n:]*:?"

AGE_RE = r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$"
# Divisors from a unit to years (a year is 365.25 days).
_AGE_UNIT_PER_YEAR = {"year": "1", "month": "12", "week": "(365.25 / 7)", "day": "365.25",
                      "hour": "(365.25 * 24)", "minute": "(365.25 * 24 * 60)"}


def _site_key(name: str, city: str, country: str) -> str:
    """`name|city|country`, each lower-cased, accents folded, punctuation/space runs collapsed
    (before _trim_ends).

    The key survives "St. Mary's Hospital" vs "St Marys  Hospital" and keeps non-Latin names.
    The three parts are normalised as one string joined by chr(31) (a control character,
    which the punctuation class leaves alone): one call of each function per site, not three.
    Cost (530k sites per 100k studies): the collapse leaves single spaces alone (a run of two
    or more, or one non-space, is replaced), which is most matches and ~40% of the regex
    time; the separators and ends are then fixed with replace(), not two more regexes.
    """
    parts = ", ".join(f"coalesce({part}, '')" for part in (name, city, country))
    joined = f"concat_ws(chr(31), {parts})"
    collapsed = (f"regexp_replace(lower(strip_accents({joined})), "
                 "'[\\pP\\pS\\s]{2,}|[\\pP\\pS\\t\\n\\f\\r]', ' ', 'g')")
    # Runs are single spaces now: drop the ones next to a separator, then the separators
    # become '|' (as regex ' ?\x1f ?' -> '|'). The ends are trimmed by _trim_ends.
    return (f"replace(replace(replace({collapsed}, ' ' || chr(31), chr(31)), "
            "chr(31) || ' ', chr(31)), chr(31), '|')")


def _trim_ends(key: str) -> str:
    # The last step of the site key. A leading/trailing space is rare: trim only then (as
    # regex '^ | $' -> ''; runs are single spaces, so trim() removes the same).
    return f"CASE WHEN prefix({key}, ' ') OR suffix({key}, ' ') THEN trim({key}, ' ') ELSE {key} END"


def criteria_sql(text: str) -> str:
    """`eligibilities.criteria`: the criteria text with Markdown escapes undone."""
    return f"regexp_replace({text}, {sql_str(MARKDOWN_ESCAPE_RE)}, '\\1', 'g')"


def _age_years(parts: str) -> str:
    units = " ".join(f"WHEN {sql_str(u)} THEN {d}" for u, d in _AGE_UNIT_PER_YEAR.items())
    return f"try_cast({parts}.n AS DOUBLE) / CASE lower({parts}.unit) {units} END"


def _strip(expr: str) -> str:
    # Regex trims: DuckDB's trim() walks the whole UTF-8 string and costs ~5x more here.
    return f"nullif(regexp_replace(regexp_replace({expr}, '^\\s+', ''), '\\s+$', ''), '')"


def _section(rest: str, other_head: str) -> str:
    """`rest` (the text after one heading) cut where the other heading starts, if it does."""
    return _strip(
        f"CASE WHEN {other_head} <> '' AND contains({rest}, {other_head}) "
        f"THEN split_part({rest}, {other_head}, 1) ELSE {rest} END"
    )


def _rest_after(head: str, text: str) -> str:
    return f"CASE WHEN {head} <> '' THEN substr({text}, strpos({text}, {head}) + length({head})) END"


def derived_columns_sql(parsed: str) -> str:
    """The query `parsed` (the parsed batch, see study_json_type.parse_sql) with the derived
    columns the INSERTs need added: the eligibility texts and ages (`elig_*`) and each
    location's site key (`site_keys`, aligned with `locations`).

    They are computed by the parser, not the writer: per 10k versions the writer's INSERTs
    took 1.0-1.2 s and the parse 0.6-0.8 s, and these are the dearest expressions (regexes
    over the criteria text and 530k site names per 100k); moved, both take ~0.8 s.
    Sections use byte-wise strpos/contains/split_part around the heading text found by a
    group-0 regex: one capturing regex over the whole criteria is ~10x slower in RE2.
    """
    site_key = f"list_transform(locations, lambda x: {_site_key('x.facility', 'x.city', 'x.country')})"
    return f"""
SELECT * EXCLUDE (_inc_head, _exc_head, _inc_rest, _exc_rest, _min_parts, _max_parts, _keys),
    {_section('_inc_rest', '_exc_head')} AS elig_inclusion,
    {_section('_exc_rest', '_inc_head')} AS elig_exclusion,
    {_age_years('_min_parts')} AS elig_min_years,
    {_age_years('_max_parts')} AS elig_max_years,
    list_transform(_keys, lambda k: {_trim_ends('k')}) AS site_keys
FROM (
    SELECT * EXCLUDE (_text), {_rest_after('_inc_head', '_text')} AS _inc_rest,
        {_rest_after('_exc_head', '_text')} AS _exc_rest
    FROM (
        SELECT *, regexp_extract(_text, {sql_str(INCLUSION_HEADING_RE)}) AS _inc_head,
            regexp_extract(_text, {sql_str(EXCLUSION_HEADING_RE)}) AS _exc_head
        FROM (
            SELECT *, chr(10) || elig_criteria AS _text
            FROM (
                SELECT *, {criteria_sql("eligibility.eligibilityCriteria")} AS elig_criteria,
                    regexp_extract(eligibility.minimumAge, {sql_str(AGE_RE)}, ['n', 'unit'], 'i')
                        AS _min_parts,
                    regexp_extract(eligibility.maximumAge, {sql_str(AGE_RE)}, ['n', 'unit'], 'i')
                        AS _max_parts,
                    {site_key} AS _keys
                FROM ({parsed})))))"""
