-- The trash (issue 14): originals a person deleted with `camroll delete` (or the web's Delete),
-- moved into <home>/trash/ and kept there TRASH_KEEP_DAYS days, so a delete can be undone.
-- One row per moved file. `trash_rel` is the file's place under <home>/trash/ (relative, never
-- absolute), `original_bytes` where it came from and `root_bytes` the library folder it was in,
-- so a restore puts it back there and writes nowhere else. The photo itself left the catalog
-- when it was deleted (its derived data too): `photo_hash` and `taken_local` are kept only to
-- name it on the trash page while it is there. The row goes when the file is restored or
-- destroyed (by `camroll trash empty` or the retention sweep at the 30-day ceiling).
CREATE TABLE trash (
    id              INTEGER PRIMARY KEY,
    photo_hash      TEXT NOT NULL,
    original_path   TEXT NOT NULL,            -- for display, undecodable bytes shown as \xNN
    original_bytes  BLOB NOT NULL,
    root_bytes      BLOB NOT NULL,
    trash_rel       BLOB NOT NULL UNIQUE,
    size            INTEGER NOT NULL,
    taken_local     TEXT,
    deleted_at      TEXT NOT NULL
);
CREATE INDEX trash_deleted_at ON trash (deleted_at);
