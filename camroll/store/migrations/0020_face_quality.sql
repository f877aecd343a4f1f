-- Faces worth clustering (issue 14).
--
-- 1. Each face's quality features (camroll/people/face_quality.py), measured where the pixels are
--    (analysis) and, for faces found before this migration, from their crop by the clustering job.
--    NULL = not measured yet. The detector score and the box (width) were already stored.
ALTER TABLE faces ADD COLUMN sharpness REAL;     -- Laplacian variance of the grey face at 64 px
ALTER TABLE faces ADD COLUMN eye_ratio REAL;     -- eye distance / box width (about 0.4 frontal)
ALTER TABLE faces ADD COLUMN nose_offset REAL;   -- nose between the eyes: -1..1, 0 frontal
ALTER TABLE faces ADD COLUMN mouth_below REAL;   -- eye line to mouth / eye distance (about 1)

-- 2. A face the clustering job held for review: close enough to a known person, but another is
--    nearly as close. It joins no one until the person says who it is. Derived by the people
--    capability (rebuilt at each run; the people purge deletes it).
CREATE TABLE face_holds (
    face_id         INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
    first_person    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    first_distance  REAL NOT NULL,
    second_person   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    second_distance REAL NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX face_holds_first ON face_holds (first_person);

-- 3. A cover a person chose by hand (else the best face by quality is the cover).
ALTER TABLE people ADD COLUMN cover_face_id INTEGER REFERENCES faces (id) ON DELETE SET NULL;

-- 4. A person's hand edits of faces, kept apart from the faces: "this face is that person" (is)
--    and "this face is not that person" (not). A face is named by its photo and its box rounded
--    to whole pixels; a photo is its content (photos.hash is unique), so a face found again after
--    a revoke and a new grant, or by a new model, is matched to the edit by its box (IoU). Revoking
--    faces or people does not delete these rows: they are what the person said, like a name.
--    Removing the photo deletes them (cascade), forgetting the person too. A person is kept while
--    an edit names them (the revoke's purge spares them) and deleted with their last edit when
--    they have no face either (trigger below).
CREATE TABLE face_edits (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    x           INTEGER NOT NULL,
    y           INTEGER NOT NULL,
    w           INTEGER NOT NULL,
    h           INTEGER NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('is', 'not')),
    at          TEXT NOT NULL,
    PRIMARY KEY (photo_id, x, y, w, h, person_id)
);
CREATE INDEX face_edits_person ON face_edits (person_id);

CREATE TRIGGER face_edits_last_one AFTER DELETE ON face_edits
WHEN NOT EXISTS (SELECT 1 FROM face_edits WHERE person_id = OLD.person_id)
 AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = OLD.person_id)
BEGIN
    DELETE FROM people WHERE id = OLD.person_id;
END;

-- The edits made before this migration, read from the faces.
INSERT OR IGNORE INTO face_edits (photo_id, x, y, w, h, person_id, kind, at)
SELECT photo_id, CAST(round(x) AS INTEGER), CAST(round(y) AS INTEGER), CAST(round(w) AS INTEGER),
       CAST(round(h) AS INTEGER), person_id, 'is', datetime('now')
FROM faces WHERE assigned_by = 'user' AND person_id IS NOT NULL;

INSERT OR IGNORE INTO face_edits (photo_id, x, y, w, h, person_id, kind, at)
SELECT f.photo_id, CAST(round(f.x) AS INTEGER), CAST(round(f.y) AS INTEGER), CAST(round(f.w) AS INTEGER),
       CAST(round(f.h) AS INTEGER), r.person_id, 'not', r.at
FROM face_rejections r JOIN faces f ON f.id = r.face_id;
