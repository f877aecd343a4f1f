-- Curation (issue 14): a person's favourites and archive. One row per photo that has either
-- flag; a photo with no row is neither. Removing the photo removes the row (cascade). An
-- archived photo is hidden from the timeline and moments but stays searchable.
CREATE TABLE photo_flags (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    favourite   INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    changed_at  TEXT NOT NULL
);
CREATE INDEX photo_flags_archived ON photo_flags (archived) WHERE archived = 1;
