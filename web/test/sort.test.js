// Sorting lists on the server: DataTable turns a click on a sortable column
// into ?sort=key (ascending), ?sort=-key (descending), none (the third
// click), back on page 1; and the list pages mark exactly the columns whose
// prop is one of their route's sort keys (x-sort-keys of the `sort`
// parameter in GET /api/v1/openapi.json; the fixture is checked against the
// live server by tests/e2e/kit.test.mjs) with sortable="custom".
import { describe, it, expect } from 'vitest';
import { createApp, h, nextTick } from 'vue';
import { ElTableColumn } from 'element-plus';
import DataTable from '../src/components/DataTable.vue';
import sortKeys from './fixtures/sort-keys.json';

const flush = async () => {
  for (let i = 0; i < 5; i++) {
    await nextTick();
    await new Promise((r) => setTimeout(r, 0));
  }
};

describe('DataTable', () => {
  it('sends sort=key, then sort=-key, then no sort, each from page 1', async () => {
    const calls = [];
    const fetch = async (q) => {
      calls.push({ ...q });
      return { items: [{ id: 1, name: '甲', code: 'A' }, { id: 2, name: '乙', code: 'B' }], total: 45, page: q.page, page_size: q.page_size };
    };
    const el = document.createElement('div');
    document.body.appendChild(el);
    let table;
    const app = createApp({
      render: () =>
        h(DataTable, { fetch, filters: { q: '张' }, ref: (r) => (table = r) }, {
          default: () => [h(ElTableColumn, { prop: 'name', label: '名称', sortable: 'custom' }), h(ElTableColumn, { prop: 'code', label: '编码' })],
        }),
    });
    app.mount(el);
    await flush();
    expect(calls).toEqual([{ q: '张', page: 1, page_size: 20 }]);
    // on page 3, a sort starts again from page 1
    table.page = 3;
    await table.reload();
    const header = () => [...el.querySelectorAll('th')].find((th) => th.textContent.includes('名称'));
    expect(header().classList.contains('is-sortable')).toBe(true);
    expect([...el.querySelectorAll('th')].find((th) => th.textContent.includes('编码')).classList.contains('is-sortable')).toBe(false);
    header().querySelector('.cell').click();
    await flush();
    expect(calls.at(-1)).toEqual({ q: '张', page: 1, page_size: 20, sort: 'name' });
    header().querySelector('.cell').click();
    await flush();
    expect(calls.at(-1)).toEqual({ q: '张', page: 1, page_size: 20, sort: '-name' });
    // paging keeps the order
    table.page = 2;
    await table.reload();
    expect(calls.at(-1)).toEqual({ q: '张', page: 2, page_size: 20, sort: '-name' });
    header().querySelector('.cell').click();
    await flush();
    expect(calls.at(-1)).toEqual({ q: '张', page: 1, page_size: 20 });
    app.unmount();
    el.remove();
  });
});

// the list pages: each DataTable of a file, in order, and the route it lists
const TABLES = {
  'modules/identity/views/user/UserList.vue': ['GET /api/v1/users'],
  'modules/identity/views/org/OrgPage.vue': ['GET /api/v1/orgs', 'GET /api/v1/orgs/{id}/history'],
  'modules/identity/views/session/SessionList.vue': ['GET /api/v1/sessions'],
  'modules/identity/views/audit/AuditLog.vue': ['GET /api/v1/audit'],
  'modules/system/views/jobs/JobsPage.vue': ['GET /api/v1/schedules', 'GET /api/v1/jobs', 'GET /api/v1/job-runs'],
  'modules/proofread/views/lexicon/LexiconList.vue': ['GET /api/v1/lexicons'],
  'modules/proofread/views/lexicon/LexiconDetail.vue': ['GET /api/v1/lexicons/{id}/entries'],
  'modules/proofread/views/lexicon/LexiconHistory.vue': ['GET /api/v1/lexicons/{id}/history'],
  'modules/proofread/views/VideoCheck.vue': ['GET /api/v1/proofread/video'],
  'modules/proofread/views/HistoryList.vue': ['GET /api/v1/proofread/history'],
  'modules/storage/views/SpacePage.vue': ['GET /api/v1/storage/files'],
  'modules/storage/views/DownloadCenter.vue': ['GET /api/v1/storage/files'],
  'modules/storage/views/TrashPage.vue': ['GET /api/v1/storage/trash', 'GET /api/v1/storage/trash'],
  'modules/storage/views/ShareList.vue': ['GET /api/v1/storage/shares'],
  'modules/storage/views/TransferLog.vue': ['GET /api/v1/storage/transfers'],
  'modules/storage/views/UsagePage.vue': ['GET /api/v1/storage/usage'],
  'modules/storage/views/IntegrityPage.vue': ['GET /api/v1/storage/integrity/findings'],
  'modules/notify/views/NotificationCenter.vue': ['GET /api/v1/notifications'],
  'modules/live/views/StreamsPage.vue': ['GET /api/v1/live/streams'],
  'modules/lecture/views/LecturesPage.vue': ['GET /api/v1/lecture/lectures'],
  'modules/course/views/CoursesPage.vue': ['GET /api/v1/course/courses'],
  // shared by the course and lecture pages: one table, the two routes' sort keys must agree (below)
  'modules/course/components/RatingsTable.vue': ['GET /api/v1/course/ratings'],
  'modules/lecture/components/SessionBookings.vue': ['GET /api/v1/lecture/bookings'],
  'modules/grid/views/GridsPage.vue': ['GET /api/v1/grids'],
  'modules/grid/views/SitesPage.vue': ['GET /api/v1/sites'],
  'modules/grid/views/CommissionersPage.vue': ['GET /api/v1/commissioners'],
  'modules/grid/views/ActivitiesPage.vue': ['GET /api/v1/site-activities'],
  'modules/grid/views/BigdataPage.vue': ['GET /api/v1/bigdata/runs', 'GET /api/v1/bigdata/outbox', 'GET /api/v1/bigdata/org-map'],
  'modules/review/views/ReviewQueue.vue': ['GET /api/v1/review/queue'],
  'modules/review/views/ReviewItems.vue': ['GET /api/v1/review/items'],
  'modules/submission/views/articles/ArticleList.vue': ['GET /api/v1/articles'],
  'modules/submission/views/photos/PhotoSetList.vue': ['GET /api/v1/photo-sets'],
  'modules/submission/views/videos/VideoList.vue': ['GET /api/v1/videos'],
  'modules/kb/views/KbListPage.vue': ['GET /api/v1/kb'],
  'modules/kb/views/DocsPanel.vue': ['GET /api/v1/kb/{id}/documents'],
  'modules/kb/views/ChunksPanel.vue': ['GET /api/v1/kb/{id}/chunks'],
};
const sources = import.meta.glob('../src/**/*.vue', { query: '?raw', import: 'default', eager: true });

/** [{ columns: [{prop, sortable}] }] for each <DataTable> … </DataTable> of a template */
function tablesOf(text) {
  const out = [];
  for (const m of text.matchAll(/<DataTable\b[\s\S]*?<\/DataTable>/g)) {
    const columns = [];
    for (const c of m[0].matchAll(/<el-table-column\b([^>]*)>/g)) {
      const attrs = c[1];
      columns.push({ prop: /\bprop="([^"]+)"/.exec(attrs)?.[1] || null, sortable: /\bsortable="custom"/.test(attrs), attrs });
    }
    out.push({ columns });
  }
  return out;
}

describe('sortable columns', () => {
  it('the shared tables\' routes of the two modules sort by the same keys', () => {
    expect(sortKeys['GET /api/v1/course/bookings']).toEqual(sortKeys['GET /api/v1/lecture/bookings']);
    expect(sortKeys['GET /api/v1/lecture/ratings']).toEqual(sortKeys['GET /api/v1/course/ratings']);
  });

  it('every list page with a DataTable is in the table above', () => {
    const withTables = Object.entries(sources)
      .filter(([file, text]) => /<DataTable\b/.test(text) && !file.endsWith('components/DataTable.vue'))
      .map(([file]) => file.replace('../src/', ''));
    expect(withTables.sort()).toEqual(Object.keys(TABLES).sort());
  });

  for (const [file, routes] of Object.entries(TABLES)) {
    it(`${file}: sortable="custom" exactly where the prop is a sort key`, () => {
      const tables = tablesOf(sources[`../src/${file}`]);
      expect(tables.length).toBe(routes.length);
      tables.forEach((t, i) => {
        const keys = sortKeys[routes[i]];
        expect(keys, routes[i]).toBeTruthy();
        for (const c of t.columns) {
          if (c.sortable) expect(c.prop, `${routes[i]}: a sortable column needs a prop (${c.attrs})`).toBeTruthy();
          if (c.prop) expect(c.sortable, `${routes[i]} column ${c.prop}`).toBe(keys.includes(c.prop));
        }
        expect(t.columns.some((c) => c.sortable), `${routes[i]} has a sortable column`).toBe(true);
      });
    });
  }
});
