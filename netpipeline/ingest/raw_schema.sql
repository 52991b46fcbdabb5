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

-- One row per (data date, study): which version the study had that day.
CREATE TABLE IF NOT EXISTS raw.study_days (
    snapshot_date         DATE      NOT NULL,
    nct_id                VARCHAR   NOT NULL,
    content_hash          VARCHAR   NOT NULL,
    served_sha256         VARCHAR   NOT NULL,  -- sha256 of that day's exact bytes
    version_holder        VARCHAR,             -- derivedSection.miscInfoModule.versionHolder
    last_update_post_date VARCHAR,             -- statusModule.lastUpdatePostDateStruct.date
    data_timestamp        TIMESTAMP NOT NULL,  -- /version dataTimestamp of the pull
    fetched_at            TIMESTAMP NOT NULL
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
    removed_studies   INTEGER   NOT NULL
);
