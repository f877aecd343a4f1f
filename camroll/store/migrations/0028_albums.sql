-- Albums (issue 14): a person's own curation, manual lists and saved searches.
-- A manual album lists its photos in album_photos, in the person's order (position). A smart
-- album stores only its query: its photos are found by running the search when it is read, so
-- it follows the library (a new matching photo is in it, a removed one is not) and stores no
-- membership. Removing or deleting a photo takes it out of every album (cascade); deleting an
-- album never touches a photo. A cover that leaves the library falls back to the first photo.
-- Names are unique regardless of case, so "Beach" and "beach" are one album to a person.
CREATE TABLE albums (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind        TEXT NOT NULL CHECK (kind IN ('manual', 'smart')),
    query       TEXT,
    cover_id    INTEGER REFERENCES photos (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    CHECK ((kind = 'smart') = (query IS NOT NULL))
);
CREATE TABLE album_photos (
    album_id    INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id    INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
);
CREATE INDEX album_photos_photo ON album_photos (photo_id);
CREATE INDEX album_photos_order ON album_photos (album_id, position);
