-- The catalog at 200,000 photos (issue 12).
-- A rescan asks whether any photo was read by an older metadata reader before it compares the
-- files with the disk (store/scan.py any_stale): without this index that question reads every
-- photo row on every scan.
CREATE INDEX photos_metadata_version ON photos (metadata_version);
