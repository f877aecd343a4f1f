-- Search at 200,000 photos (issue 12).
-- A camera filter ("Canon", "iPhone 12") matches a quarter of a library: with the photos in
-- (make, model, taken) order, the newest page is read straight from the index, and counting the
-- matches never touches the table. Measured at 200k photos (bench/library_scale.py's library):
-- the first page 151 ms -> 0.3 ms, the count 78 ms -> 17 ms.
CREATE INDEX photos_camera ON photos (make, model, taken_local);
-- Every filter asks whether a photo still has a live file (store/files.py live_photo): with the
-- state in the index that question is answered from the index alone. It replaces files_photo,
-- whose every use it serves.
CREATE INDEX files_photo_state ON files (photo_id, state);
DROP INDEX files_photo;
