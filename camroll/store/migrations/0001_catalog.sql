-- The catalog: folders a person pointed camroll at, the files in them, and the photos those
-- files hold. A photo is identified by its content (sha256): a moved or renamed file is the same
-- photo, an exact copy is a second file of one photo.

CREATE TABLE roots (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,            -- absolute, for display
    path_bytes  BLOB NOT NULL UNIQUE,     -- exactly as the file system names it
    added_at    TEXT NOT NULL,
    last_scan_at TEXT
);

CREATE TABLE photos (
    id              INTEGER PRIMARY KEY,
    hash            TEXT NOT NULL UNIQUE, -- sha256 of the file's bytes
    format          TEXT NOT NULL,        -- from the content, not the extension
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
    size            INTEGER NOT NULL,
    width           INTEGER,              -- as displayed, after orientation
    height          INTEGER,
    orientation     INTEGER NOT NULL DEFAULT 1,   -- EXIF value as written
    display_orientation INTEGER NOT NULL DEFAULT 1, -- what a viewer applies
    taken_local     TEXT,                 -- local wall-clock time, ISO 8601, no offset
    offset_minutes  INTEGER,              -- from the file itself (EXIF, GPS clock, XMP...)
    taken_at_source TEXT,
    offset_source   TEXT,
    gps_lat         REAL,
    gps_lon         REAL,
    gps_alt         REAL,
    make            TEXT,
    model           TEXT,
    lens            TEXT,
    serial          TEXT,
    title           TEXT,
    description     TEXT,
    keywords        TEXT NOT NULL DEFAULT '[]',   -- JSON array
    rating          INTEGER,
    regions         TEXT NOT NULL DEFAULT '[]',   -- JSON: people regions written by other apps
    duration        REAL,
    errors          TEXT NOT NULL DEFAULT '[]',   -- JSON: what was wrong with the metadata
    metadata_version INTEGER NOT NULL,            -- bump to re-read every file's metadata
    created_at      TEXT NOT NULL
);
CREATE INDEX photos_taken ON photos (taken_local);

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    root_id     INTEGER NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    path_bytes  BLOB NOT NULL UNIQUE,
    path        TEXT NOT NULL,            -- for display; undecodable bytes shown as \xNN
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    photo_id    INTEGER REFERENCES photos (id) ON DELETE SET NULL,
    state       TEXT NOT NULL CHECK (state IN ('ok', 'problem', 'failed', 'missing')),
    errors      TEXT NOT NULL DEFAULT '[]',   -- JSON: what went wrong reading this file
    first_seen  TEXT NOT NULL,
    scanned_at  TEXT NOT NULL,
    missing_since TEXT
);
CREATE INDEX files_photo ON files (photo_id);
CREATE INDEX files_root ON files (root_id);

-- The consent ledger: append-only. The current state of a capability is derived from it.
CREATE TABLE consent_events (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
    capability      TEXT NOT NULL,
    scope           TEXT NOT NULL,        -- '*' (everything) or 'path:<absolute folder>'
    policy_version  TEXT NOT NULL,
    note            TEXT
);
CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;

-- Owned by the "places" capability: deleted whole when it is revoked.
CREATE TABLE photo_places (
    photo_id        INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    city            TEXT,
    region          TEXT,
    country         TEXT,
    country_code    TEXT,
    distance_km     REAL,                 -- from the place's centre point
    time_zone       TEXT,                 -- IANA name at the GPS position
    tz_offset_minutes INTEGER,            -- that zone's offset at the photo's local time
    source          TEXT NOT NULL,        -- 'auto:<dataset>' or 'user' (a user's fix always wins)
    updated_at      TEXT NOT NULL
);
