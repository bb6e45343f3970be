// Loading the organisation tree lazily, shared by the organisation page and
// the organisation picker. The top of the tree is the user's own
// organisation (their data scope starts there); when the user has none the
// city root(s) are used. Children are fetched per node (page_size 200, the
// contract's maximum; a node with more children shows a "more" hint).
import { ref } from 'vue';
import { orgApi } from '@/modules/identity/api.js';

export const CHILD_PAGE = 200;

function node(o) {
  return {
    id: o.id,
    name: o.name,
    type: o.type,
    status: o.status,
    child_count: o.child_count,
    // unknown child_count: let the user expand and find out
    leaf: typeof o.child_count === 'number' ? o.child_count === 0 : Array.isArray(o.children) ? o.children.length === 0 : false,
  };
}

/** The top nodes for the current user. */
export async function loadRoots(user) {
  if (user?.org_id) {
    try {
      const t = await orgApi.tree(user.org_id, 1);
      return [node(t)];
    } catch (e) {
      if (e.status !== 404 && e.status !== 403) throw e;
    }
  }
  const r = await orgApi.list({ type: 'city', page_size: CHILD_PAGE });
  return (r.items || []).map(node);
}

/** Children of one node, and whether there are more than one page holds. */
export async function loadChildren(id, extra = {}) {
  const r = await orgApi.list({ parent_id: id, page_size: CHILD_PAGE, ...extra });
  return { nodes: (r.items || []).map(node), more: (r.total || 0) > (r.items || []).length };
}

/** Searching organisations as the user types (name, code or the name's
 *  pinyin, GET /orgs?q= within the caller's scope), debounced, stale answers
 *  dropped: { hits, more, searching, search(keyword), reset() }.
 *  query: extra list parameters; keep(o): which hits to show. */
export function useOrgSearch({ query = {}, keep = () => true } = {}) {
  const hits = ref([]);
  const more = ref(false);
  const searching = ref(false);
  let timer = null;
  let seq = 0;
  function reset() {
    seq++;
    clearTimeout(timer);
    hits.value = [];
    more.value = false;
    searching.value = false;
  }
  function search(keyword) {
    const kw = (keyword || '').trim();
    reset();
    if (!kw) return;
    searching.value = true;
    const my = seq;
    timer = setTimeout(async () => {
      try {
        const r = await orgApi.list({ ...query, q: kw });
        if (my !== seq) return;
        hits.value = (r.items || []).filter(keep);
        more.value = (r.total || 0) > hits.value.length;
      } catch {
        if (my === seq) hits.value = [];
      } finally {
        if (my === seq) searching.value = false;
      }
    }, 250);
  }
  return { hits, more, searching, search, reset };
}
