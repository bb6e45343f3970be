// The actions on a published item's revision (docs/review.md "Revisions"),
// shared by the lecture and course pages: submit and withdraw, and discard
// after a confirmation naming the kind ("讲堂", "党课"). api is the module's
// client with submitRevision / withdrawRevision / discardRevision(id); each
// action ends with changed() so the page reloads the item and its revision.
import { ElMessage } from 'element-plus';
import { confirmAction } from '@/components/confirm.js';

export function useRevisionActions(api, id, noun, changed) {
  async function act(what) {
    try {
      await (what === 'submit' ? api.submitRevision(id()) : api.withdrawRevision(id()));
      ElMessage.success(what === 'submit' ? '修订已提交审核' : '修订已撤回');
    } catch {
      /* the client said why */
    }
    changed();
  }

  async function discard() {
    if (!(await confirmAction(`放弃这次修订？已发布的${noun}不变。`))) return;
    try {
      await api.discardRevision(id());
      ElMessage.success('已放弃修订');
    } catch {
      /* the client said why */
    }
    changed();
  }

  return { act, discard };
}
