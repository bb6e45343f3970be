// Lexicon actions shared by the list and the detail page: enable/disable
// (disabling asks first: the words leave every check at once) and delete
// (asks first; a built-in lexicon cannot be deleted — the server answers
// 409 builtin_lexicon — and the user is offered to disable it instead).
import { ElMessage } from 'element-plus';
import { lexiconApi } from '@/modules/proofread/api.js';
import { confirmAction } from '@/components/confirm.js';

/** → true when the lexicon changed */
export async function setEnabled(lex, enabled) {
  if (!enabled && !(await confirmAction(`停用词库「${lex.name}」？停用后其 ${lex.entry_count ?? ''} 个词条立即不再参与校对，可随时重新启用。`, { confirmText: '停用' }))) return false;
  await lexiconApi.update(lex.id, { enabled }, {});
  ElMessage.success(enabled ? '已启用，新的检查立即使用该词库' : '已停用');
  return true;
}

/** → 'deleted', 'disabled' (a built-in one, when the user agreed) or null */
export async function removeLexicon(lex) {
  if (!(await confirmAction(`删除词库「${lex.name}」？其 ${lex.entry_count ?? ''} 个词条立即不再参与校对；变更历史保留。`, { confirmText: '删除' }))) return null;
  try {
    await lexiconApi.remove(lex.id);
    ElMessage.success('已删除');
    return 'deleted';
  } catch (e) {
    if (e.status !== 409) return null; // the API client has shown it
    if (e.code !== 'builtin_lexicon' || !lex.enabled) {
      ElMessage.warning(e.message);
      return null;
    }
    if (!(await confirmAction(`${e.message}。要改为停用「${lex.name}」吗？`, { confirmText: '停用', title: '内置词库' }))) return null;
    await lexiconApi.update(lex.id, { enabled: false }, {});
    ElMessage.success('已停用');
    return 'disabled';
  }
}
