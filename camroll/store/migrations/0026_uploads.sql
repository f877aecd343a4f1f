-- Files a phone uploaded that landed in the upload folder but are not catalogued yet (issue 13).
-- A row lives only until the catalog has the photo (or the file is gone): it is what lets the
-- phone hear "already here" for a file that arrived a moment ago, before the scan ran.
CREATE TABLE uploads (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    path        TEXT NOT NULL,            -- where it landed
    received_at TEXT NOT NULL
);
