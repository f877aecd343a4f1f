-- Watched folders (issue 13): one row per folder `camroll watch` keeps current, with how it watches
-- (inotify, or periodic rescans when the inotify watch limit is reached) and when it last looked.
CREATE TABLE watch_state (
    path        TEXT PRIMARY KEY,
    mode        TEXT NOT NULL CHECK (mode IN ('inotify', 'rescan')),
    started_at  TEXT NOT NULL,
    last_look   TEXT,
    bursts      INTEGER NOT NULL DEFAULT 0,
    pid         INTEGER
);
