-- Analysis: what each capability derived from a photo's pixels, keyed by photo and model
-- version, so that purge is a per-owner delete and a model upgrade re-runs only what it changes.

-- One row per photo and capability: done (at which model version) or failed (and why).
CREATE TABLE analysis_state (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    capability  TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error       TEXT,
    at          TEXT NOT NULL,
    PRIMARY KEY (photo_id, capability)
);

-- People: a cluster of faces with a name a person gave it (or none yet).
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT,
    name_source TEXT,                     -- 'user' or 'import:<file>'; never overwritten by a rerun
    birthday    TEXT,                     -- ISO date, set by the user
    ignored     INTEGER NOT NULL DEFAULT 0,  -- a stranger: never shown or used again
    created_at  TEXT NOT NULL
);

-- Faces ("markers"): one detection each. Boxes are in displayed (oriented) pixels.
CREATE TABLE faces (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    x           REAL NOT NULL,
    y           REAL NOT NULL,
    w           REAL NOT NULL,
    h           REAL NOT NULL,
    score       REAL NOT NULL,
    landmarks   TEXT NOT NULL,            -- JSON [[x, y] * 5]: eyes, nose, mouth corners
    embedding   BLOB,                     -- float32 vector (encrypted at rest by the privacy issue)
    model       TEXT NOT NULL,
    person_id   INTEGER REFERENCES people (id) ON DELETE SET NULL,
    confidence  REAL,                     -- of the assignment to person_id
    assigned_by TEXT,                     -- 'auto:<clustering version>' or 'user'
    thumb       TEXT                      -- face crop file name under cache/faces (named by photo hash)
);
CREATE INDEX faces_photo ON faces (photo_id);

-- "This face is not that person": a user's correction, which every rerun respects.
CREATE TABLE face_rejections (
    face_id     INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    PRIMARY KEY (face_id, person_id)
);
CREATE INDEX faces_person ON faces (person_id);

CREATE TABLE expressions (
    face_id     INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    score       REAL NOT NULL,
    smiling     INTEGER NOT NULL,
    scores      TEXT NOT NULL,            -- JSON {label: probability}
    model       TEXT NOT NULL
);
CREATE INDEX expressions_photo ON expressions (photo_id);

CREATE TABLE tags (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,            -- a word people search for: dog, beach, cake
    score       REAL NOT NULL,
    evidence    TEXT NOT NULL,            -- the model's own label(s) behind it
    model       TEXT NOT NULL,
    PRIMARY KEY (photo_id, tag)
);
CREATE INDEX tags_tag ON tags (tag);

CREATE TABLE texts (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    lines       TEXT NOT NULL,            -- JSON [{text, box, score}]
    flags       TEXT NOT NULL,            -- JSON [{kind, evidence}]: id card, payment card, e-mail...
    model       TEXT NOT NULL
);

CREATE TABLE sensitive (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    explicit    INTEGER NOT NULL,
    score       REAL NOT NULL,
    labels      TEXT NOT NULL,            -- JSON [{label, score, box}]
    model       TEXT NOT NULL
);

CREATE TABLE fingerprints (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    phash       TEXT NOT NULL,            -- 64-bit perceptual hash, hex
    model       TEXT NOT NULL
);

CREATE TABLE quality (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    sharpness   REAL NOT NULL,            -- variance of the Laplacian at analysis size
    exposure    REAL NOT NULL,            -- 0 (black) .. 1 (white): mean luminance
    clipped     REAL NOT NULL,            -- share of pixels crushed to black or blown to white
    eyes_open   REAL,                     -- 0..1 where face landmarks allow, else NULL
    score       REAL NOT NULL,            -- 0..1, for picking the best photos
    model       TEXT NOT NULL
);

-- Near-duplicate groups, rebuilt by the duplicates job after each analysis run.
CREATE TABLE near_duplicates (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL,         -- the smallest photo id of the group
    best_id     INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    distance    INTEGER NOT NULL          -- bits from the best copy's fingerprint
);
