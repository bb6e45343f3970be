-- District outlines (区界, issue 14): each district's outline is the union
-- of its live grids (GEOS, simplified; docs/grid.md), computed by the
-- server and cached here so that the map draws it without dissolving
-- thousands of grids per request. A derived row, not business data: no
-- creator; the district itself is its data scope. A change to a grid marks
-- its district stale in the same transaction; the outline is recomputed in
-- that transaction (edits, GeoJSON import) or at the end of a big-data pull,
-- and a stale row is computed on the fly when read. geometry is GeoJSON
-- (Polygon or MultiPolygon), NULL when the union failed (error says why).
CREATE TABLE district_outlines (
    district_id BIGINT PRIMARY KEY REFERENCES orgs (id),
    geometry TEXT,
    area_m2 DOUBLE PRECISION NOT NULL DEFAULT 0,
    grid_count INTEGER NOT NULL DEFAULT 0,
    stale INTEGER NOT NULL DEFAULT 1,
    error TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX district_outlines_stale ON district_outlines (stale);

-- the districts that already have grids: computed when first read or written
INSERT INTO district_outlines (district_id, stale, updated_at)
SELECT DISTINCT d.id, 1, 0
FROM grids g
JOIN orgs o ON o.id = g.org_id
JOIN orgs d ON d.type = 'district' AND o.path LIKE d.path || '%'
WHERE g.deleted_at IS NULL;
