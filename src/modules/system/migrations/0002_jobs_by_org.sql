-- A job belongs to the organisation of the user who created it (data scope
-- of the jobs pages): lists filter by it.
CREATE INDEX jobs_org ON jobs (org_id, id);
