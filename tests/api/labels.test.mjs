// No raw codes in front of users (issue 17): the dictionary service names
// roles and fields as well as statuses and actions; the audit store has two
// views (登录日志 / 操作日志) and names its targets; every exported workbook
// shows labels, local times and the browser in words; lists flagged for
// export answer ?format=xlsx with their filters and record the export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { xlsx } from './lib/xlsx.mjs';

let srv, admin, secadmin, auditor, work;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  admin = await srv.admin();
  secadmin = await srv.login('secadmin');
  auditor = await srv.login('auditor');
  work = mkdtempSync(join(tmpdir(), 'zd-labels-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
  assert.equal((await srv.stop()).code, 0);
});

// the workbook's cells, row by row (inline strings and numbers of sheet1)
async function sheet(client, path) {
  const r = await fetch(srv.base + path, { headers: { cookie: client.cookie } });
  const buf = Buffer.from(await r.arrayBuffer());
  assert.equal(r.status, 200, buf.toString());
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
  const f = join(work, `x${Math.random().toString(36).slice(2)}.xlsx`);
  writeFileSync(f, buf);
  const xml = execFileSync('unzip', ['-p', f, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' });
  const strings = (() => {
    try {
      return [...execFileSync('unzip', ['-p', f, 'xl/sharedStrings.xml'], { encoding: 'utf8' }).matchAll(/<si>.*?<t[^>]*>([^<]*)<\/t>.*?<\/si>/gs)].map((m) => m[1]);
    } catch {
      return [];
    }
  })();
  // cells by their column (an empty value has no cell at all)
  const col = (ref) => [...ref.replace(/\d+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  return [...xml.matchAll(/<row [^>]*>(.*?)<\/row>/gs)].map((m) => {
    const row = [];
    for (const [, attrs, inner = ''] of m[1].matchAll(/<c ([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const t = /<t[^>]*>([^<]*)<\/t>/.exec(inner)?.[1];
      const v = /<v>([^<]*)<\/v>/.exec(inner)?.[1];
      row[col(/r="([A-Z]+\d+)"/.exec(attrs)[1])] = t !== undefined ? t : /t="s"/.test(attrs) ? strings[Number(v)] : v ?? '';
    }
    return Array.from(row, (x) => x ?? '');
  });
}

test('the dictionary service names roles and fields, and every audit target type', async () => {
  const d = (await admin.get('/api/v1/dicts')).json.dicts;
  const label = (dict, v) => d[dict]?.items.find((x) => x.value === v)?.label;
  assert.equal(label('role', 'sys_admin'), '系统管理员');
  assert.equal(label('role', 'worker'), '党务工作者');
  assert.equal(label('field', 'must_change_password'), '须修改密码');
  assert.equal(label('field', 'created_at'), '创建时间');
  assert.ok(label('audit_action', 'lexicon.seed'), 'lexicon.seed has a label');
  assert.equal(label('audit_action', 'user.export'), '导出用户（.xlsx）');
  // every action and target type the demo's log holds has a label
  const recs = (await auditor.get('/api/v1/audit?page_size=200')).json.items;
  for (const r of recs) {
    assert.ok(label('audit_action', r.action), `action ${r.action} has a label`);
    if (r.target_type) assert.ok(label('audit_target', r.target_type), `target ${r.target_type} has a label`);
  }
  // a role created later is named too
  const role = await secadmin.post('/api/v1/roles', { name: 'label_role', title: '标签测试角色', data_scope: 'org', permissions: ['org.read'] });
  assert.equal(role.status, 201, role.body);
  const d2 = (await admin.get('/api/v1/dicts')).json.dicts;
  assert.equal(d2.role.items.find((x) => x.value === 'label_role')?.label, '标签测试角色');
});

test('one audit store, two views: kind=login holds logins and logouts only, kind=operation the rest', async () => {
  await srv.post('/api/v1/auth/login', { username: 'admin', password: 'wrong-wrong' });
  const logins = (await auditor.get('/api/v1/audit?kind=login&page_size=200')).json.items;
  assert.ok(logins.length > 0);
  assert.ok(logins.every((x) => ['auth.login', 'auth.logout'].includes(x.action)));
  assert.ok(logins.some((x) => x.outcome === 'failure'));
  const ops = (await auditor.get('/api/v1/audit?kind=operation&page_size=200')).json.items;
  assert.ok(ops.length > 0);
  assert.ok(ops.every((x) => !['auth.login', 'auth.logout'].includes(x.action)));
  const all = (await auditor.get('/api/v1/audit?page_size=1')).json.total;
  const nl = (await auditor.get('/api/v1/audit?kind=login&page_size=1')).json.total;
  const no = (await auditor.get('/api/v1/audit?kind=operation&page_size=1')).json.total;
  assert.ok(nl + no >= all - 2 && nl + no <= all + 2, `${nl} + ${no} ≈ ${all}`); // the reads themselves add records
  assert.equal((await auditor.get('/api/v1/audit?kind=other')).status, 422);
});

test('audit records name their target: 用户「姓名」 rather than user#3', async () => {
  const org = (await admin.get('/api/v1/orgs?q=SH-XH&page_size=200')).json.items.find((o) => o.code === 'SH-XH');
  const u = await admin.post('/api/v1/users', { username: 'named_target', name: '名字对象', org_id: org.id, roles: ['worker'], password: 'Sh@nghai-2026x' });
  assert.equal(u.status, 201, u.body);
  const recs = (await auditor.get(`/api/v1/audit?action=user.create&target=user:${u.json.id}`)).json.items;
  assert.equal(recs.length, 1);
  assert.equal(recs[0].target_name, '名字对象');
  const one = (await auditor.get(`/api/v1/audit/${recs[0].id}`)).json;
  assert.equal(one.target_name, '名字对象');
  // and the workbook says it in words
  const rows = await sheet(auditor, `/api/v1/audit/export?kind=operation&action=user.create&target=user:${u.json.id}`);
  assert.deepEqual(rows[0], ['编号', '时间', '用户', '来源地址', '浏览器', '操作', '对象', '结果', '说明']);
  const [, at, user, , , action, target, outcome] = rows[1];
  assert.match(at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(user, 'admin');
  assert.equal(action, '新建用户');
  assert.equal(target, '用户「名字对象」');
  assert.equal(outcome, '成功');
});

test('the login log exports with the browser in words', async () => {
  await fetch(`${srv.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' },
    body: JSON.stringify({ username: 'admin', password: 'nope-nope' }),
  });
  const rows = await sheet(auditor, '/api/v1/audit/export?kind=login&outcome=failure');
  const hit = rows.find((r) => r[4] === 'Chrome 120 · Windows 10/11');
  assert.ok(hit, JSON.stringify(rows.slice(0, 3)));
  assert.equal(hit[5], '登录');
  assert.equal(hit[7], '失败');
  assert.ok(rows.slice(1).every((r) => r[5] === '登录' || r[5] === '退出登录'), 'only logins and logouts');
});

test('lists flagged for export answer ?format=xlsx with their filters, in words, and record it', async () => {
  const rows = await sheet(admin, '/api/v1/users?format=xlsx&status=active&sort=username');
  const head = rows[0];
  for (const h of ['用户名', '姓名', '所属组织', '状态', '角色', '最近登录时间']) assert.ok(head.includes(h), `${h} in ${head}`);
  assert.ok(!head.some((h) => /^[a-z_]+$/.test(h)), `no code as a header: ${head}`);
  const col = (h) => head.indexOf(h);
  const admins = rows.find((r) => r[col('用户名')] === 'admin');
  assert.equal(admins[col('状态')], '正常');
  assert.equal(admins[col('角色')], '系统管理员');
  assert.match(admins[col('创建时间')], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.ok(rows.slice(1).every((r) => r[col('状态')] === '正常'), 'the filter applies');
  const names = rows.slice(1).map((r) => r[col('用户名')]);
  assert.deepEqual(names, [...names].sort(), 'the sort applies');
  assert.equal(rows.length - 1, (await admin.get('/api/v1/users?status=active&page_size=1')).json.total, 'every row, not one page');
  // recorded, and refused for another format
  const rec = (await auditor.get('/api/v1/audit?action=user.export')).json.items;
  assert.equal(rec.length, 1);
  assert.match(rec[0].detail, /^导出 \d+ 条用户$/);
  const bad = await admin.get('/api/v1/users?format=csv');
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.format);
  // the others
  const sessions = await sheet(secadmin, '/api/v1/sessions?format=xlsx');
  assert.ok(sessions[0].includes('浏览器'));
  assert.ok(sessions.slice(1).every((r) => !/Mozilla|node|undici/.test(r[sessions[0].indexOf('浏览器')])));
  // roles: the whole list at once, permissions and data scope by name
  const roles = await sheet(secadmin, '/api/v1/roles?format=xlsx');
  assert.ok(roles[0].includes('数据范围') && roles[0].includes('功能权限'), JSON.stringify(roles[0]));
  assert.ok(roles.some((r) => r.includes('系统管理员') && r.includes('全部数据')), JSON.stringify(roles.slice(0, 3)));
  assert.ok(!roles.flat().some((x) => /^[a-z]+\.[a-z_]+$/.test(String(x))), 'no permission codes');
  for (const p of ['/api/v1/jobs?format=xlsx', '/api/v1/job-runs?format=xlsx', '/api/v1/schedules?format=xlsx', '/api/v1/lexicons?format=xlsx']) {
    const s = await sheet(admin, p);
    assert.ok(s[0].length > 3, p);
    assert.ok(!s[0].some((h) => /^[a-z_]+$/.test(h)), `${p}: no code as a header: ${s[0]}`);
  }
  const lex = await sheet(admin, '/api/v1/lexicons?format=xlsx');
  assert.ok(lex.slice(1).some((r) => r.includes('规范提法')), 'the category in words');
  // a reader without the permission gets 403, as for the list
  const member = await srv.login('dangyuan01', 'Zhendi@Demo2026');
  assert.equal((await member.get('/api/v1/users?format=xlsx')).status, 403);
});

test('a user row says whether there is a session to end (online), so 强制下线 is offered only then', async () => {
  const find = async (name) => (await admin.get(`/api/v1/users?q=${name}&page_size=200`)).json.items.find((u) => u.username === name);
  assert.equal((await find('admin')).online, true);
  const never = (await admin.get('/api/v1/users?page_size=200')).json.items.find((u) => !u.last_login_at);
  assert.ok(never, 'a demo user who never logged in');
  assert.equal(never.online, false);
  const s = await srv.login('huangpu_dangwu', 'Zhendi@Demo2026');
  assert.equal((await find('huangpu_dangwu')).online, true);
  assert.equal((await s.post('/api/v1/auth/logout')).status, 204);
  assert.equal((await find('huangpu_dangwu')).online, false);
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEAD = ['用户名', '姓名', '组织编码', '角色', '手机', '电子邮箱'];
const importUsers = (client, rows) => client.request('POST', '/api/v1/users/import', { raw: xlsx([HEAD, ...rows]), headers: { 'content-type': XLSX } });

test('下载模板: the user import template has the import columns and an example row', async () => {
  const rows = await sheet(admin, '/api/v1/users/import-template');
  assert.deepEqual(rows[0], HEAD);
  assert.equal(rows.length, 2);
});

test('a user import checks every row and reports each bad one in Chinese; nothing is created then', async () => {
  const before = (await admin.get('/api/v1/users?page_size=1')).json.total;
  const r = await importUsers(admin, [
    ['imp_ok1', '导入一', 'SH-PD-01', '党务工作者', null, null],
    ['imp_ok1', '重复名', 'SH-PD-01', 'worker', null, null],
    ['imp_bad2', '组织错', 'NO-SUCH-ORG', 'worker', null, null],
    ['imp_bad3', '角色错', 'SH-PD-01', '不存在的角色', null, null],
    ['x', '', 'SH-PD-01', 'worker', '12', 'not-mail'],
    ['admin', '已存在', 'SH-PD-01', 'worker', null, null],
  ]);
  assert.equal(r.status, 422, r.body);
  assert.equal(r.json.error.code, 'import_rejected');
  const byRow = Object.fromEntries(r.json.error.errors.map((e) => [e.row, e.message]));
  const all = JSON.stringify(r.json.error.errors);
  assert.match(byRow[3] || all, /与第 2 行重复/, all);
  assert.match(byRow[4] || all, /组织编码“NO-SUCH-ORG”不存在/, all);
  assert.match(byRow[5] || all, /角色“不存在的角色”不存在/, all);
  assert.match(byRow[6] || all, /^用户名：/, all);
  assert.match(byRow[7] || all, /用户名“admin”已存在/, all);
  assert.equal(byRow[2], undefined, 'the good row is not an error');
  assert.equal((await admin.get('/api/v1/users?page_size=1')).json.total, before, 'nothing created');
  assert.equal((await admin.get('/api/v1/users?q=imp_ok1')).json.total, 0);
});

test('a clean user import creates everyone in one go, each with an initial password to change', async () => {
  const r = await importUsers(admin, [
    ['imp_a', '导入甲', 'SH-PD-01', '党务工作者、党员', '13800001111', 'a@example.cn'],
    ['imp_b', '导入乙', 'SH-HP-01', 'worker', null, null],
  ]);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.created, 2);
  const a = r.json.users.find((u) => u.username === 'imp_a');
  const u = (await admin.get('/api/v1/users?q=imp_a')).json.items[0];
  assert.deepEqual(u.roles.sort(), ['member', 'worker']);
  assert.equal(u.must_change_password, true);
  const s = await srv.login('imp_a', a.password);
  assert.equal(s.me.must_change_password, true);
  const recs = (await auditor.get('/api/v1/audit?action=user.import')).json.items;
  assert.equal(recs.length, 1);
  assert.equal(recs[0].detail, '表格导入 2 个用户');
  assert.equal((await auditor.get('/api/v1/audit?action=user.create&page_size=200')).json.items.filter((x) => x.detail === '表格导入').length, 2);
  // not a workbook, or no permission
  const txt = await admin.request('POST', '/api/v1/users/import', { raw: 'hello', headers: { 'content-type': 'text/plain' } });
  assert.equal(txt.status, 415);
  assert.equal((await auditor.request('POST', '/api/v1/users/import', { raw: xlsx([HEAD]), headers: { 'content-type': XLSX } })).status, 403);
});

test('下载模板 for organisations: the template imports as it is', async () => {
  const r = await fetch(`${srv.base}/api/v1/orgs/import-template`, { headers: { cookie: admin.cookie } });
  assert.equal(r.status, 200);
  const buf = Buffer.from(await r.arrayBuffer());
  const back = await admin.request('POST', '/api/v1/orgs/import', { raw: buf, headers: { 'content-type': XLSX } });
  assert.equal(back.status, 200, back.body);
  assert.equal(back.json.created, 1);
  const rows = await sheet(admin, '/api/v1/orgs/import-template');
  assert.deepEqual(rows[0].slice(0, 4), ['组织编码', '组织名称', '组织类型', '上级编码']);
});

test('every event the server logs has a Chinese name in the log_event dictionary, and every log field in log_field', async () => {
  const d = (await admin.get('/api/v1/dicts')).json.dicts;
  const items = (name) => new Set((d[name]?.items || []).map((x) => x.value));
  const events = items('log_event'), fields = items('log_field');
  assert.ok(events.size > 40);
  // every event code written by the source (log_msg / log_begin)
  const src = execFileSync('grep', ['-rhoE', '--include=*.c', 'log_(msg|begin)\\([^;]*"[a-z_]+\\.[a-z_]+"', new URL('../../src', import.meta.url).pathname], { encoding: 'utf8' });
  const codes = new Set([...src.matchAll(/"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]));
  assert.ok(codes.size > 40);
  const missing = [...codes].filter((c) => !events.has(c));
  assert.deepEqual(missing, [], 'events without a Chinese name');
  const keys = execFileSync('grep', ['-rhoE', '--include=*.c', 'log_(str|int|double|bool)\\(&r, "[a-z_]+"', new URL('../../src', import.meta.url).pathname], { encoding: 'utf8' });
  const missingKeys = [...new Set([...keys.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]))].filter((k) => !fields.has(k));
  assert.deepEqual(missingKeys, [], 'log fields without a Chinese name');
});
