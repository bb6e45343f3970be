-- The big-data center's coordinate reference system (issue 14): the CRS its
-- grid geometries come in, as an EPSG name (EPSG:4326, 4490, 4549, 3857;
-- src/geo/proj.h). A pulled geometry is converted into the storage CRS
-- (lon/lat, EPSG:4326 ≈ CGCS2000) before it is checked and stored.
ALTER TABLE bigdata_settings ADD COLUMN crs TEXT NOT NULL DEFAULT 'EPSG:4326';
