-- Motion photos and Live Photos (issue 13): a still with its short clip, shown as ONE item.
-- A motion photo's clip is a byte range of the JPEG itself (clip_offset, clip_length); a Live
-- Photo's clip is another catalogued file (clip_photo_id, its MOV), hidden from listings.
CREATE TABLE motion_clips (
    photo_id      INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('live', 'motion_photo')),
    clip_photo_id INTEGER REFERENCES photos (id) ON DELETE CASCADE,
    clip_offset   INTEGER,
    clip_length   INTEGER,
    duration_s    REAL
);
CREATE INDEX motion_clips_clip ON motion_clips (clip_photo_id);

-- Which stills were looked at for a clip (by content hash), so a rescan reads each JPEG once;
-- note says why a declared clip was not believed (an offset past the end, not an MP4).
CREATE TABLE motion_checked (
    photo_id INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    hash     TEXT NOT NULL,
    note     TEXT
);
