-- Grids (网格, M6): the city's division into grids, each owned by a
-- district or street organisation (its data scope), with its boundary as
-- GeoJSON (Polygon or MultiPolygon, longitude/latitude in WGS84/CGCS2000
-- degrees; docs/grid.md). Times are milliseconds since the Unix epoch.
-- The bounding box is kept beside the boundary for the spatial index:
-- SQLite's R*Tree here, a GiST index over a box on PostgreSQL
-- (0500_grid.pg.sql). Deleted grids are kept (deleted_at) for history;
-- the code is unique among the live ones.
CREATE TABLE grids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    geometry TEXT NOT NULL,
    min_lon DOUBLE PRECISION NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    max_lon DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    centroid_lon DOUBLE PRECISION NOT NULL,
    centroid_lat DOUBLE PRECISION NOT NULL,
    attributes TEXT,                    -- JSON object of the grid's other properties
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'bigdata')),
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX grids_code ON grids (code) WHERE deleted_at IS NULL;
CREATE INDEX grids_org ON grids (org_id, id);

-- The spatial index of the live grids: candidates by bounding box, then
-- the exact test with GEOS. R*Tree stores 32-bit floats rounded outwards,
-- so a candidate list is never missing a grid. Kept by triggers.
CREATE VIRTUAL TABLE grid_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);
CREATE TRIGGER grids_rtree_insert AFTER INSERT ON grids WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO grid_rtree VALUES (NEW.id, NEW.min_lon, NEW.max_lon, NEW.min_lat, NEW.max_lat);
END;
CREATE TRIGGER grids_rtree_update AFTER UPDATE ON grids
BEGIN
    DELETE FROM grid_rtree WHERE id = OLD.id;
    INSERT INTO grid_rtree SELECT NEW.id, NEW.min_lon, NEW.max_lon, NEW.min_lat, NEW.max_lat
        WHERE NEW.deleted_at IS NULL;
END;
CREATE TRIGGER grids_rtree_delete AFTER DELETE ON grids
BEGIN
    DELETE FROM grid_rtree WHERE id = OLD.id;
END;
