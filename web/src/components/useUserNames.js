// Names for user ids in "who did it" columns (histories that carry only an
// actor id). The logged-in user is known; others are looked up once each
// with GET /users/{id} when the viewer may read users, else shown as
// "用户 #id". null means the system itself (seeding, scheduled jobs).
//
//   const { userName, resolve } = useUserNames();
//   resolve(rows.map(r => r.actor_id));   // after a page of rows arrived
//   {{ userName(row.actor_id) }}
import { reactive } from 'vue';
import { userApi } from '@/modules/identity/api.js';
import { useAuth } from '@/stores/auth.js';

export function useUserNames() {
  const auth = useAuth();
  const names = reactive({});
  const asked = new Set();

  function userName(id) {
    if (id === null || id === undefined) return '系统';
    if (names[id]) return names[id];
    if (auth.user?.id === id) return `${auth.user.name || auth.user.username}（本人）`;
    return `用户 #${id}`;
  }

  async function resolve(ids) {
    if (!auth.can('user.read')) return;
    const todo = [...new Set(ids)].filter((id) => id !== null && id !== undefined && id !== auth.user?.id && !asked.has(id));
    todo.forEach((id) => asked.add(id));
    await Promise.all(
      todo.map(async (id) => {
        try {
          const u = await userApi.get(id, { silent: true });
          names[id] = u.name ? `${u.name}（${u.username}）` : u.username;
        } catch {
          /* not visible to this viewer: keep the id */
        }
      }),
    );
  }

  return { userName, resolve };
}
