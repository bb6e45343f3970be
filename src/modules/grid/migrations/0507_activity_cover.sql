-- The portraits and the dashboard's indicators read the live activities of
-- the sites in the caller's scope by site and period (activities and
-- people reached per site, by type and month). The index by site and date
-- is widened to hold every column they read, so that it answers them
-- without visiting the table (with 2,000 sites and 20,000 activities: the
-- city's activities by type and month in 11 ms of CPU instead of 27 ms,
-- bench/portrait.mjs). Whatever used (site_id, held_at) uses its prefix.
DROP INDEX site_activities_site;
CREATE INDEX site_activities_site ON site_activities (site_id, held_at, deleted_at, type, people_reached);
