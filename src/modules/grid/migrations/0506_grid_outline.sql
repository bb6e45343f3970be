-- The light form of a grid's boundary for the map (网格地图): simplified
-- with GEOSTopologyPreserveSimplify and rounded to about 1 m, computed by
-- the server when the boundary is written (geo_outline_text) and stored
-- beside the exact boundary, which alone is used for locating, areas and
-- the big-data center. NULL (grids written before this migration, or a
-- boundary too small to simplify): the map draws the exact boundary.
ALTER TABLE grids ADD COLUMN outline TEXT;
