// 网格地图 at city scale (issue 14): with 3,000 more grids and sites than
// the demo's (written with SQL straight into the server's database, as
// bench/portrait.mjs does), the zoomed-out map draws the districts coloured
// per district and clusters the sites (counts in the clusters, a click zooms
// in) and loads no grid at all; zoomed in, it loads the grids of the view
// only (GET /grids/outlines?bbox=), and a site's popup portrait still
// opens. No request leaves the machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConsole, withPage, login, until } from './lib/console.mjs';

const DEMO = 'Zhendi@Demo2026';
const N = 3000;
const COLS = 60;
let ctx;

before(async () => {
  ctx = await startConsole({ args: ['--demo'] });
  const { srv } = ctx;
  const streets = srv.sql("SELECT id FROM orgs WHERE type = 'street' ORDER BY id").split('\n').map(Number);
  const now = Date.now();
  // a lattice of 0.005° squares west of the demo's grids, in bands of rows, one band a street
  const rows = Math.ceil(N / COLS);
  const street = `CASE (i / ${COLS}) * ${streets.length} / ${rows} ${streets.map((id, k) => `WHEN ${k} THEN ${id}`).join(' ')} END`;
  srv.sql(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${N - 1})
    INSERT INTO grids (org_id, code, name, geometry, outline, min_lon, min_lat, max_lon, max_lat, area_m2, centroid_lon, centroid_lat, source, created_at, updated_at)
    SELECT ${street}, 'SC-' || i, '规模网格' || i,
      '{"type":"Polygon","coordinates":[[[' || x || ',' || y || '],[' || (x + 0.005) || ',' || y || '],[' || (x + 0.005) || ',' || (y + 0.005) || '],[' || x || ',' || (y + 0.005) || '],[' || x || ',' || y || ']]]}',
      '{"type":"Polygon","coordinates":[[[' || x || ',' || y || '],[' || (x + 0.005) || ',' || y || '],[' || (x + 0.005) || ',' || (y + 0.005) || '],[' || x || ',' || (y + 0.005) || '],[' || x || ',' || y || ']]]}',
      x, y, x + 0.005, y + 0.005, 250000, x + 0.0025, y + 0.0025, 'manual', ${now}, ${now}
    FROM (SELECT i, 121.1 + (i % ${COLS}) * 0.005 AS x, 31.0 + (i / ${COLS}) * 0.005 AS y FROM n) p`);
  srv.sql(`INSERT INTO sites (org_id, grid_id, external_id, name, type, address, lon, lat, created_at, updated_at)
    SELECT g.org_id, g.id, 'scale-' || g.id, '规模阵地' || g.code, 'station', '规模路 ' || g.id || ' 号', g.centroid_lon, g.centroid_lat, ${now}, ${now}
    FROM grids g WHERE g.code LIKE 'SC-%'`);
  // the districts' outlines: never computed, so the first read computes them
  srv.sql('DELETE FROM district_outlines');
  srv.sql(`INSERT INTO district_outlines (district_id, stale, updated_at)
    SELECT DISTINCT d.id, 1, 0 FROM grids g JOIN orgs o ON o.id = g.org_id
    JOIN orgs d ON d.type = 'district' AND o.path LIKE d.path || '%' WHERE g.deleted_at IS NULL`);
});

after(async () => {
  await ctx?.browser.close();
  await ctx?.srv.stop();
});

const inp = (page, name) => page.locator(`input[data-test=${name}], [data-test=${name}] input`).first();
const mapAttr = async (page, name) => Number(await page.locator('[data-test=grid-map]').getAttribute(`data-${name}`));

test('at city zoom: district shapes and clustered sites, no grid loaded; zoomed in: the grids of the view; a popup still opens', async (t) => {
  await withPage(t, ctx, async (page) => {
    const outside = [];
    const outlineRequests = [];
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) outside.push(r.url());
      if (u.pathname === '/api/v1/grids/outlines') outlineRequests.push(u.search);
    });
    await login(page, ctx.base, 'shi_shenhe', DEMO);
    await page.waitForSelector('[data-test=user-menu]');
    await page.goto(`${ctx.base}/grid/map`);
    const map = page.locator('[data-test=grid-map]');
    await map.waitFor();
    // clusters with their counts
    const clusters = map.locator('.marker-cluster');
    await until(async () => (await clusters.count()) > 0, 'clusters are drawn', 30000).catch((e) => {
      e.message += ` (page errors: ${errors.join(' | ')})`;
      throw e;
    });
    await until(async () => {
      const counts = (await clusters.allTextContents()).map(Number);
      return counts.every((n) => n > 1) && counts.reduce((a, b) => a + b, 0) >= N;
    }, 'the clusters count the sites', 30000);
    // the districts as filled shapes with their names, coloured per district
    const shapes = map.locator('.leaflet-districts-pane path');
    await until(async () => (await shapes.count()) >= 2, 'district shapes');
    const fills = await shapes.evaluateAll((ps) => ps.map((p) => Number(p.getAttribute('fill-opacity'))));
    assert.ok(fills.every((o) => o >= 0.5), `filled: ${fills}`);
    await page.locator('[data-test=map-zoom-hint]').waitFor();
    assert.match(await page.locator('[data-test=map-legend]').textContent(), /按区汇总/);
    assert.match(await page.locator('[data-test=map-count]').textContent(), new RegExp(`网格 ${N + 5} 个 · 阵地 ${N + 4} 个`));
    assert.ok((await mapAttr(page, 'zoom')) < 14);
    assert.equal(await mapAttr(page, 'grids'), 0, 'no grid drawn at city zoom');
    assert.deepEqual(outlineRequests, [], 'no grid outlines loaded at city zoom');

    // a click on a cluster zooms in
    const z0 = await mapAttr(page, 'zoom');
    await clusters.first().click();
    await until(async () => (await mapAttr(page, 'zoom')) > z0, 'the click zooms in');

    // a grid found by its code (not loaded: the server's list): zoomed in, the grids of the view
    await inp(page, 'map-search').fill('SC-1530');
    await inp(page, 'map-search').press('Enter');
    await until(async () => (await mapAttr(page, 'zoom')) >= 14, 'zoomed in to the grid');
    await until(async () => (await mapAttr(page, 'grids')) > 0, 'the grids of the view are drawn', 20000);
    const drawn = await mapAttr(page, 'grids');
    assert.ok(drawn < N / 4, `only the view's grids: ${drawn}`);
    assert.ok(outlineRequests.length >= 1 && outlineRequests.every((s) => /^\?bbox=[-0-9.]+%2C[-0-9.]+%2C[-0-9.]+%2C[-0-9.]+$/.test(s)), outlineRequests.join(' '));
    assert.equal(await page.locator('[data-test=map-zoom-hint]').count(), 0);
    // the district outlines are dashed lines again under the grids
    const dashed = await shapes.evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke-dasharray')));
    assert.ok(dashed.length > 0 && dashed.every((d) => d === '8 4'), `dashed: ${dashed}`);

    // a site by name: its cluster opens to it and the popup carries the portrait
    await inp(page, 'map-search').fill('规模阵地SC-2999');
    await inp(page, 'map-search').press('Enter');
    const popup = page.locator('[data-test=site-popup]');
    await popup.waitFor({ timeout: 20000 });
    assert.match(await popup.textContent(), /规模阵地SC-2999.*规模网格2999.*近 12 个月：活动 0 次/);
    assert.deepEqual(outside, [], 'no request leaves the machine');
    assert.deepEqual(errors, [], 'no error on the page');
  });
});
