// Words and colours of proofreading (校真) results, one table for the whole
// console. The titles match GET /proofread/meta (which pages may pass in to
// override them); they are here too so that a finding can be labelled
// before, or without, the meta request.

export const CATEGORIES = [
  { code: 'sensitive', title: '敏感词' },
  { code: 'formulation', title: '规范提法' },
  { code: 'typo', title: '错别字' },
  { code: 'custom', title: '自定义' },
];
/** lexicons may also be whitelists (their words suppress findings inside them) */
export const LEXICON_CATEGORIES = [...CATEGORIES, { code: 'whitelist', title: '白名单' }];

export const SEVERITIES = [
  { code: 'block', title: '阻断', tag: 'danger', help: '必须修改，否则不能通过' },
  { code: 'warn', title: '警告', tag: 'warning', help: '需要人工复核' },
  { code: 'info', title: '提示', tag: 'info', help: '仅供参考' },
];

export const VERDICTS = {
  pass: { title: '通过', tag: 'success' },
  warn: { title: '需复核', tag: 'warning' },
  block: { title: '不通过', tag: 'danger' },
};

export const EXTERNAL_STATUS = {
  disabled: '未使用',
  ok: '已合并外部结果',
  error: '外部服务出错，仅本地结果',
  timeout: '外部服务超时，仅本地结果',
};

export const SOURCES = { local: '本地词库', external: '外部服务', both: '本地词库与外部服务' };

/** The rule that produced a finding (f.rule; GET /proofread/meta → rules). */
export const RULES = [
  { code: 'lexicon', title: '词库匹配', help: '文字与词库中的词条一致' },
  { code: 'language_model', title: '语言模型确认', help: '错别字词条命中，且按建议改正后的读法明显更通顺（语言模型打分）' },
  { code: 'segmentation', title: '分词校验', help: '错别字词条命中，且未与上下文组成更长的词（语言模型不可用时）' },
  { code: 'external', title: '外部服务', help: '外部校对服务报告' },
  { code: 'pinyin', title: '拼音或同音字匹配', help: '词库开启了拼音与同音字匹配：文字是词条的拼音、首字母或同音字写法' },
];
const RULE = Object.fromEntries(RULES.map((x) => [x.code, x]));
export const ruleTitle = (code, meta) => meta?.rules?.find((r) => r.code === code)?.title || RULE[code]?.title || code || '';
export const ruleHelp = (code) => RULE[code]?.help || '';

/** "常见错别字 · 语言模型确认": which lexicon and which rule produced a finding. */
export function provenance(f, meta) {
  const lex = f.lexicon || (f.source === 'external' ? '' : SOURCES[f.source] || '');
  const rule = f.rule ? ruleTitle(f.rule, meta) : '';
  const both = f.source === 'both' ? '（外部服务也报告）' : '';
  return [lex, rule].filter(Boolean).join(' · ') + both;
}

const MODELS = { 'bigram+unigram': '词二元语法与词频模型', unigram: '词频模型' };

/** The language model's reasoning in words, for a finding with `explain`. */
export function explainText(x) {
  if (!x) return '';
  const d = (x.corrected_score - x.written_score).toFixed(1);
  const model = MODELS[x.model] ? `按${MODELS[x.model]}，` : '';
  return `${model}原文读作 ${x.written}（${x.written_score.toFixed(1)}），改正后读作 ${x.corrected}（${x.corrected_score.toFixed(1)}），` +
    `相差 ${d}，${x.kept ? '达到' : '未达到'}要求的 ${Number(x.margin).toFixed(1)}${x.attached ? '（原文中该处与相邻字组成词语，要求更高）' : ''}`;
}

const byCode = (list) => Object.fromEntries(list.map((x) => [x.code, x]));
const CAT = byCode(LEXICON_CATEGORIES);
const SEV = byCode(SEVERITIES);

/** Chinese title of a category code (meta.categories wins when given). */
export function categoryTitle(code, meta) {
  return meta?.categories?.find((c) => c.code === code)?.title || CAT[code]?.title || code || '';
}
export function severityTitle(code, meta) {
  return meta?.severities?.find((c) => c.code === code)?.title || SEV[code]?.title || code || '';
}
export const severityTag = (code) => SEV[code]?.tag || 'info';
export const verdictTitle = (v, meta) => meta?.verdicts?.find((x) => x.code === v)?.title || VERDICTS[v]?.title || v || '';
export const verdictTag = (v) => VERDICTS[v]?.tag || 'info';

/** {sensitive, formulation, typo, custom} counts of a findings list. */
export function summarize(findings = []) {
  const s = Object.fromEntries(CATEGORIES.map((c) => [c.code, 0]));
  for (const f of findings) if (f.category in s) s[f.category]++;
  return s;
}

/** block if any finding blocks, else warn if any warns, else pass (the server's rule). */
export function verdictOf(findings = []) {
  if (findings.some((f) => f.severity === 'block')) return 'block';
  if (findings.some((f) => f.severity === 'warn')) return 'warn';
  return 'pass';
}

/** "00:01:05" for seconds (time codes of video findings when the server gave none). */
export function timecode(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const p = (n) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}
