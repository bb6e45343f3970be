// Server-side validation shown in place: a form binds `errors.<prop>` to
// each el-form-item's :error, and runs its request through submit(). A 422
// answer fills errors (reasons for fields the form does not show end up in
// `general`); other errors are left to the API client's toast.
//
//   const { errors, general, submitting, submit } = useServerForm(['name', 'code']);
//   <el-form-item label="名称" prop="name" :error="errors.name">…
//   await submit(() => orgApi.create(form))   // → the answer, or undefined on error
//
// Errors other than 422 that concern one field (a taken name, a duplicate
// word: 409) can be shown in place too: give their codes and the field,
//   useServerForm(['word'], {}, { codes: { duplicate_word: 'word' } })
// and make the request with {handled: [409]} so the client does not toast it.
import { reactive, ref } from 'vue';
import { fieldErrors } from '@/utils/form.js';

export function useServerForm(props, alias = {}, { codes = {} } = {}) {
  const errors = reactive({});
  const general = ref('');
  const submitting = ref(false);

  function clear() {
    for (const k of Object.keys(errors)) delete errors[k];
    general.value = '';
  }

  function apply(err) {
    const { errors: e, rest } = fieldErrors(err, props, alias);
    Object.assign(errors, e);
    general.value = rest.length ? rest.join('；') : Object.keys(e).length ? '' : err.message;
  }

  async function submit(fn) {
    clear();
    submitting.value = true;
    try {
      return await fn();
    } catch (err) {
      if (err?.status === 422) apply(err);
      else if (err?.code && codes[err.code]) errors[codes[err.code]] = err.message;
      return undefined;
    } finally {
      submitting.value = false;
    }
  }

  return { errors, general, submitting, submit, clear, apply };
}
