-- Rotation joins the edits of a photo (issue 14): `camroll edit --rotate`. SQLite cannot change a
-- CHECK constraint in place, so photo_edits is made again with 'rotation' allowed and its rows
-- copied. A rotation's value is the clockwise turn in degrees (90, 180, 270) on top of how the
-- file shows; `before` keeps the file's orientation, display orientation, width and height.
CREATE TABLE photo_edits_new (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    field       TEXT NOT NULL CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation')),
    value       TEXT NOT NULL,
    before      TEXT NOT NULL,
    edited_at   TEXT NOT NULL,
    PRIMARY KEY (photo_id, field)
);
INSERT INTO photo_edits_new (photo_id, field, value, before, edited_at)
    SELECT photo_id, field, value, before, edited_at FROM photo_edits;
DROP TABLE photo_edits;
ALTER TABLE photo_edits_new RENAME TO photo_edits;
