// 接口文档's wording of the OpenAPI document (modules/system/openapiView.js):
// each module's tag under its title, and above each operation its permission
// (titled from the dictionary), audit action and data scope; the server's
// document itself is left as it was.
import { describe, it, expect } from 'vitest';
import { prepareDoc, facts, operationCount } from '../src/modules/system/openapiView.js';

const LABELS = { permission: { 'user.write': '管理用户' }, audit_action: { 'user.create': '新建用户' } };
const label = (dict, code) => LABELS[dict]?.[code] || code;

const doc = {
  openapi: '3.1.0',
  tags: [{ name: 'identity', description: '身份与权限' }],
  paths: {
    '/healthz': { get: { summary: '健康检查', 'x-permission': '@anyone', description: '200 {status:ok}' } },
    '/api/v1/users': {
      parameters: [],
      get: { summary: '用户列表', 'x-permission': 'user.read', 'x-scoped': true, 'x-resource-title': '用户' },
      post: { summary: '新建用户', 'x-permission': 'user.write', 'x-audit': 'user.create', description: 'roles must be…' },
    },
    '/api/v1/dicts': { get: { summary: '数据字典', 'x-permission': '@login' } },
  },
};

describe('prepareDoc', () => {
  it('titles the tags with the modules\' names and words the operations\' extensions', () => {
    const out = prepareDoc(doc, label);
    expect(out.tags[0]).toEqual({ name: 'identity', 'x-displayName': '身份与权限' });
    expect(out.paths['/healthz'].get.description).toBe('**权限**：无需登录\n\n200 {status:ok}');
    expect(out.paths['/api/v1/dicts'].get.description).toBe('**权限**：登录用户均可');
    expect(out.paths['/api/v1/users'].post.description).toBe('**权限**：`user.write`（管理用户） · **审计**：`user.create`（新建用户）\n\nroles must be…');
    expect(out.paths['/api/v1/users'].get.description).toBe('**权限**：`user.read` · **数据范围**：按角色的数据范围只见可见的用户');
    expect(out.paths['/api/v1/users'].parameters).toEqual([]);
  });

  it('leaves the server\'s document unchanged', () => {
    const before = JSON.stringify(doc);
    prepareDoc(doc, label);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('counts the operations, not the path-level keys', () => {
    expect(operationCount(doc)).toBe(4);
    expect(operationCount(null)).toBe(0);
    expect(facts({})).toBe('');
  });
});
