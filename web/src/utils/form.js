// Mapping the server's 422 `fields` onto a form. The server names fields as
// in the request body ("org_id", "roles", "payload.x"); the form may bind
// them under other prop names, given as an alias map. Reasons for fields the
// form does not show are returned separately so they can be shown as a
// general message instead of being lost.

/**
 * fieldErrors(err, props, alias) → {errors: {prop: reason}, rest: [reason]}
 *  err:   an ApiError (or anything with .fields)
 *  props: the form's prop names (array); when omitted every field is kept
 *  alias: {serverField: prop}
 */
export function fieldErrors(err, props, alias = {}) {
  const errors = {};
  const rest = [];
  const fields = err?.fields || {};
  const known = props ? new Set(props) : null;
  for (const [name, reason] of Object.entries(fields)) {
    const text = typeof reason === 'string' ? reason : JSON.stringify(reason);
    let prop = alias[name] || name;
    if (known && !known.has(prop)) {
      // "payload.x" or "roles[2]" → "payload" / "roles" when those are shown
      const head = prop.split(/[.[]/)[0];
      if (known.has(alias[head] || head)) prop = alias[head] || head;
      else {
        rest.push(`${name}：${text}`);
        continue;
      }
    }
    errors[prop] = errors[prop] ? `${errors[prop]}；${text}` : text;
  }
  return { errors, rest };
}

/** Body for PATCH: only the keys whose value differs from the original. */
export function changedFields(original, current) {
  const out = {};
  for (const [k, v] of Object.entries(current)) {
    if (JSON.stringify(v) !== JSON.stringify(original?.[k])) out[k] = v;
  }
  return out;
}
