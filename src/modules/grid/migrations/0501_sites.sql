-- Service sites (党群服务阵地, M6): each bound to exactly one grid, and a
-- grid to at most one site — the partial unique index refuses a second
-- live site on a grid whatever writes it. The site belongs to its grid's
-- organisation (data scope). lon/lat in WGS84/CGCS2000 degrees (docs/grid.md).
-- external_id is the stable id the big-data center knows it by.
-- location_flag: 'outside' when a boundary change left the site outside
-- its grid (flagged for review, never rebound silently).
CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    address TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    opening_hours TEXT,
    floor_area DOUBLE PRECISION,         -- square metres of the premises
    facilities TEXT,                     -- JSON array of strings
    leader_name TEXT,
    leader_phone TEXT,
    staff TEXT,                          -- JSON array of {name, phone, duty}
    contacts TEXT,                       -- JSON array of {name, phone, duty}
    photos TEXT,                         -- JSON array of storage file ids (holder "site")
    location_flag TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX sites_one_per_grid ON sites (grid_id) WHERE deleted_at IS NULL;
CREATE INDEX sites_org ON sites (org_id, id);
