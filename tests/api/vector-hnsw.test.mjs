// The HNSW graph past search_hnsw_threshold (issue 15, docs/search.md § The
// index): with a threshold of 5 vectors the replica builds its graph in the
// background after the fit and answers vector queries from it — the same
// hits as the flat scan's, scope still applied inside the search with top_k
// allowed hits although another district's rank higher; new and deleted
// chunks reach the graph at once; the graph is saved under DATA/search and a
// restarting node loads it and replays the log written meanwhile; a
// damaged file is refused and rebuilt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { settled } from './lib/kbdocs.mjs';

const DEMO = 'Zhendi@Demo2026';
const ENV = { ZHENDI_SEARCH_VECTOR_DIM: '16', ZHENDI_SEARCH_HNSW_THRESHOLD: '5' };
const data = mkdtempSync(join(tmpdir(), 'zhendi-hnsw-'));
const GRAPH = join(data, 'search', 'vectors-local.hnsw');
let srv, admin, pd, hp, pdKb, hpKb, logKb;

async function addDoc(who, kb, title, text) {
  const r = await who.post(`/api/v1/kb/${kb.id}/documents`, { title, text });
  assert.equal(r.status, 201, r.body);
  const d = await settled(who, kb.id, r.json.id);
  assert.equal(d.status, 'done', d.error);
  return d;
}

async function login() {
  admin = await srv.admin();
  pd = await srv.login('pudong_dangwu', DEMO);
  hp = await srv.login('huangpu_dangwu', DEMO);
}

/* the status once the graph is there */
async function graph() {
  const until = Date.now() + 120000;
  for (;;) {
    const s = await admin.get('/api/v1/search/vector');
    assert.equal(s.status, 200, s.body);
    if (s.json.index.type === 'hnsw' && !s.json.index.building) return s.json;
    if (Date.now() > until) throw new Error(`no graph: ${JSON.stringify(s.json.index)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

const ask = (who, q, mode, extra = {}) =>
  who.post('/api/v1/search', { q, mode, kinds: ['kb_chunk'], facets: true, ...extra });

const FEES = [
  ['党费收缴标准', '党员按月缴纳党费，缴纳比例按照工资收入确定，每月工资收入三千元以下的缴纳百分之零点五。'],
  ['党费使用管理', '党费主要用于党员教育培训，党费收缴、使用和管理情况每年向党员公布。'],
  ['工资收入与比例', '税后工资收入在三千元至五千元之间的，按月缴纳百分之一；收入越高，比例越高。'],
];
const TOPICS = [
  '党员志愿者走访独居老人，送餐陪伴，协调社区医生上门义诊。',
  '垃圾分类宣传进楼道，指导居民正确投放厨余垃圾和可回收物。',
  '消防安全检查覆盖沿街商铺，排查电动自行车违规充电隐患。',
  '青少年暑期托管班开设书法、围棋和科学实验课程。',
  '老旧小区加装电梯协调会听取业主意见，公示施工方案。',
  '防汛物资清点入库，沙袋、抽水泵和应急照明设备到位。',
  '退役军人座谈会交流就业创业经验，发放政策明白纸。',
  '文明养犬劝导行动发放牵引绳，登记犬只免疫信息。',
  '反诈骗宣传讲座揭示冒充客服和刷单返利的常见套路。',
  '社区食堂推出低盐低油套餐，满足慢性病患者饮食需要。',
  '停车位改造增加非机动车棚，规范楼道堆物清理。',
  '邻里节举办百家宴和才艺展示，增进居民互相了解。',
];
const VOLUNTEER = [
  ['社区志愿服务', '党员志愿者进社区，为独居老人提供上门帮扶、助餐和陪伴服务。'],
  ['助老帮扶行动', '志愿服务队定期走访独居老人，开展助餐、义诊和陪伴聊天活动。'],
  ['志愿者招募', '社区招募志愿者，参与助老服务、环境整治和邻里互助。'],
];

before(async () => {
  srv = await startServer({ args: ['--demo'], env: ENV, dataDir: data });
  await login();
  pdKb = (await pd.post('/api/v1/kb', { name: '浦东图索引库', org_id: pd.me.user.org_id })).json;
  hpKb = (await hp.post('/api/v1/kb', { name: '黄浦图索引库', org_id: hp.me.user.org_id })).json;
  for (const [t, x] of [...FEES, ...VOLUNTEER]) await addDoc(pd, pdKb, t, x);
  for (const [t, x] of VOLUNTEER) await addDoc(hp, hpKb, t, x);
  // Pudong's community log, about 300 chunks in a base of its own: more than the
  // graph's first answer (twice the pool of 100); topics in runs of 40 lines, so
  // that no query word is in more than half the chunks (the fit drops those)
  logKb = (await pd.post('/api/v1/kb', { name: '浦东社区工作台账', org_id: pd.me.user.org_id })).json;
  for (let d = 0; d < 10; d++) {
    const lines = [];
    for (let i = 0; i < 600; i++) {
      const n = d * 600 + i;
      lines.push(`第${n + 1}次记录：${TOPICS[Math.floor(n / 40) % TOPICS.length]}`);
    }
    await addDoc(pd, logKb, `志愿服务台账${d + 1}`, lines.join(''));
  }
  const r = await admin.post('/api/v1/search/vector/fit', {});
  assert.equal(r.status, 202, r.body);
  for (const until = Date.now() + 60000; ; ) {
    const j = await admin.get(`/api/v1/jobs/${r.json.job.id}`);
    if (j.json.status === 'done') break;
    assert.notEqual(j.json.status, 'failed', j.json.last_error);
    if (Date.now() > until) throw new Error('fit job not done');
    await new Promise((res) => setTimeout(res, 150));
  }
});

after(async () => {
  await srv?.stop();
  rmSync(data, { recursive: true, force: true });
});

test('past the threshold the graph is built in the background, saved, and answers like the flat scan', async () => {
  const s = await graph();
  assert.equal(s.index.hnsw_threshold, 5);
  assert.equal(s.index.hnsw.live, s.index.size, 'every vector of the replica is in the graph');
  assert.equal(s.index.hnsw.source, 'built');
  assert.ok(s.index.size > 200, `more vectors than the graph's first answer (200): ${s.index.size}`);
  assert.ok(existsSync(GRAPH), 'saved under DATA/search');
  const r = await ask(pd, '党费比例', 'vector', { kb_ids: [pdKb.id], top_k: 3 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.vector_ready, true);
  const titles = r.json.items.map((h) => h.title);
  assert.ok(titles.every((t) => FEES.some(([f]) => f === t)), `the three fee chunks first: ${titles}`);
  for (let i = 1; i < r.json.items.length; i++) assert.ok(r.json.items[i - 1].scores.vector >= r.json.items[i].scores.vector);
  // a page of the community log, best first
  const v = await ask(pd, '垃圾分类 厨余垃圾', 'vector', { kb_ids: [logKb.id], top_k: 20 });
  assert.equal(v.json.items.length, 20, JSON.stringify(v.json.total));
  assert.ok(v.json.items.every((h) => h.attrs.kb_id === String(logKb.id)));
  assert.match(v.json.items[0].snippet, /垃圾/);
  for (let i = 1; i < 20; i++) assert.ok(v.json.items[i - 1].scores.vector >= v.json.items[i].scores.vector);
});

test('the search administrator checks the graph against the exact scan (exact: true); others may not', async () => {
  await graph();
  const q = { kb_ids: [logKb.id], top_k: 10 };
  const g = await ask(admin, '垃圾分类 厨余垃圾', 'vector', q);
  const e = await ask(admin, '垃圾分类 厨余垃圾', 'vector', { ...q, exact: true });
  assert.equal(e.status, 200, e.body);
  assert.equal(e.json.exact, true);
  assert.equal(typeof g.json.exact, 'boolean', 'says whether the exact scan answered');
  const ids = (r) => r.json.items.map((h) => h.id);
  const exact = new Set(ids(e));
  assert.equal(exact.size, 10);
  const recall = ids(g).filter((id) => exact.has(id)).length / 10;
  assert.ok(recall >= 0.9, `recall@10 of the graph on a small corpus: ${recall}`);
  for (let i = 1; i < 10; i++) assert.ok(e.json.items[i - 1].scores.vector >= e.json.items[i].scores.vector);
  const refused = await ask(pd, '垃圾分类', 'vector', { ...q, exact: true });
  assert.equal(refused.status, 403, refused.body);
  assert.match(refused.json.message ?? refused.body, /检索管理员/);
});

test('scope inside the graph search: top_k of your own although another district ranks higher', async () => {
  const r = await ask(hp, '志愿服务 独居老人', 'vector', { top_k: 3 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.length, 3, 'top_k allowed hits');
  const mine = (h) => h.attrs.kb_id !== String(pdKb.id) && h.attrs.kb_id !== String(logKb.id);
  assert.ok(r.json.items.every(mine), JSON.stringify(r.json.items.map((h) => h.attrs)));
  // filtered to one base of three chunks among hundreds ranking as high: all three
  const k = await ask(hp, '志愿服务 独居老人', 'vector', { kb_ids: [hpKb.id], top_k: 10 });
  assert.equal(k.json.items.length, 3, JSON.stringify(k.json.items.map((h) => h.title)));
});

test('new and deleted chunks reach the graph at once; a restart loads the saved graph and replays the log', async () => {
  await addDoc(pd, pdKb, '消防演练', '社区组织消防安全演练，检查沿街商铺电动自行车违规充电隐患，讲解灭火器使用。');
  let r = await ask(pd, '消防安全 电动自行车充电', 'vector', { kb_ids: [pdKb.id], top_k: 1 });
  assert.equal(r.json.items[0]?.title, '消防演练');
  const gone = (await ask(pd, '党费使用管理', 'vector', { kb_ids: [pdKb.id], top_k: 1 })).json.items[0];
  assert.equal(gone.title, '党费使用管理');
  assert.equal((await pd.del(`/api/v1/kb/${pdKb.id}/chunks/${gone.ref_id}`)).status, 204);
  r = await ask(pd, '党费使用管理', 'vector', { kb_ids: [pdKb.id] });
  assert.ok(!r.json.items.some((h) => h.ref_id === gone.ref_id), 'a deleted chunk leaves the graph');
  const before = (await admin.get('/api/v1/search/vector')).json.index;
  assert.equal(before.type, 'hnsw');
  assert.equal(before.hnsw.live, before.size);

  await srv.stop();
  srv = await startServer({ env: ENV, dataDir: data });
  await login();
  // written after the save: replayed from the log into the loaded graph
  const s = (await admin.get('/api/v1/search/vector')).json;
  assert.equal(s.index.type, 'hnsw');
  assert.equal(s.index.hnsw.source, 'disk', JSON.stringify(s.index));
  assert.equal(s.index.hnsw.live, s.index.size);
  assert.equal(s.index.size, before.size);
  r = await ask(pd, '消防安全 电动自行车充电', 'vector', { kb_ids: [pdKb.id], top_k: 1 });
  assert.equal(r.json.items[0]?.title, '消防演练');
  r = await ask(pd, '党费使用管理', 'vector', { kb_ids: [pdKb.id] });
  assert.ok(!r.json.items.some((h) => h.ref_id === gone.ref_id));
});

test('a damaged graph file is refused and built again', async () => {
  await srv.stop();
  const b = readFileSync(GRAPH);
  b[Math.floor(b.length / 2)] ^= 0x5a;
  writeFileSync(GRAPH, b);
  srv = await startServer({ env: ENV, dataDir: data });
  await login();
  const s = await graph();
  assert.equal(s.index.hnsw.source, 'built', 'not the damaged file');
  assert.equal(s.index.hnsw.live, s.index.size);
  const r = await ask(pd, '党费比例', 'vector', { kb_ids: [pdKb.id], top_k: 2 });
  assert.equal(r.json.items.length, 2);
});
