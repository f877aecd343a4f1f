-- Imports from cloud exports (issue 13): Google Takeout, Meta, Apple.
-- import_facts: what an export's JSON or XMP said about a photo, each fact with its source label
-- (takeout:photoTakenTime, takeout:geoData, meta:taken_timestamp, apple:xmp ...) and whether it was
-- applied (the file had nothing) or only recorded (the file's own metadata wins; `file_value`
-- keeps what the file said, so the difference can be shown).
CREATE TABLE import_facts (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,            -- JSON
    source      TEXT NOT NULL,
    applied     INTEGER NOT NULL,
    file_value  TEXT,                     -- JSON: what the file said where it disagreed
    imported_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, field, source)
);
-- Album membership as the service had it (a later curation issue builds album UI on it).
CREATE TABLE import_albums (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    service     TEXT NOT NULL CHECK (service IN ('takeout', 'meta', 'apple')),
    album       TEXT NOT NULL,
    PRIMARY KEY (photo_id, service, album)
);
-- One row per import run; `audit` is the cloud audit (JSON) when --audit was given.
CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY,
    service     TEXT NOT NULL,
    sources     TEXT NOT NULL,            -- JSON list of the zips/folders given
    into_dir    TEXT NOT NULL,
    copied      INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    refused     INTEGER NOT NULL,
    audit       TEXT,
    started_at  TEXT NOT NULL
);
