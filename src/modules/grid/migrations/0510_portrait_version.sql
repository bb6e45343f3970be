-- The version of the data the site portraits are computed from
-- (portraits_api.c): one row, moved on in the transaction of every write
-- that can change a figure, a site's marker or a scope's membership — the
-- sites, their activities and participants, contracts, commissioners, and
-- an organisation's path, name or type. The portraits' answers are cached
-- per scope, period and version (docs/grid.md "Portraits"), so a cached
-- answer is never older than the last committed write; reading the
-- version is one primary-key lookup.
CREATE TABLE grid_portrait_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO grid_portrait_version (id, version) VALUES (1, 0);
CREATE TRIGGER sites_portrait_insert AFTER INSERT ON sites
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sites_portrait_update AFTER UPDATE OF org_id, grid_id, name, lon, lat, deleted_at ON sites
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER sites_portrait_delete AFTER DELETE ON sites
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activities_portrait_insert AFTER INSERT ON site_activities
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activities_portrait_update AFTER UPDATE OF site_id, type, held_at, people_reached, deleted_at ON site_activities
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activities_portrait_delete AFTER DELETE ON site_activities
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activity_orgs_portrait_insert AFTER INSERT ON site_activity_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activity_orgs_portrait_update AFTER UPDATE ON site_activity_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_activity_orgs_portrait_delete AFTER DELETE ON site_activity_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_orgs_portrait_insert AFTER INSERT ON site_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_orgs_portrait_update AFTER UPDATE ON site_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_orgs_portrait_delete AFTER DELETE ON site_orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_commissioners_portrait_insert AFTER INSERT ON site_commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_commissioners_portrait_update AFTER UPDATE ON site_commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER site_commissioners_portrait_delete AFTER DELETE ON site_commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER commissioners_portrait_insert AFTER INSERT ON commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER commissioners_portrait_update AFTER UPDATE OF category, deleted_at ON commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER commissioners_portrait_delete AFTER DELETE ON commissioners
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER orgs_portrait_update AFTER UPDATE OF path, name, short_name, type ON orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER orgs_portrait_delete AFTER DELETE ON orgs
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
END;
