-- Folder names in the consent ledger and the audit log, kept apart from them.
--
-- A scope or an audit record names a folder by a keyed hash (HMAC-SHA256 under a key derived
-- from keys/ledger.key), written "path:#<hex>" in consent_events.scope and "#<hex>" in audit
-- details: matching a photo against a scope compares keyed hashes, and the hash chain covers
-- those stored bytes. The readable name lives here, sealed (AES-256-GCM) under keys/ledger.key,
-- one row per folder: `camroll remove` of a photo scanned by its own path deletes its row, and
-- `camroll forget` deletes them all and shreds the key, so old scopes read "a folder, now
-- forgotten" while the ledger and the audit chain stay whole.
--
-- Ledger rows written before this version still hold plain paths; camroll converts them once,
-- in Python (sealing needs the key file), under a controlled path that drops the append-only
-- trigger, rewrites only the scope column of those rows, and recreates the trigger in the same
-- transaction (camroll.privacy.ledger_keys.upgrade_ledger).

CREATE TABLE ledger_names (
    token       TEXT PRIMARY KEY,         -- hex keyed hash of the folder path
    name        BLOB NOT NULL,            -- the path's bytes, sealed under keys/ledger.key
    added_at    TEXT NOT NULL
);
