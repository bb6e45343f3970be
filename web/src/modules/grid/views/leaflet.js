// Leaflet for the grid pages: a map with the configured base map, or none —
// then a plain background and nothing is loaded from elsewhere (docs/grid.md).
// Coordinates are WGS84/CGCS2000 longitude/latitude; GeoJSON is [lon, lat].
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

export { L };

export const PALETTE = ['#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

/** A map in el, with the tile layer of cfg (GET /grids/map-config) if any. */
export function createMap(el, cfg = {}) {
  // tiles in lon/lat (grid_tile_crs = EPSG:4326) need Leaflet's equirectangular CRS; EPSG:3857 is its default
  const crs = cfg.tile_url && cfg.tile_crs === 'EPSG:4326' ? L.CRS.EPSG4326 : L.CRS.EPSG3857;
  const map = L.map(el, { crs, zoomControl: true, attributionControl: !!cfg.tile_url, preferCanvas: false });
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
