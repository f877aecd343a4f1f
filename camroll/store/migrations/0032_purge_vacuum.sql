-- The tables a purge changed that still wait to be rewritten (PostgreSQL only: SQLite's
-- secure_delete zeroes deleted rows as it goes, and this table stays empty there). A DELETE on
-- PostgreSQL leaves the row's bytes in the table's pages until the table is rewritten
-- (VACUUM (FULL), store/purge.py). The purge lists its tables here in its own transaction, so the
-- list commits with the deletions; the rewrite then removes the entries it did. A command killed
-- in between leaves the list, and the next command to start finishes it
-- (camroll.privacy.purge.finish_pending). Before this table the list was a temporary table, lost
-- with a killed command's session. Entries are removed by id, never by name: a purge committed
-- while another process rewrites keeps its own entry.
CREATE TABLE purge_vacuum (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL              -- a table of the catalog
);
