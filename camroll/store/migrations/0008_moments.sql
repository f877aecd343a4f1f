-- Moments are computed from the catalog on demand; only what a person told camroll is stored.
-- Home is inferred (from where photos are taken at night) each time moments are listed, so it
-- follows the library and vanishes with the places consent; a person's own correction is kept
-- here and always wins over the inference.

CREATE TABLE IF NOT EXISTS home_place (
    id          INTEGER PRIMARY KEY CHECK (id = 1),   -- one home
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    name        TEXT,                     -- "Lisbon, Portugal", for display
    source      TEXT NOT NULL CHECK (source IN ('auto', 'user')),   -- only 'user' rows are written today
    updated_at  TEXT NOT NULL
);
