-- A person's edits of a photo's facts (issue 14): date and time with its offset, place, title,
-- description, rating, keywords. One row per photo and field; the value is JSON. The photos row
-- holds the effective value (with taken_at_source/offset_source 'user' for a date), and a
-- re-read of the file by a newer metadata reader applies these again, so an edit always wins
-- over what was read from the file. `before` keeps what the file said, for undo.
CREATE TABLE photo_edits (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    field       TEXT NOT NULL CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords')),
    value       TEXT NOT NULL,
    before      TEXT NOT NULL,
    edited_at   TEXT NOT NULL,
    PRIMARY KEY (photo_id, field)
);
