-- Activities of a service site (阵地活动, M6): political (政治), governance
-- (治理) and service (服务) activities with their date, organisers, the
-- contracted organisations that took part, people reached, photos (files
-- of the storage module held by "site_activity") and a summary. The data
-- scope is the site's (its grid's organisation): an activity has no
-- organisation of its own. Participation is a table of its own so that
-- coverage (who took part how often, who never did) and the portraits
-- count with indexes.
CREATE TABLE site_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    held_at BIGINT NOT NULL,             -- the day (or hour) it was held, ms
    organisers TEXT NOT NULL,
    people_reached INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    photos TEXT,                         -- JSON array of storage file ids
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
-- By site and date only: the portraits and lists start from the sites in
-- the caller's scope; an index on the date alone led SQLite's planner to
-- walk a whole year of the city's activities for one district
-- (bench/portrait.mjs).
CREATE INDEX site_activities_site ON site_activities (site_id, held_at);

CREATE TABLE site_activity_orgs (
    activity_id BIGINT NOT NULL REFERENCES site_activities (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (activity_id, org_id)
);
CREATE INDEX site_activity_orgs_org ON site_activity_orgs (org_id, activity_id);
