-- Apple Live Photos (issue 13): a still and a MOV sharing a content identifier become one item.
-- live_identifiers: what each HEIC, JPEG and MOV says its Live Photo identifier is (by content
-- hash, so a rescan reads each file once); note says why a value that was there was refused.
CREATE TABLE live_identifiers (
    photo_id   INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    content_id TEXT,
    note       TEXT
);
CREATE INDEX live_identifiers_content ON live_identifiers (content_id) WHERE content_id IS NOT NULL;

-- motion_clips again, its kinds named as photos --json shows them ('apple-live' for a pair,
-- 'motion_photo' for a clip inside a JPEG), and paired_by saying how a pair was made
-- ('identifier', or 'name' for a still without one beside a short MOV of its name).
CREATE TABLE motion_clips_0019 (
    photo_id      INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('apple-live', 'motion_photo')),
    clip_photo_id INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    clip_offset   INTEGER,
    clip_length   INTEGER,
    duration_s    REAL,
    paired_by     TEXT CHECK (paired_by IN ('identifier', 'name'))
);
INSERT INTO motion_clips_0019 (photo_id, kind, clip_photo_id, clip_offset, clip_length, duration_s)
    SELECT photo_id, kind, clip_photo_id, clip_offset, clip_length, duration_s FROM motion_clips
    WHERE kind = 'motion_photo';
DROP TABLE motion_clips;
ALTER TABLE motion_clips_0019 RENAME TO motion_clips;
CREATE INDEX motion_clips_clip ON motion_clips (clip_photo_id);
