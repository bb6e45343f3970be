// Which lexicon and which rule produced a finding, in Chinese (utils/proofread.js),
// as the findings list of 校真 shows it, and the language model's reasoning.
import { describe, it, expect } from 'vitest';
import { provenance, ruleTitle, explainText } from '../src/utils/proofread.js';

describe('provenance', () => {
  it('names the lexicon and the rule of local findings', () => {
    expect(provenance({ lexicon: '常见错别字', rule: 'language_model', source: 'local' })).toBe('常见错别字 · 语言模型确认');
    expect(provenance({ lexicon: '敏感词库', rule: 'lexicon', source: 'local' })).toBe('敏感词库 · 词库匹配');
  });
  it('says when an external service reported it, alone or as well', () => {
    expect(provenance({ lexicon: null, rule: 'external', source: 'external' })).toBe('外部服务');
    expect(provenance({ lexicon: '常见错别字', rule: 'language_model', source: 'both' })).toBe('常见错别字 · 语言模型确认（外部服务也报告）');
  });
  it('prefers the server\'s titles when meta is given', () => {
    expect(ruleTitle('segmentation')).toBe('分词校验');
    expect(ruleTitle('lexicon', { rules: [{ code: 'lexicon', title: '词条' }] })).toBe('词条');
  });
  it('explains the two readings and whether the margin was reached', () => {
    const t = explainText({ written: '我们/要/按/装/设备', written_score: -38.294, corrected: '我们/要/安装/设备', corrected_score: -31.4,
      margin: 2, attached: false, kept: true });
    expect(t).toBe('原文读作 我们/要/按/装/设备（-38.3），改正后读作 我们/要/安装/设备（-31.4），相差 6.9，达到要求的 2.0');
    expect(explainText({ written: '以/经济', written_score: -20, corrected: '已经/济', corrected_score: -24, margin: 3.5, attached: true, kept: false }))
      .toContain('未达到要求的 3.5（原文中该处与相邻字组成词语，要求更高）');
    expect(explainText({ written: '按/装', written_score: -9, corrected: '安装', corrected_score: -4, margin: 2, kept: true, model: 'bigram+unigram' }))
      .toMatch(/^按词二元语法与词频模型，原文读作 按\/装/);
  });
});
