-- The portraits and the dashboard's indicators read the live activities of
-- the sites in the caller's scope by site and period (activities and
-- people reached per site, by type and month): an index holding every
-- column they read, over the live rows only, answers them without visiting
-- the table, in site order (no sorting for the GROUP BY site). With 200,000
-- activities: a fifth to a third of the CPU of the same queries over
-- site_activities_site (bench/portrait.mjs, docs/benchmarks.md).
CREATE INDEX site_activities_live ON site_activities (site_id, held_at, type, people_reached)
    WHERE deleted_at IS NULL;
