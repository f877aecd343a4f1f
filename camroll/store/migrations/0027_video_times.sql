-- Real video (issue 13): a video is analysed at several frames; what is found there keeps the
-- time code of its frame, in seconds from the start (NULL for a photo). Text lines keep theirs
-- in texts.lines (JSON).
ALTER TABLE faces ADD COLUMN at_s REAL;
ALTER TABLE tags ADD COLUMN at_s REAL;
