-- Privacy: retention policies per capability, and the photos a person removed from camroll.

-- How long a capability's derived data may be kept. No row: kept while consented (the default).
CREATE TABLE retention_policies (
    capability  TEXT PRIMARY KEY,
    max_days    INTEGER NOT NULL CHECK (max_days > 0),   -- derived data older than this is deleted
    set_at      TEXT NOT NULL
);

-- Photos removed with `camroll remove`: a rescan must not bring them back. Each is remembered by
-- an HMAC of its content hash under keys/removed.key, never by the hash or a path: the list
-- cannot be matched against a known photo without that key, and shredding the key (camroll
-- forget) makes the whole list meaningless at once.
CREATE TABLE removed_photos (
    token       TEXT PRIMARY KEY,
    removed_at  TEXT NOT NULL
);
