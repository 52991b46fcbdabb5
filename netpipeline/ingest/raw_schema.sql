-- Raw layer: the only copy of history. Written only by netpipeline.ingest.raw_store.
CREATE SCHEMA IF NOT EXISTS raw;

-- One row per distinct study content: the JSON text exactly as first served.
CREATE TABLE IF NOT EXISTS raw.study_payloads (
    content_hash    VARCHAR NOT NULL,   -- sha256 of the canonical record (volatile fields ignored)
    nct_id          VARCHAR NOT NULL,
    payload         VARCHAR NOT NULL,   -- the study's JSON bytes as served (UTF-8)
    payload_bytes   INTEGER NOT NULL,
    first_seen_date DATE    NOT NULL
);

-- One row per run of stored days on which a study kept one version (netpipeline.ingest.raw_days).
-- last_date is NULL while the span reaches the latest stored day. raw.study_days (a view over this
-- table and raw.pulls) gives the row-per-study-and-day map.
CREATE TABLE IF NOT EXISTS raw.study_spans (
    nct_id                VARCHAR NOT NULL,
    content_hash          VARCHAR NOT NULL,   -- raw.study_payloads.content_hash
    first_date            DATE    NOT NULL,   -- first stored day of the span
    last_date             DATE,               -- last stored day of the span; NULL: still current
    last_update_post_date VARCHAR             -- statusModule.lastUpdatePostDateStruct.date (part of the version)
);

-- One row per stored day: how the pull went.
CREATE TABLE IF NOT EXISTS raw.pulls (
    snapshot_date     DATE      NOT NULL,
    data_timestamp    TIMESTAMP NOT NULL,
    api_version       VARCHAR,
    base_url          VARCHAR   NOT NULL,
    scope_name        VARCHAR   NOT NULL,
    scope_version     VARCHAR   NOT NULL,
    query_params      VARCHAR   NOT NULL,   -- JSON of the /studies parameters
    total_count       INTEGER   NOT NULL,
    studies           INTEGER   NOT NULL,
    pages             INTEGER   NOT NULL,
    retries           INTEGER   NOT NULL,
    bytes             BIGINT    NOT NULL,
    fetched_at        TIMESTAMP NOT NULL,
    elapsed_s         DOUBLE    NOT NULL,
    base_date         DATE,                 -- the previous stored day compared against
    new_studies       INTEGER   NOT NULL,
    changed_studies   INTEGER   NOT NULL,
    unchanged_studies INTEGER   NOT NULL,
    removed_studies   INTEGER   NOT NULL,
    served_sha256     VARCHAR,              -- sha256 of the day's "nct_id TAB sha256(served bytes)" lines, NCT order
    version_holders   VARCHAR[]             -- distinct derivedSection.miscInfoModule.versionHolder values served
);
