-- Organisation codes of the big-data center mapped to zhendi's districts and
-- streets (docs/bigdata-protocol.md, "Pulling grids"): a pulled grid's
-- org_code is looked up here first, then among the organisations' own
-- codes. One row per center code; a deleted mapping is gone (audited).
CREATE TABLE bigdata_org_map (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    note TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bigdata_org_map_code ON bigdata_org_map (code);
CREATE INDEX bigdata_org_map_org ON bigdata_org_map (org_id);
