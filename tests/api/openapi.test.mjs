// The OpenAPI document generated from the route tables: every route is in it
// with a Chinese summary and a permission, and docs/api.md is its rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from './lib/server.mjs';
import { render, DOC_PATH } from '../../scripts/api-doc.mjs';

test('the API document lists every route with its permission, summary and audit action, and docs/api.md matches it', async () => {
  const srv = await startServer();
  try {
    assert.equal((await srv.get('/api/v1/openapi.json')).status, 401, 'login required');
    const admin = await srv.login('admin');
    const r = await admin.get('/api/v1/openapi.json');
    assert.equal(r.status, 200);
    const doc = r.json;
    assert.equal(doc.openapi, '3.1.0');
    let n = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        n++;
        assert.match(op.summary, /[\u4e00-\u9fff]/, `${method} ${path}: summary in Chinese`);
        assert.ok(op['x-permission'], `${method} ${path}: permission`);
        if (!['get', 'head', 'options'].includes(method) && !op['x-no-audit']) assert.ok(op['x-audit'], `${method} ${path}: audit action`);
        // the contract tests fill a route's body from its example
        const body = op.requestBody?.content?.['application/json'];
        if (body?.schema?.required?.length) assert.ok(body.example !== undefined, `${method} ${path}: an example body`);
        for (const p of path.match(/\{[a-z_]+\}/g) || []) {
          assert.ok(op.parameters.some((x) => x.in === 'path' && `{${x.name}}` === p), `${method} ${path}: ${p} described`);
        }
      }
    }
    assert.ok(n > 80, `${n} routes`);
    // the console's list pages send page, page_size and sort: lists declare them
    const users = doc.paths['/api/v1/users'].get;
    assert.deepEqual(users.parameters.filter((p) => ['page', 'page_size', 'sort'].includes(p.name)).map((p) => p.name), ['page', 'page_size', 'sort']);
    assert.ok(users.parameters.find((p) => p.name === 'status').schema.enum.includes('disabled'));
    const md = render(doc);
    assert.equal(readFileSync(DOC_PATH, 'utf8'), md, 'docs/api.md is out of date: run `make api-doc`');
  } finally {
    await srv.stop();
  }
});
