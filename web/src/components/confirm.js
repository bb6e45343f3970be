// Confirm dialogs for destructive or far-reaching actions. Each resolves to
// true (confirmed) or false (cancelled); nothing throws on cancel.
import { ElMessageBox } from 'element-plus';

/** confirmAction('停用后该用户无法登录。', {title, confirmText, danger}) */
export async function confirmAction(message, { title = '请确认', confirmText = '确定', danger = true } = {}) {
  try {
    await ElMessageBox.confirm(message, title, {
      type: danger ? 'warning' : 'info',
      confirmButtonText: confirmText,
      cancelButtonText: '取消',
      confirmButtonClass: danger ? 'el-button--danger' : '',
      closeOnClickModal: false,
      autofocus: false,
    });
    return true;
  } catch {
    return false;
  }
}

/** Asks for a reason (required); resolves to the text or null when cancelled. */
export async function promptReason(message, { title = '请填写原因', placeholder = '原因', maxLength = 200 } = {}) {
  try {
    const { value } = await ElMessageBox.prompt(message, title, {
      confirmButtonText: '确定',
      cancelButtonText: '取消',
      inputPlaceholder: placeholder,
      inputValidator: (v) => (v && v.trim() ? (v.length > maxLength ? `不超过 ${maxLength} 字` : true) : '请填写原因'),
      closeOnClickModal: false,
    });
    return value.trim();
  } catch {
    return null;
  }
}
