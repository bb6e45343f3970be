// The actions on a published item's revision (docs/review.md "Revisions"),
// shared by the lecture and course pages: submit and withdraw, and discard
// after a confirmation naming the kind ("讲堂", "党课"). api is the module's
// client with submitRevision / withdrawRevision / discardRevision(id); each
// action ends with changed() so the page reloads the item and its revision.
import { reactive, ref } from 'vue';
import { ElMessage } from 'element-plus';
import { confirmAction } from '@/components/confirm.js';
import { fmtTime, toIso } from '@/utils/format.js';

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

// ---- the sessions (场次) of a revision, lectures' and courses' alike ----
// (the server's rules: the booking module's booking_revise_sessions)

const fmtMin = (v) => (v ? fmtTime(v).slice(0, 16) : '—');

// "2026-12-08 14:00 至 16:00，名额 30[，地点]" — the card's before → after
export const sessionText = (s) =>
  `${fmtMin(s.starts_at)} 至 ${fmtMin(s.ends_at).slice(11)}，名额 ${s.capacity}${s.place ? `，${s.place}` : ''}`;

// the card's rows of the sessions changed or added
export function sessionRows(published, changes) {
  return (changes || []).map((s) => {
    const old = (published || []).find((x) => x.id === s.id);
    return { title: old ? '场次' : '新增场次', before: old ? sessionText(old) : null, after: sessionText(s) };
  });
}

// the form's sessions: the published ones with the revision's changes laid over, then the added ones
export function sessionsForm(published, changes, place) {
  const now = Date.now();
  const row = (c, s) => ({
    id: s ? s.id : null, starts_at: new Date(c.starts_at), ends_at: new Date(c.ends_at), capacity: c.capacity,
    booked: s ? s.booked : 0, started: s ? Date.parse(s.starts_at) <= now : false, ...(place ? { place: c.place } : {}),
  });
  const out = (published || []).map((s) => row((changes || []).find((x) => x.id === s.id) || s, s));
  for (const c of (changes || []).filter((x) => !x.id)) out.push(row(c, null));
  return out;
}

// the body's sessions
export const sessionsBody = (sessions, place) =>
  sessions.map((s) => ({
    ...(s.id ? { id: s.id } : {}), starts_at: toIso(s.starts_at), ends_at: toIso(s.ends_at), capacity: s.capacity,
    ...(place ? { place: s.place } : {}),
  }));

// The revision form's state and saving, shared by the lecture and course
// cards: begin() opens it clean; save() puts body() (PUT …/revision), closes
// and calls changed(), or shows the 422's fields (errors, by field name —
// "sessions[1].capacity" beside that session) and any message no field of
// `titles` or the sessions shows (general).
export function useRevisionForm({ api, id, titles, body, changed }) {
  const formOpen = ref(false);
  const errors = reactive({});
  const general = ref('');
  const submitting = ref(false);
  const clear = () => {
    for (const k of Object.keys(errors)) delete errors[k];
    general.value = '';
  };
  function begin() {
    clear();
    formOpen.value = true;
  }
  async function save() {
    clear();
    submitting.value = true;
    try {
      await api.saveRevision(id(), body());
      ElMessage.success('修订已保存，提交审核通过后生效');
      formOpen.value = false;
      changed();
    } catch (err) {
      if (err?.status === 422 && err.fields) {
        Object.assign(errors, err.fields);
        general.value = Object.keys(err.fields).some((k) => !k.startsWith('sessions[') && !(k in titles)) ? err.message : '';
      } else general.value = err?.message || '保存失败';
    } finally {
      submitting.value = false;
    }
  }
  return { formOpen, errors, general, submitting, begin, save };
}
