-- The pending-purge journal: what a revoke (or a removal, or the retention sweeper) still has to
-- delete outside the database. The consent event, the rows' deletion and the journal entry commit
-- in one transaction; files on disk (caches, creations) and an encryption key cannot be part of a
-- SQLite transaction, so they are listed here and deleted after the commit. If camroll is killed
-- in between, the next command finishes the job (camroll.privacy.purge.finish_pending), then
-- deletes the entry. An entry lives for milliseconds unless a crash interrupts it.
CREATE TABLE pending_purges (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    kind        TEXT,                  -- the audit record to write once done (purge, remove), or NULL
    details     TEXT NOT NULL,         -- JSON: that record's details (capability, scope, rows...)
    shred_key   TEXT                   -- a key under keys/ to destroy once the files are gone
);

-- Each file still to delete, absolute, as raw bytes (any file name the system allows).
CREATE TABLE pending_purge_files (
    purge_id    INTEGER NOT NULL REFERENCES pending_purges (id) ON DELETE CASCADE,
    path        BLOB NOT NULL
);
CREATE INDEX pending_purge_files_purge ON pending_purge_files (purge_id);
