// Server 422 `fields` → the reasons shown under each form item.
import { describe, it, expect } from 'vitest';
import { fieldErrors, changedFields } from '../src/utils/form.js';
import { ApiError } from '../src/api/client.js';

const err = (fields) => new ApiError({ status: 422, code: 'invalid_fields', message: '字段无效', fields });

describe('fieldErrors', () => {
  it('maps each server field to the form prop of the same name', () => {
    const { errors, rest } = fieldErrors(err({ name: '不能为空', code: '已被使用' }), ['name', 'code', 'type']);
    expect(errors).toEqual({ name: '不能为空', code: '已被使用' });
    expect(rest).toEqual([]);
  });

  it('follows aliases and folds nested names onto their parent prop', () => {
    const { errors } = fieldErrors(err({ password: '太短', 'payload.days': '应为整数', 'roles[1]': '角色不存在' }), ['new_password', 'payload', 'roles'], { password: 'new_password' });
    expect(errors).toEqual({ new_password: '太短', payload: '应为整数', roles: '角色不存在' });
  });

  it('keeps reasons for fields the form does not show, so they are not lost', () => {
    const { errors, rest } = fieldErrors(err({ name: '太长', parent_id: '上级不存在' }), ['name']);
    expect(errors).toEqual({ name: '太长' });
    expect(rest).toEqual(['parent_id：上级不存在']);
  });

  it('joins two reasons for one prop', () => {
    const { errors } = fieldErrors(err({ 'roles[0]': 'a', 'roles[2]': 'b' }), ['roles']);
    expect(errors.roles).toBe('a；b');
  });
});

describe('changedFields', () => {
  it('sends only what changed (arrays compared by value)', () => {
    expect(changedFields({ name: 'a', roles: ['x'], n: 1 }, { name: 'a', roles: ['x', 'y'], n: 1 })).toEqual({ roles: ['x', 'y'] });
    expect(changedFields({ a: 1 }, { a: 1 })).toEqual({});
  });
});
