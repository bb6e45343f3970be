// HitTestPanel (web/src/modules/kb/views/HitTestPanel.vue, 召回测试) against
// a fake server: near-miss matching is on by the base's setting, the query
// sends it, and the expansions the answer names are shown in words
// ("也搜索了：党建服务（党建服物 的近似词）"); unticked, the query says
// fuzzy: false and nothing is listed.
import { describe, it, expect, beforeEach } from 'vitest';
import { createApp, h, nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { configureApi, setCsrfToken } from '../src/api/client.js';
import { useDicts } from '../src/stores/dicts.js';
import { useAuth } from '../src/stores/auth.js';
import HitTestPanel from '../src/modules/kb/views/HitTestPanel.vue';
import fixture from './fixtures/dicts.json';

const flush = async () => {
  for (let i = 0; i < 10; i++) {
    await nextTick();
    await new Promise((r) => setTimeout(r, 0));
  }
};

let sent;
beforeEach(() => {
  sent = [];
  localStorage.clear();
  setCsrfToken('t');
  const json = (b, status = 200) => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
  configureApi({
    base: '',
    notify: () => {},
    onUnauthorized: () => {},
    fetch: async (url, init = {}) => {
      const u = String(url);
      if (u.endsWith('/api/v1/dicts')) return json(fixture);
      if (u.endsWith('/api/v1/search') && init.method === 'POST') {
        const b = JSON.parse(init.body);
        sent.push(b);
        const expanded = b.fuzzy ? [{ from: '党建服物', to: '党建服务', distance: 1 }] : [];
        const items = b.fuzzy
          ? [{ id: 7, ref_id: 7, kind: 'kb_chunk', title_html: '<mark>党建服务</mark>站', snippet: '…', weight: 1, score: 0.5,
            scores: { keyword: 0.5, vector: null, fused: 0.5 }, attrs: { source: 'a.txt' } }]
          : [];
        return json({ items, total: items.length, took_ms: 3, expanded, fuzzy: b.fuzzy, exact: !!b.exact });
      }
      return json({ error: { code: 'not_found', message: '无' } }, 404);
    },
  });
});

async function mount(kb, permissions = []) {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuth().permissions = permissions;
  await useDicts().load();
  const el = document.createElement('div');
  document.body.appendChild(el);
  const app = createApp({ render: () => h(HitTestPanel, { kb }) });
  app.use(pinia);
  app.mount(el);
  await flush();
  return { el, unmount: () => { app.unmount(); el.remove(); } };
}

async function query(el, q) {
  const input = el.querySelector('input[data-test=kb-hit-q], [data-test=kb-hit-q] input');
  input.value = q;
  input.dispatchEvent(new Event('input'));
  await flush();
  el.querySelector('[data-test=kb-hit-run]').click();
  await flush();
}

describe('HitTestPanel near misses', () => {
  it('sends fuzzy and lists the expansions in words', async () => {
    const { el, unmount } = await mount({ id: 3, embedding: 'none', retrieval: { top_k: 5, fuzzy: true } });
    expect(el.querySelector('[data-test=kb-hit-fuzzy]').classList.contains('is-checked')).toBe(true);
    await query(el, '党建服物');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ q: '党建服物', fuzzy: true, kb_ids: [3], mode: 'keyword' });
    const exp = el.querySelector('[data-test=kb-hit-expanded]');
    expect(exp.textContent).toContain('也搜索了');
    expect(exp.textContent).toContain('党建服务');
    expect(exp.textContent).toContain('党建服物 的近似词');
    expect(exp.textContent).not.toMatch(/distance|from|to\b/);
    expect(el.querySelectorAll('[data-test=kb-hit]')).toHaveLength(1);
    unmount();
  });

  it('a base with near misses off sends fuzzy: false and lists nothing', async () => {
    const { el, unmount } = await mount({ id: 4, embedding: 'none', retrieval: { fuzzy: false } });
    expect(el.querySelector('[data-test=kb-hit-fuzzy]').classList.contains('is-checked')).toBe(false);
    await query(el, '党建服物');
    expect(sent[0].fuzzy).toBe(false);
    expect(el.querySelector('[data-test=kb-hit-expanded]')).toBeNull();
    unmount();
  });
});

describe('HitTestPanel exact scan', () => {
  it('a search administrator compares the graph with the exact scan', async () => {
    const { el, unmount } = await mount({ id: 5, embedding: 'local', retrieval: { fuzzy: true } }, ['search.manage', 'kb.read']);
    const box = el.querySelector('[data-test=kb-hit-exact]');
    expect(box).not.toBeNull();
    await query(el, '党建服物');
    expect(sent[0].exact).toBeUndefined();
    expect(el.querySelector('[data-test=kb-hit-exact-note]')).toBeNull();
    box.querySelector('input').click();
    await flush();
    el.querySelector('[data-test=kb-hit-run]').click();
    await flush();
    expect(sent[1]).toMatchObject({ mode: 'hybrid', exact: true });
    expect(el.querySelector('[data-test=kb-hit-exact-note]').textContent).toContain('精确扫描');
    unmount();
  });

  it('is not offered to others', async () => {
    const { el, unmount } = await mount({ id: 6, embedding: 'local', retrieval: {} }, ['kb.read']);
    expect(el.querySelector('[data-test=kb-hit-exact]')).toBeNull();
    await query(el, '党建');
    expect(sent[0].exact).toBeUndefined();
    unmount();
  });
});
