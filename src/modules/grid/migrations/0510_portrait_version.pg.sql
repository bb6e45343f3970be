-- The version of the data the site portraits are computed from
-- (portraits_api.c): one row, moved on in the transaction of every write
-- that can change a figure, a site's marker or a scope's membership — the
-- sites, their activities and participants, contracts, commissioners, and
-- an organisation's path, name or type. The portraits' answers are cached
-- per scope, period and version (docs/grid.md "Portraits"), so a cached
-- answer is never older than the last committed write; reading the
-- version is one primary-key lookup. (PostgreSQL form of
-- 0510_portrait_version.sql: triggers per statement, not per row, and
-- BEFORE the statement: a writer takes the version's row lock before the
-- rows of its statement, so one waiting for it holds no row of these
-- tables that the holder could need — no deadlock between two edits.)
CREATE TABLE grid_portrait_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO grid_portrait_version (id, version) VALUES (1, 0);
CREATE FUNCTION grid_portrait_bump() RETURNS trigger AS $$
BEGIN
    UPDATE grid_portrait_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER sites_portrait BEFORE INSERT OR UPDATE OF org_id, grid_id, name, lon, lat, deleted_at OR DELETE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER site_activities_portrait BEFORE INSERT OR UPDATE OF site_id, type, held_at, people_reached, deleted_at OR DELETE ON site_activities
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER site_activity_orgs_portrait BEFORE INSERT OR UPDATE OR DELETE ON site_activity_orgs
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER site_orgs_portrait BEFORE INSERT OR UPDATE OR DELETE ON site_orgs
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER site_commissioners_portrait BEFORE INSERT OR UPDATE OR DELETE ON site_commissioners
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER commissioners_portrait BEFORE INSERT OR UPDATE OF category, deleted_at OR DELETE ON commissioners
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
CREATE TRIGGER orgs_portrait BEFORE UPDATE OF path, name, short_name, type OR DELETE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION grid_portrait_bump();
