// ReviewPanel (web/src/modules/review/components/ReviewPanel.vue) against a
// fake server: the chain as steps, the history in words, a decision sent
// with the version seen, and a late decision (409) told in place with the
// server's words, then the item reloaded without the form.
import { describe, it, expect, beforeEach } from 'vitest';
import { createApp, h, nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import { configureApi, setCsrfToken } from '../src/api/client.js';
import { useDicts } from '../src/stores/dicts.js';
import ReviewPanel from '../src/modules/review/components/ReviewPanel.vue';
import fixture from './fixtures/dicts.json';

const flush = async () => {
  for (let i = 0; i < 10; i++) {
    await nextTick();
    await new Promise((r) => setTimeout(r, 0));
  }
};
const LEVELS = [
  { org_type: 'district', perm: 'review.district', title: '区级审核' },
  { org_type: 'city', perm: 'review.city', title: '市级审核' },
];
const item = (over) => ({
  id: 1, kind: 'article', status: 'in_review', level: 1, nlevels: 2, level_title: '区级审核', levels: LEVELS, version: 2,
  submitted_at: '2026-03-01T10:00:00+08:00', blocked: false, overridden: false, can_decide: true, can_override: false,
  history: [
    { id: 1, version: 1, level: 0, action: 'submit', actor_name: '张三', created_at: '2026-03-01T10:00:00+08:00', duration_ms: null },
    { id: 2, version: 1, level: 1, action: 'return', level_title: '区级审核', opinion: '请补充人数。', actor_name: '李四', created_at: '2026-03-01T11:00:00+08:00', duration_ms: 3600000 },
    { id: 3, version: 2, level: 0, action: 'submit', actor_name: '张三', created_at: '2026-03-02T09:00:00+08:00', duration_ms: null },
  ],
  versions: [{ version: 1, blocks: 0, overridden: false, findings: 0, created_at: '2026-03-01T10:00:00+08:00' }, { version: 2, blocks: 0, overridden: false, findings: 1, created_at: '2026-03-02T09:00:00+08:00' }],
  ...over,
});

let calls;
let current;
let decision;
beforeEach(() => {
  calls = [];
  current = item();
  decision = null;
  setActivePinia(createPinia());
  setCsrfToken('t');
  const json = (b, status = 200) => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
  configureApi({
    base: '',
    notify: () => {},
    onUnauthorized: () => {},
    fetch: async (url, init = {}) => {
      const u = String(url);
      calls.push(`${init.method || 'GET'} ${u}`);
      if (u.endsWith('/api/v1/dicts')) return json(fixture);
      if (u.endsWith('/review/items/1/decision')) return decision(JSON.parse(init.body));
      if (/\/review\/items\/1\/versions\/\d+$/.test(u)) return json({ version: 2, snapshot: { title: 'x' }, findings: [{ start: 0, end: 2, text: '措词', severity: 'warn', category: 'typo', source: 'body' }] });
      if (u.endsWith('/review/items/1')) return json(current);
      if (u.includes('/review/queue/counts')) return json({ total: 0, kinds: {} });
      return json({ error: { code: 'not_found', message: '无' } }, 404);
    },
  });
});

async function mount() {
  const pinia = createPinia();
  setActivePinia(pinia);
  await useDicts().load();
  const el = document.createElement('div');
  document.body.appendChild(el);
  const app = createApp({ render: () => h(ReviewPanel, { itemId: 1 }) });
  app.use(pinia);
  app.mount(el);
  await flush();
  return { el, unmount: () => { app.unmount(); el.remove(); } };
}

async function decide(el, action, opinion) {
  el.querySelector(`[data-action=${action}]`).click();
  const ta = el.querySelector('[data-test=decide-opinion] textarea, textarea[data-test=decide-opinion]');
  ta.value = opinion;
  ta.dispatchEvent(new Event('input'));
  await flush();
  el.querySelector('[data-test=decide-submit]').click();
  await flush();
}

describe('ReviewPanel', () => {
  it('draws the chain and the history in words', async () => {
    const { el, unmount } = await mount();
    const steps = [...el.querySelectorAll('[data-test=review-steps] .el-step')];
    expect(steps.map((s) => s.getAttribute('data-status'))).toEqual(['finish', 'process', 'wait']);
    const history = el.querySelector('[data-test=review-history]').textContent;
    expect(history).toContain('退回修改');
    expect(history).toContain('请补充人数。');
    expect(history).toContain('用时 1 小时 0 分');
    expect(history).not.toMatch(/\b(return|submit|in_review)\b/);
    expect(el.querySelector('[data-test=review-status]').textContent).toContain('审核中');
    unmount();
  });

  it('sends the decision with the version seen', async () => {
    decision = (b) => {
      current = item({ level: 2, level_title: '市级审核', can_decide: false });
      return new Response(JSON.stringify({ ...current, _sent: b }), { status: 200 });
    };
    const { el, unmount } = await mount();
    await decide(el, 'approve', '同意。');
    const sent = calls.find((c) => c.startsWith('POST'));
    expect(sent).toMatch(/\/review\/items\/1\/decision$/);
    expect(el.querySelector('[data-test=review-decide]')).toBeNull();
    unmount();
  });

  it('tells a late decision (409) in the server’s words and reloads the item', async () => {
    let body;
    decision = (b) => {
      body = b;
      current = item({ level: 2, level_title: '市级审核', can_decide: false });
      return new Response(JSON.stringify({ error: { code: 'conflict', message: '其他审核人员刚刚处理了该事项（现处于市级审核）' } }), { status: 409 });
    };
    const { el, unmount } = await mount();
    const before = calls.filter((c) => c === 'GET /api/v1/review/items/1').length;
    await decide(el, 'return', '请修改。');
    expect(body).toEqual({ action: 'return', opinion: '请修改。', version: 2 });
    expect(document.body.textContent).toContain('其他审核人员刚刚处理了该事项');
    expect(calls.filter((c) => c === 'GET /api/v1/review/items/1').length).toBe(before + 1);
    expect(el.querySelector('[data-test=review-decide]')).toBeNull();
    expect(el.textContent).toContain('当前：市级审核');
    unmount();
  });

  it('refuses an empty opinion without asking the server', async () => {
    decision = () => { throw new Error('must not be called'); };
    const { el, unmount } = await mount();
    await decide(el, 'approve', '   ');
    expect(calls.some((c) => c.startsWith('POST'))).toBe(false);
    expect(el.querySelector('[data-test=review-decide] .el-form-item.is-error')).not.toBeNull();
    unmount();
  });
});
