// Leaflet for the grid pages: a map with the configured base map, or none —
// then a plain background and nothing is loaded from elsewhere (docs/grid.md).
// Coordinates are WGS84/CGCS2000 longitude/latitude; GeoJSON is [lon, lat].
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
// marker clustering (npm, bundled; it extends the L that leaflet sets on window);
// its styles are colours only — no image is loaded
import 'leaflet.markercluster';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';

export { L };

export const PALETTE = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

/** A map in el, with the tile layer of cfg (GET /grids/map-config) if any. */
export function createMap(el, cfg = {}) {
  // tiles in lon/lat (grid_tile_crs = EPSG:4326) need Leaflet's equirectangular CRS; EPSG:3857 is its default
  const crs = cfg.tile_url && cfg.tile_crs === 'EPSG:4326' ? L.CRS.EPSG4326 : L.CRS.EPSG3857;
  // a maxZoom even without tiles: the marker clusters need one
  const map = L.map(el, { crs, zoomControl: true, attributionControl: !!cfg.tile_url, preferCanvas: false, maxZoom: 19 });
  if (cfg.tile_url) {
    L.tileLayer(cfg.tile_url, { attribution: cfg.attribution || '', maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add('plain-map');
  }
  const c = cfg.center || [121.47, 31.23];
  map.setView([c[1], c[0]], cfg.zoom || 11);
  return map;
}

/** A site marker without images: a circle (no icon files, no outside request). */
export function siteMarker(lon, lat, opts = {}) {
  return L.circleMarker([lat, lon], { radius: 7, color: '#c0392b', weight: 2, fillColor: '#e74c3c', fillOpacity: 0.9, ...opts });
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}

/** A cluster group for many site markers: the count in each cluster, a click
 * zooms into it; single markers keep their popups. Added in chunks so that
 * 20,000 markers do not freeze the page. */
export function siteClusters() {
  return L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 60, disableClusteringAtZoom: 17, spiderfyOnMaxZoom: false });
}

/** The box of bounds grown by pad (a fraction) and snapped outwards to step
 * degrees, as "min_lon,min_lat,max_lon,max_lat" (GET /grids/outlines?bbox=):
 * a small pan asks the same box again, which the server answers from its
 * cache and the browser revalidates with its ETag. */
export function snappedBox(bounds, step = 0.02, pad = 0.25) {
  const w = bounds.getWest(), e = bounds.getEast(), s = bounds.getSouth(), n = bounds.getNorth();
  const dx = (e - w) * pad, dy = (n - s) * pad;
  const dn = (v) => Math.floor(v / step) * step, up = (v) => Math.ceil(v / step) * step;
  const r = (v) => Number(v.toFixed(6));
  const clamp = (v, m) => Math.max(-m, Math.min(m, v));
  return [r(clamp(dn(w - dx), 180)), r(clamp(dn(s - dy), 90)), r(clamp(up(e + dx), 180)), r(clamp(up(n + dy), 90))].join(',');
}
