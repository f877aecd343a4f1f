-- The people review (issue 14): what a person said while reviewing, kept apart from what the
-- clustering job derives, so a re-run (even `camroll people cluster --from-scratch`) obeys it.
--
-- 1. "Not the same person": a merge suggestion the person answered No. The pair is never
--    suggested again. Stored with the smaller id first. A person in such a pair counts as touched
--    (store/people.py), so a re-cluster from scratch keeps them and the answer; forgetting or
--    merging away either person deletes the pair (cascade).
CREATE TABLE people_not_same (
    person_a    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    person_b    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    PRIMARY KEY (person_a, person_b),
    CHECK (person_a < person_b)
);
CREATE INDEX people_not_same_b ON people_not_same (person_b);

-- 2. A face the person set aside in the review: 'not_a_face' (the detection was wrong: the face
--    row and its crop are deleted) or 'dismissed' (a real face nobody needs to name: it stays in
--    its photo, but leaves the review queue). Named like face_edits, by photo and box rounded to
--    whole pixels, so the answer outlives the face's row (a revoke, a new grant) like a hand edit;
--    removing the photo deletes it (cascade).
CREATE TABLE face_dismissals (
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    x           INTEGER NOT NULL,
    y           INTEGER NOT NULL,
    w           INTEGER NOT NULL,
    h           INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('not_a_face', 'dismissed')),
    at          TEXT NOT NULL,
    PRIMARY KEY (photo_id, x, y, w, h)
);

-- 3. A face the detector missed, drawn by the person (`camroll people add-face`, the photo
--    page): its hand edit says so, so what they drew is known to be theirs, not the detector's.
ALTER TABLE face_edits ADD COLUMN drawn INTEGER NOT NULL DEFAULT 0;
