-- Grids (网格, M6), PostgreSQL form of 0500_grid.sql: the same table, and
-- instead of SQLite's R*Tree a box column generated from the bounding box
-- with a GiST index over the live grids (core PostgreSQL, no PostGIS).
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
    attributes TEXT,
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'bigdata')),
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    bbox box GENERATED ALWAYS AS (box(point(min_lon, min_lat), point(max_lon, max_lat))) STORED
);
CREATE UNIQUE INDEX grids_code ON grids (code) WHERE deleted_at IS NULL;
CREATE INDEX grids_org ON grids (org_id, id);
CREATE INDEX grids_bbox ON grids USING gist (bbox) WHERE deleted_at IS NULL;
