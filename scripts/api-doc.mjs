// Renders the OpenAPI document the server generates from its route tables
// (GET /api/v1/openapi.json) as docs/api.md, the reference in the repository.
//
//   node scripts/api-doc.mjs            start build/zhendi on a temporary data
//                                       directory and rewrite docs/api.md
//   node scripts/api-doc.mjs --check    the same, but fail when docs/api.md differs
//
// The API test suite runs the check (tests/api/openapi.test.mjs), so CI fails
// when a route changes and the reference was not regenerated (`make api-doc`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DOC_PATH = fileURLToPath(new URL('../docs/api.md', import.meta.url));

const esc = (s) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function schemaText(s) {
  if (!s) return '';
  let t = s.type || 'object';
  if (s.format === 'date-time') t = 'time';
  if (s.enum) t = s.enum.join(' \\| ');
  const bounds = [];
  if (s.minLength) bounds.push(`≥${s.minLength}`);
  if (s.maxLength !== undefined && s.type === 'string' && !s.enum) bounds.push(`≤${s.maxLength}`);
  if (s.minimum !== undefined && s.maximum !== undefined) bounds.push(`${s.minimum}–${s.maximum}`);
  if (s.minItems !== undefined && s.maxItems !== undefined) bounds.push(`${s.minItems}–${s.maxItems} items`);
  return bounds.length ? `${t} ${bounds.join(' ')}` : t;
}

function fields(props = {}, required = []) {
  return Object.entries(props)
    .map(([k, v]) => `\`${k}\`${required.includes(k) ? '*' : ''} ${schemaText(v)}${v.description ? ` — ${v.description}` : ''}`)
    .join('; ');
}

// One route: the table row and the details below it.
function route(method, path, op) {
  const perm = op['x-permission'] === '@login' ? 'login' : op['x-permission'] === '@anyone' ? 'public' : `\`${op['x-permission']}\``;
  const ok = Object.keys(op.responses || {}).find((c) => c.startsWith('2')) || '200';
  const row = `| ${method.toUpperCase()} | \`${path}\` | ${perm} | ${esc(op.summary)} | ${op['x-audit'] ? `\`${op['x-audit']}\`` : ''} | ${ok} |`;
  const lines = [];
  const query = (op.parameters || []).filter((p) => p.in === 'query');
  if (query.length) {
    lines.push(`- query: ${query.map((p) => `\`${p.name}\` ${schemaText(p.schema)}${p.description ? ` — ${p.description}` : ''}${p['x-sort-keys'] ? ` (${p['x-sort-keys'].join(', ')})` : ''}`).join('; ')}`);
  }
  const body = op.requestBody?.content;
  if (body) {
    const [ctype, media] = Object.entries(body)[0];
    const s = media.schema || {};
    lines.push(`- body (${ctype}): ${s.properties ? fields(s.properties, s.required) : schemaText(s)}`);
  }
  const answer = op.responses?.[ok]?.content?.['application/json']?.schema;
  if (answer) {
    const item = op['x-list'] ? answer.properties?.items?.items : answer;
    if (item?.properties) lines.push(`- answer${op['x-list'] ? ' (list of)' : ''}: ${Object.keys(item.properties).map((k) => `\`${k}\``).join(', ')}`);
  }
  if (op['x-resource']) lines.push(`- resource: ${op['x-resource']} (${op['x-resource-title']}); data scope applies`);
  if (op.description) lines.push(`- ${op.description}`);
  return { row, details: lines.length ? [`**${method.toUpperCase()} ${path}** — ${op.summary}`, ...lines, ''] : [] };
}

export function render(doc) {
  const out = [
    '# Zhendi HTTP API — reference',
    '',
    '<!-- Generated from GET /api/v1/openapi.json by scripts/api-doc.mjs (`make api-doc`). Do not edit:',
    '     change the route tables in src/modules/*, then regenerate. CI fails when this file drifts. -->',
    '',
    `Version ${doc.info.version}. Conventions (errors, lists, times, CSRF, tokens) and the shapes of`,
    'answers too rich for a table are in [api-guide.md](api-guide.md). The same document is served',
    'to logged-in users at `GET /api/v1/openapi.json` and rendered in the console (接口文档).',
    '',
    'Columns: permission (`login`: any logged-in user; `public`: no login), the audit action a',
    'success records, the success status. In the details, `*` marks a required field.',
    '',
  ];
  const byTag = new Map((doc.tags || []).map((t) => [t.name, { title: t.description, rows: [], details: [] }]));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = byTag.get(op.tags?.[0]);
      const r = route(method, path, op);
      tag.rows.push(r.row);
      tag.details.push(...r.details);
    }
  }
  for (const [name, t] of byTag) {
    if (!t.rows.length) continue;
    out.push(`## ${t.title} (${name})`, '', '| method | path | permission | summary | audit | status |', '|---|---|---|---|---|---|', ...t.rows, '', ...t.details);
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

async function main() {
  const { startServer } = await import('../tests/api/lib/server.mjs');
  const srv = await startServer();
  try {
    const admin = await srv.login('admin');
    const r = await admin.get('/api/v1/openapi.json');
    if (r.status !== 200) throw new Error(`openapi.json: ${r.status}`);
    const md = render(r.json);
    if (process.argv.includes('--check')) {
      if (readFileSync(DOC_PATH, 'utf8') !== md) {
        console.error('docs/api.md is out of date: run `make api-doc`');
        process.exitCode = 1;
      }
    } else {
      writeFileSync(DOC_PATH, md);
      console.log(`wrote ${DOC_PATH}`);
    }
  } finally {
    await srv.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
