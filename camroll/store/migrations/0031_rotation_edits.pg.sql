-- PostgreSQL's form of 0031_rotation_edits.sql: 'rotation' joins the fields photo_edits allows.
-- PostgreSQL changes a CHECK in place (SQLite rebuilds the table), so the rows, the key and the
-- foreign key stay as they are. The constraint keeps the name PostgreSQL gave the column's CHECK
-- when the table was made (<table>_<column>_check), as a new catalog's has it; the carry compares
-- the result with what 0031_rotation_edits.sql gives (store/pg_compare.py).
ALTER TABLE photo_edits DROP CONSTRAINT photo_edits_field_check;
ALTER TABLE photo_edits ADD CONSTRAINT photo_edits_field_check
    CHECK (field IN ('taken', 'place', 'title', 'description', 'rating', 'keywords', 'rotation'));
