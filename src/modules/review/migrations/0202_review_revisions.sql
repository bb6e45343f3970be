-- Revisions (修订) of an approved item: the changes to the published row
-- are kept here, beside it, while members keep seeing the published
-- version; the revision goes through the same chain (the item's status is
-- in_review meanwhile, then approved again) and, once approved, the kind's
-- `revised` hook applies the changes to the module's row. The module's
-- own status never leaves "approved" (review_mirror is not called for a
-- revision's steps). docs/review.md, "Revisions".
ALTER TABLE review_items ADD COLUMN revision TEXT;          -- the changes (JSON object, the kind's fields)
ALTER TABLE review_items ADD COLUMN revision_status TEXT
    CHECK (revision_status IN ('editing', 'in_review', 'returned', 'rejected'));
ALTER TABLE review_items ADD COLUMN revision_by BIGINT;     -- who last saved or submitted it (told of decisions)
ALTER TABLE review_items ADD COLUMN revisions INTEGER NOT NULL DEFAULT 0; -- revisions applied so far
