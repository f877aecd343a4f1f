-- The town or city a person would name for a photo's place. GeoNames lists many neighbourhoods
-- as places of their own ("Kreuzberg" inside Berlin, "Alfama" inside Lisbon); `city` keeps the
-- nearest entry, `town` the larger place that entry belongs to (the same name when it belongs
-- to none). NULL for places named before this column existed: the places step fills it in.
-- Owned by the "places" capability with the rest of the row (deleted with it on revoke).

ALTER TABLE photo_places ADD COLUMN town TEXT;
