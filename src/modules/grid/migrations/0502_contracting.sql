-- Contracting (包干, M6): new-sector party organisations bound to a service
-- site, and party-building service commissioners (党建服务专员, classified
-- full-time, part-time, volunteer …) bound to sites. A binding is never
-- deleted: unbinding stamps unbound_at (the history of who served where).
-- An organisation is contracted to one site at a time; a commissioner may
-- serve several sites, each once at a time.
CREATE TABLE commissioners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),   -- the district or street that manages them
    name TEXT NOT NULL,
    phone TEXT,
    category TEXT NOT NULL,
    note TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX commissioners_org ON commissioners (org_id, id);

CREATE TABLE site_orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    bound_by BIGINT,
    bound_at BIGINT NOT NULL,
    unbound_by BIGINT,
    unbound_at BIGINT
);
CREATE UNIQUE INDEX site_orgs_one_site ON site_orgs (org_id) WHERE unbound_at IS NULL;
CREATE INDEX site_orgs_site ON site_orgs (site_id, id);

CREATE TABLE site_commissioners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    commissioner_id BIGINT NOT NULL REFERENCES commissioners (id),
    bound_by BIGINT,
    bound_at BIGINT NOT NULL,
    unbound_by BIGINT,
    unbound_at BIGINT
);
CREATE UNIQUE INDEX site_commissioners_once ON site_commissioners (site_id, commissioner_id) WHERE unbound_at IS NULL;
CREATE INDEX site_commissioners_commissioner ON site_commissioners (commissioner_id);
