// Labels of codes from the dictionary service (GET /api/v1/dicts,
// stores/dicts.js, components/StatusTag.vue): loaded once per session, a
// known code always shows its word (never the code), nothing flashes while
// loading, an unknown code shows as itself as the last resort, and every
// dictionary the console names is one the server has (the fixture is the
// server's answer, checked against the live server by tests/e2e/kit.test.mjs).
import { describe, it, expect, beforeEach } from 'vitest';
import { createApp, h, nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { configureApi } from '../src/api/client.js';
import { useDicts } from '../src/stores/dicts.js';
import StatusTag from '../src/components/StatusTag.vue';
import fixture from './fixtures/dicts.json';

let calls;
let answer;
beforeEach(() => {
  calls = 0;
  answer = () => new Response(JSON.stringify(fixture), { status: 200, headers: { 'content-type': 'application/json' } });
  configureApi({ base: '', notify: () => {}, onUnauthorized: () => {}, fetch: async (url) => { if (String(url).endsWith('/api/v1/dicts')) calls++; return answer(); } });
  setActivePinia(createPinia());
});


describe('the dictionary store', () => {
  it('loads once, answers labels, tags and items, and loads again when forced (a new login)', async () => {
    const d = useDicts();
    expect(d.label('user_status', 'active')).toBe(''); // not yet: nothing rather than the code
    await Promise.all([d.load(), d.load(), d.ready()]);
    await d.load();
    expect(calls).toBe(1);
    expect(d.label('user_status', 'active')).toBe('正常');
    expect(d.label('user_status', 'disabled')).toBe('已停用');
    expect(d.tag('user_status', 'active')).toBe('success');
    expect(d.label('audit_outcome', 'failure')).toBe('失败');
    expect(d.label('job_run_status', 'failed')).toBe('失败');
    expect(d.items('job_status').map((x) => x.value)).toEqual(['queued', 'running', 'done', 'dead', 'cancelled']);
    expect(d.title('org_type')).toBe('组织类型');
    await d.load(true);
    expect(calls).toBe(2);
  });

  it('shows an unknown code as itself, and an empty one as nothing', async () => {
    const d = useDicts();
    await d.load();
    expect(d.label('user_status', 'frozen')).toBe('frozen');
    expect(d.label('no_such_dict', 'x')).toBe('x');
    expect(d.tag('user_status', 'frozen')).toBe('info');
    expect(d.label('user_status', '')).toBe('');
    expect(d.label('user_status', null)).toBe('');
  });

  it('falls back to the codes when the dictionary cannot be loaded, and tries again later', async () => {
    answer = () => new Response('{"error":{"code":"internal","message":"x"}}', { status: 500 });
    const d = useDicts();
    await d.load();
    expect(d.failed).toBe(true);
    expect(d.label('user_status', 'active')).toBe('active');
    expect(d.items('log_kind', ['system', 'access']).map((x) => x.label)).toEqual(['system', 'access']);
    answer = () => new Response(JSON.stringify(fixture), { status: 200 });
    await d.load();
    expect(d.label('user_status', 'active')).toBe('正常');
    expect(d.failed).toBe(false);
  });

  it('forgets everything on reset (logout)', async () => {
    const d = useDicts();
    await d.load();
    d.reset();
    expect(d.loaded).toBe(false);
    expect(d.label('user_status', 'active')).toBe('');
  });
});

function mountTag(pinia, dict, status) {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const app = createApp({ render: () => h(StatusTag, { dict, status }) });
  app.use(pinia);
  app.mount(el);
  return { el, unmount: () => { app.unmount(); el.remove(); } };
}

describe('StatusTag', () => {
  it('shows nothing before the dictionary arrives, then the word in its colour', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    const t = mountTag(pinia, 'user_status', 'active');
    expect(t.el.textContent.trim()).toBe('');
    await useDicts().load();
    await nextTick();
    expect(t.el.textContent.trim()).toBe('正常');
    expect(t.el.querySelector('.el-tag--success')).not.toBeNull();
    t.unmount();
  });

  it('never shows a known code raw: every code of every dictionary shows its label', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    await useDicts().load();
    for (const [name, d] of Object.entries(fixture.dicts)) {
      for (const item of d.items) {
        const t = mountTag(pinia, name, item.value);
        await nextTick();
        const text = t.el.textContent.trim();
        expect(text, `${name}.${item.value}`).toBe(item.label);
        if (item.label !== item.value) expect(text, `${name}.${item.value}`).not.toBe(item.value);
        t.unmount();
      }
    }
  }, 30000); // mounts a tag for each of some 700 codes: seconds on a loaded machine
});

// every file of the console, as text
const sources = import.meta.glob('../src/**/*.{vue,js}', { query: '?raw', import: 'default', eager: true });

describe('the console names only dictionaries the server has', () => {
  it('in dict="…" props and label/tag/items calls', () => {
    const used = new Set();
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bdict="(\w+)"/g)) used.add(`${m[1]}\t${file}`);
      for (const m of text.matchAll(/\b(?:label|tag|items|title)\('(\w+)'/g)) used.add(`${m[1]}\t${file}`);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const u of used) {
      const [name, file] = u.split('\t');
      expect(fixture.dicts, `${name} (${file})`).toHaveProperty(name);
    }
  });

  it('and keeps no flat status table of its own', () => {
    for (const [file, text] of Object.entries(sources)) {
      expect(text, file).not.toMatch(/\bstatusText\b|\bstatusType\b|export const STATUS\b/);
    }
  });
});
