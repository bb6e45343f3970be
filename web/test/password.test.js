// The security policy's password rules shown beside the change-password form
// and checked in the browser as the server checks them; text files for the
// lexicon import made UTF-8 (GBK/GB18030 files from Windows converted).
import { describe, it, expect } from 'vitest';
import { policyRules, checkPassword, passwordClasses } from '../src/utils/password.js';
import { decodeText } from '../src/utils/textfile.js';

describe('password rules from the policy', () => {
  const policy = { min_length: 10, min_classes: 3, history: 5, max_age_days: 90 };

  it('are put into words', () => {
    const r = policyRules(policy);
    expect(r).toContain('长度不少于 10 个字符');
    expect(r).toContain('包含大写字母、小写字母、数字、符号中的至少 3 类');
    expect(r).toContain('不能与最近 5 次使用过的密码相同');
    expect(r).toContain('密码有效期 90 天，到期须修改');
    expect(policyRules({ min_length: 8, min_classes: 1, history: 0, max_age_days: 0 })).toEqual(['长度不少于 8 个字符', '不能包含用户名', '密码长期有效（不强制定期修改）']);
    expect(policyRules(null)).toEqual([]);
  });

  it('length (in characters) and classes are checked before sending', () => {
    expect(checkPassword('Abc-12345', policy)).toMatch(/至少 10 个字符/);
    expect(checkPassword('abcdefghij1', policy)).toMatch(/至少 3 类/);
    expect(checkPassword('abcdefgh1-X', policy)).toBe('');
    expect(passwordClasses('aA1-')).toBe(4);
    expect(passwordClasses('密码密码')).toBe(1); // non-ASCII counts as a symbol, as on the server
  });
});

describe('text files for the lexicon import', () => {
  it('UTF-8 is kept, a BOM dropped', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('按装\t安装\n')]);
    expect(decodeText(bytes.buffer)).toEqual({ text: '按装\t安装\n', encoding: 'UTF-8' });
  });

  it('GBK text (Windows "ANSI") is read as GB18030', () => {
    // 按装 in GBK: B0 B4 D7 B0
    const r = decodeText(new Uint8Array([0xb0, 0xb4, 0xd7, 0xb0, 0x0a]).buffer);
    expect(r).toEqual({ text: '按装\n', encoding: 'GB18030' });
  });
});
