-- Stacks (issue 14): RAW+JPEG pairs, bursts and near duplicates shown as one item with the best
-- copy on top. The stacks themselves are computed when read (library/stacks.py), never stored:
-- they follow the library (a deleted photo leaves its stack, a new burst frame joins one) and
-- nothing derived from the analyses (near duplicates, quality) outlives a revoke in them.
-- Only a person's decision is stored: "keep all" marks each photo of the stack they kept whole,
-- so the review does not offer it again. A stack is offered again only when a photo that was
-- not part of that decision joins it. Removing or deleting a photo removes its mark (cascade).
CREATE TABLE stack_kept (
    photo_id    INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    kept_at     TEXT NOT NULL
);

-- The stacks are read one near-duplicate group at a time (ORDER BY group_id).
CREATE INDEX near_duplicates_group ON near_duplicates (group_id);
