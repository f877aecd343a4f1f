-- Long work on a library (scan, analyse, make a video), from the CLI, the web or `watch`: what
-- runs, what waits its turn, what ended and how (camroll/library/jobs.py). At most one job holds
-- the library's lock file at a time (exclusive = 1); the others wait as 'queued'. A job polls
-- cancel_requested between photos and stops cleanly, keeping what it finished.
-- Titles and failures name folders and files: only the last jobs are kept (thresholds.JOBS_KEPT,
-- none older than thresholds.JOBS_KEPT_DAYS), and `camroll forget` empties both tables.
CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,          -- scan, analyse, make...
    title             TEXT NOT NULL,          -- "Scanning ~/Pictures", "Analysing 120 photos: faces, tags"
    actor             TEXT NOT NULL,          -- cli, web, web:<user>
    pid               INTEGER NOT NULL,       -- the process running it (a dead one: the job ended)
    exclusive         INTEGER NOT NULL DEFAULT 1,
    state             TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    phase             TEXT NOT NULL DEFAULT '',
    done              INTEGER NOT NULL DEFAULT 0,
    total             INTEGER,
    problems          INTEGER NOT NULL DEFAULT 0,
    message           TEXT NOT NULL DEFAULT '',
    link              TEXT,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    started_at        TEXT,
    finished_at       TEXT
);
CREATE INDEX jobs_state ON jobs (state, id);

-- What a job could not do, one row per file (the first thresholds.JOB_FAILURES_KEPT of each job).
CREATE TABLE job_failures (
    job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    n       INTEGER NOT NULL,
    path    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    PRIMARY KEY (job_id, n)
);
