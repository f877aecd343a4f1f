-- Creations (collages, videos, filtered copies) and what each was made from, so that deleting a
-- photo or revoking a capability can find and delete every creation that used it.

CREATE TABLE creations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- collage, video, birthday, filtered
    path        TEXT NOT NULL,            -- the output file, absolute
    title       TEXT,
    source      TEXT,                     -- what it was asked from: a moment id, a person, photo ids
    params      TEXT NOT NULL DEFAULT '{}',  -- JSON: layout, size, filter, length...
    capabilities TEXT NOT NULL DEFAULT '[]', -- JSON: the capabilities whose data shaped it (faces...)
    created_at  TEXT NOT NULL
);

CREATE TABLE creation_photos (
    creation_id INTEGER NOT NULL REFERENCES creations (id) ON DELETE CASCADE,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    PRIMARY KEY (creation_id, photo_id)
);
CREATE INDEX creation_photos_photo ON creation_photos (photo_id);
