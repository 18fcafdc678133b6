-- Applicants (the people credentials are issued to) and the CSV/JSON import
-- jobs that create them. The credential dataset is sealed with the master
-- key; only what search and delivery need is in clear: external id, name,
-- email, phone, postal address. Every list query walks an index in keyset
-- order (created_at, id) or (name_key, id); none uses OFFSET.

-- +goose Up
CREATE TABLE import_jobs (
    id                TEXT PRIMARY KEY,
    configuration_id  TEXT NOT NULL,
    file_name         TEXT NOT NULL DEFAULT '',
    format            TEXT NOT NULL,           -- csv, json
    file_size         INTEGER NOT NULL DEFAULT 0,
    mapping           TEXT NOT NULL DEFAULT '{}', -- JSON: column of each field
    on_error          TEXT NOT NULL DEFAULT 'skip', -- skip, cancel
    state             TEXT NOT NULL,           -- draft, pending, running, done, failed, cancelled
    total             INTEGER NOT NULL DEFAULT 0,
    processed         INTEGER NOT NULL DEFAULT 0, -- index of the next data row: the resume point
    imported          INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    errors_stored     INTEGER NOT NULL DEFAULT 0,
    failure           TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_expires_at  TIMESTAMP
);
CREATE INDEX import_jobs_state_idx ON import_jobs (state, created_at);
CREATE INDEX import_jobs_created_at_idx ON import_jobs (created_at, id);

-- The uploaded file, apart from the job so that progress updates do not
-- rewrite it; deleted once the job has ended.
CREATE TABLE import_job_files (
    job_id      TEXT PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    file_sealed BLOB NOT NULL -- the upload, sealed with the master key
) WITHOUT ROWID;

CREATE TABLE import_job_errors (
    job_id   TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    file_row INTEGER NOT NULL, -- numbered as in a spreadsheet (CSV header: row 1)
    message  TEXT NOT NULL, -- names columns and claims, never values
    PRIMARY KEY (job_id, file_row)
) WITHOUT ROWID;

CREATE TABLE applicants (
    id               TEXT PRIMARY KEY, -- sortable: creation order
    configuration_id TEXT NOT NULL,
    external_id      TEXT,             -- NULL when none; unique per configuration
    name             TEXT NOT NULL DEFAULT '',
    name_key         TEXT NOT NULL DEFAULT '', -- lower-case name for search and sorting
    email            TEXT NOT NULL DEFAULT '',
    email_key        TEXT NOT NULL DEFAULT '', -- lower-case email for search
    phone            TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    claims_sealed    BLOB,
    flags            TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    flagged          BOOLEAN NOT NULL DEFAULT 0,  -- flags is not empty
    import_job_id    TEXT,             -- NULL when not imported
    import_row       INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX applicants_external_id_key ON applicants (external_id, configuration_id);
CREATE INDEX applicants_created_at_idx ON applicants (created_at, id);
CREATE INDEX applicants_configuration_idx ON applicants (configuration_id, created_at, id);
CREATE INDEX applicants_import_job_idx ON applicants (import_job_id, created_at, id);
CREATE INDEX applicants_name_key_idx ON applicants (name_key, id);
CREATE INDEX applicants_email_key_idx ON applicants (email_key);
CREATE INDEX applicants_flagged_idx ON applicants (created_at, id) WHERE flagged = 1;

-- +goose Down
DROP TABLE applicants;
DROP TABLE import_job_errors;
DROP TABLE import_job_files;
DROP TABLE import_jobs;
