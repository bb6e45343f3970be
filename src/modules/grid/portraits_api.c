/* portraits_api.c — portraits (整体画像) of the service sites: per site,
 * street, district or the city (whatever the caller's scope holds), over
 * a period of whole months: activities per month and by type, people
 * reached, the contracted organisations and how many took part (coverage
 * rate), the commissioners serving by category, and the activity rate of
 * the sites (those with at least one activity). And the indicators of
 * every site at once, for the dashboard's map. Every figure is one query
 * over indexed columns (bench/portrait.mjs). Each answer is kept in the
 * module's cache (cache.c) under its scope, period and the version of the
 * data (grid_portrait_version, moved on by triggers in the transaction of
 * every write that can change a figure: migration 0510), and answered from
 * it — or 304 — until that version moves. */
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/grid/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MONTHS 24
/* the months' numbers as SQL text (the CASE's results) */
static const char *const MONTH_INDEX[MAX_MONTHS] = {"0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",
                                                    "8",  "9",  "10", "11", "12", "13", "14", "15",
                                                    "16", "17", "18", "19", "20", "21", "22", "23"};
#define SH_OFFSET_MS (8 * 3600 * 1000LL) /* Shanghai, UTC+8, no daylight saving */

/* 00:00 on the first of the month holding ms (Shanghai), moved by add months. */
static int64_t month_start(int64_t ms, int add)
{
    time_t t = (time_t)((ms + SH_OFFSET_MS) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    int m = tm.tm_year * 12 + tm.tm_mon + add;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = m / 12;
    tm.tm_mon = m % 12;
    tm.tm_mday = 1;
    return (int64_t)timegm(&tm) * 1000 - SH_OFFSET_MS;
}

/* The period: whole months from the month of ?from to the month before
 * ?to's (default: the twelve months up to this one). The month starts into
 * b[0..n] (n months); false after answering 422. */
static bool period(http_req_t *req, int64_t *b, int *n)
{
    const char *f = http_query(req, "from"), *t = http_query(req, "to");
    int64_t from = 0, to = 0;
    if (t)
        time_parse_iso8601(t, &to);
    else
        to = month_start(time_now_ms(), 1);
    to = month_start(to - 1, 1);
    if (f)
        time_parse_iso8601(f, &from);
    else
        from = month_start(to, -12);
    from = month_start(from, 0);
    *n = 0;
    for (int64_t m = from; m < to && *n <= MAX_MONTHS; m = month_start(m, 1))
        b[(*n)++] = m;
    if (!*n || *n > MAX_MONTHS) {
        http_error_fields(req, json_pack("{s:s}", "from", "期间须为 1~24 个整月"));
        return false;
    }
    b[*n] = to;
    return true;
}

/* " AND <site alias s> is the site, or under the organisation, asked for" */
static void narrow(http_req_t *req, qb_t *w)
{
    int64_t site = http_query_i64(req, "site_id", 0), org = http_query_i64(req, "org_id", 0);
    if (site) {
        qb_sql(w, " AND s.id = ");
        qb_int(w, site);
    }
    if (org) {
        qb_sql(w, " AND o.path LIKE (SELECT x.path FROM orgs x WHERE x.id = ");
        qb_int(w, org);
        qb_sql(w, ") || '%'");
    }
}

/* The identity of this answer in the cache — its kind, the caller's
 * scope narrowed as asked (?site_id, ?org_id) and the period b[0..n] — into
 * *scope, and with the data's version, its ETag into *etag. true when the
 * request was answered here: 304, from the cache, or a database error. */
static bool answered(http_req_t *req, db_conn_t *c, const char *kind, const int64_t *b, int n,
                     uint64_t *scope, uint64_t *etag)
{
    qb_t w;
    res_from(req, &SITES, &w);
    narrow(req, &w);
    uint64_t h = grid_scope_hash(kind, &w);
    qb_free(&w);
    h = grid_hash(h, &b[0], sizeof b[0]);
    *scope = grid_hash(h, &b[n], sizeof b[n]);
    /* read before the figures: a write committed meanwhile moves it on,
     * so a body is never kept under a version older than its data's */
    db_stmt_t *st = db_prepare(c, "SELECT version FROM grid_portrait_version WHERE id = 1");
    int rc = st ? db_step(st) : DB_ERROR;
    int64_t v = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    if (rc != DB_ROW) {
        http_db_error(req, c);
        return true;
    }
    *etag = grid_hash(*scope, &v, sizeof v);
    return grid_cache_answer(req, kind, *etag);
}

/* Answers 200 with o (taken) and keeps it in the cache. */
static void answer(http_req_t *req, uint64_t scope, uint64_t etag, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) {
        http_error(req, 500, "internal", "无法生成响应");
        return;
    }
    /* level 1: a write makes the next request build it again */
    grid_cache_send(req, scope, etag, s, strlen(s), 1);
}

/* Runs q (freed) and hands each row to fn; false on a database error. */
static bool each_row(db_conn_t *c, qb_t *q, void (*fn)(db_stmt_t *, void *), void *ud)
{
    db_stmt_t *st = qb_prepare(c, q);
    qb_free(q);
    if (!st)
        return false;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(st, ud);
    db_done(st);
    return rc == DB_DONE;
}

typedef struct {
    json_t *o;
} portrait_t;

/* o[whole] = the row's first column, o[part] = its second, o[rate] = part / whole (0 when none) */
static void put_share(json_t *o, db_stmt_t *st, const char *whole, const char *part, const char *rate)
{
    int64_t w = db_col_int64(st, 0), n = db_col_int64(st, 1);
    json_object_set_new(o, whole, json_integer(w));
    json_object_set_new(o, part, json_integer(n));
    json_object_set_new(o, rate, json_real(w ? (double)n / (double)w : 0));
}

/* adds a row's activities and people reached to o's running totals */
static void add_counts(json_t *o, int64_t acts, int64_t people)
{
    json_object_set_new(o, "activities", json_integer(jint(o, "activities", 0) + acts));
    json_object_set_new(o, "people_reached", json_integer(jint(o, "people_reached", 0) + people));
}

static void sites_row(db_stmt_t *st, void *ud)
{
    put_share(((portrait_t *)ud)->o, st, "sites", "active_sites", "activity_rate");
}

/* a row (type, month, activities, people): into the month, the type and
 * the totals */
static void acts_row(db_stmt_t *st, void *ud)
{
    portrait_t *p = ud;
    const char *type = db_col_text(st, 0);
    int64_t acts = db_col_int64(st, 2), people = db_col_int64(st, 3);
    json_t *m = json_array_get(json_object_get(p->o, "by_month"), (size_t)db_col_int64(st, 1)),
           *types = json_object_get(p->o, "by_type"), *t = NULL, *x;
    add_counts(m, acts, people);
    size_t i;
    json_array_foreach(types, i, x) if (!strcmp(jstr(x, "type"), type)) t = x;
    if (!t) {
        t = json_pack("{s:s,s:I,s:I}", "type", type, "activities", (json_int_t)0, "people_reached",
                      (json_int_t)0);
        json_array_append_new(types, t);
    }
    add_counts(t, acts, people);
    add_counts(p->o, acts, people);
}

static void orgs_row(db_stmt_t *st, void *ud)
{
    put_share(((portrait_t *)ud)->o, st, "contracted_orgs", "covered_orgs", "coverage_rate");
}

static void comm_row(db_stmt_t *st, void *ud)
{
    json_t *o = ((portrait_t *)ud)->o;
    json_array_append_new(json_object_get(o, "commissioners_by_category"),
                          json_pack("{s:o,s:I}", "category", json_col_text(st, 0), "commissioners",
                                    (json_int_t)db_col_int64(st, 1)));
    json_object_set_new(o, "commissioners", json_integer(jint(o, "commissioners", 0) + db_col_int64(st, 1)));
}

/* " AND a.held_at >= b[0] AND a.held_at < b[n]" */
static void in_period(qb_t *q, const int64_t *b, int n)
{
    qb_sql(q, " AND a.held_at >= ");
    qb_int(q, b[0]);
    qb_sql(q, " AND a.held_at < ");
    qb_int(q, b[n]);
}

static void portrait(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t b[MAX_MONTHS + 2];
    int n;
    uint64_t scope, etag;
    if (!period(req, b, &n) || answered(req, c, "pt", b, n, &scope, &etag))
        return;
    char from[32], to[32];
    portrait_t p = {
        .o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:[],s:[],s:[]}", "from", time_iso8601(b[0], from, sizeof from),
                       "to", time_iso8601(b[n], to, sizeof to), "activities", (json_int_t)0, "people_reached",
                       (json_int_t)0, "commissioners", (json_int_t)0, "by_month", "by_type",
                       "commissioners_by_category"),
    };
    for (int i = 0; i < n; i++) {
        char m[32];
        time_iso8601(b[i], m, sizeof m);
        m[7] = 0;
        json_array_append_new(json_object_get(p.o, "by_month"),
                              json_pack("{s:s,s:I,s:I}", "month", m, "activities", (json_int_t)0,
                                        "people_reached", (json_int_t)0));
    }
    http_defer_json(req, p.o);
    qb_t w, q;
    /* the sites, and those active in the period */
    res_from(req, &SITES, &w);
    narrow(req, &w);
    qb_init(
        &q,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM site_activities a WHERE a.site_id = "
        "s.id AND a.deleted_at IS NULL");
    in_period(&q, b, n);
    qb_sql(&q, ") THEN 1 ELSE 0 END), 0)");
    qb_append(&q, &w);
    qb_free(&w);
    bool ok = each_row(c, &q, sites_row, &p);
    /* the activities by type and month in one pass: the month is the
     * first bound the date is below (n - 1 bound parameters) */
    if (ok) {
        res_from(req, &SITE_ACTIVITIES, &w);
        narrow(req, &w);
        in_period(&w, b, n);
        qb_init(&q, "SELECT a.type, CASE");
        for (int i = 1; i < n; i++) {
            qb_sql(&q, " WHEN a.held_at < ");
            qb_int(&q, b[i]);
            qb_sql(&q, " THEN ");
            qb_sql(&q, MONTH_INDEX[i - 1]);
        }
        qb_sql(&q, n > 1 ? " ELSE " : " WHEN 1 = 1 THEN ");
        qb_sql(&q, MONTH_INDEX[n - 1]);
        qb_sql(&q, " END, COUNT(*), COALESCE(SUM(a.people_reached), 0)");
        qb_append(&q, &w);
        qb_free(&w);
        qb_sql(&q, " GROUP BY 1, 2");
        ok = each_row(c, &q, acts_row, &p);
    }
    /* the organisations contracted now, and those that took part */
    if (ok) {
        res_from(req, &SITE_CONTRACTS, &w);
        narrow(req, &w);
        qb_init(
            &q,
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM site_activity_orgs ao JOIN "
            "site_activities a ON a.id = ao.activity_id WHERE ao.org_id = b.org_id AND a.site_id = s.id AND "
            "a.deleted_at IS NULL");
        in_period(&q, b, n);
        qb_sql(&q, ") THEN 1 ELSE 0 END), 0)");
        qb_append(&q, &w);
        qb_free(&w);
        ok = each_row(c, &q, orgs_row, &p);
    }
    /* the commissioners serving these sites, by category */
    if (ok) {
        res_from(req, &SITES, &w);
        narrow(req, &w);
        qb_init(&q,
                "SELECT m.category, COUNT(*) FROM commissioners m WHERE m.deleted_at IS NULL AND EXISTS "
                "(SELECT 1 FROM site_commissioners x WHERE x.commissioner_id = m.id AND x.unbound_at IS NULL "
                "AND x.site_id IN (SELECT s.id");
        qb_append(&q, &w);
        qb_free(&w);
        qb_sql(&q, ")) GROUP BY m.category ORDER BY m.category");
        ok = each_row(c, &q, comm_row, &p);
    }
    if (!ok) {
        http_db_error(req, c);
        return;
    }
    answer(req, scope, etag, json_incref(p.o));
}

/* ---- every site's indicators (the dashboard's map) ---- */

typedef struct {
    int64_t site, grid, acts, people, orgs, covered, comm;
    double lon, lat;
    json_t *name, *district; /* the map's form only */
} ind_t;

typedef struct {
    ind_t *v;
    size_t n, cap;
    bool map; /* the rows carry the location, name and district */
    struct {
        char *path, *name;
    } d[64]; /* the districts (the map's form) */
    size_t nd;
} inds_t;

/* the districts' paths and names into x->d; false on a database error */
static bool districts_load(db_conn_t *c, inds_t *x)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT path, COALESCE(short_name, name) FROM orgs WHERE type = 'district' ORDER BY id");
    if (!st)
        return false;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        if (x->nd < VN(x->d) && db_col_text(st, 0) && db_col_text(st, 1)) {
            x->d[x->nd].path = strdup(db_col_text(st, 0));
            x->d[x->nd].name = strdup(db_col_text(st, 1));
            x->nd++;
        }
    db_done(st);
    return rc == DB_DONE;
}

static void ind_site_row(db_stmt_t *st, void *ud)
{
    inds_t *x = ud;
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 256;
        x->v = realloc(x->v, x->cap * sizeof *x->v);
        if (!x->v)
            abort();
    }
    ind_t *r = &x->v[x->n++];
    memset(r, 0, sizeof *r);
    r->site = db_col_int64(st, 0);
    r->grid = db_col_int64(st, 1);
    if (x->map) {
        r->lon = db_col_double(st, 2);
        r->lat = db_col_double(st, 3);
        r->name = json_col_text(st, 4);
        const char *path = db_col_text(st, 5);
        for (size_t i = 0; path && i < x->nd && !r->district; i++)
            if (!strncmp(path, x->d[i].path, strlen(x->d[i].path)))
                r->district = json_string(x->d[i].name);
        if (!r->district)
            r->district = json_null();
    }
}

/* the site's row (the rows are by id), NULL when not among them */
static ind_t *ind_find(inds_t *x, int64_t site)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->v[mid].site < site)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->n && x->v[lo].site == site ? &x->v[lo] : NULL;
}

static void ind_acts_row(db_stmt_t *st, void *ud)
{
    ind_t *r = ind_find(ud, db_col_int64(st, 0));
    if (r) {
        r->acts = db_col_int64(st, 1);
        r->people = db_col_int64(st, 2);
    }
}

static void ind_orgs_row(db_stmt_t *st, void *ud)
{
    ind_t *r = ind_find(ud, db_col_int64(st, 0));
    if (r) {
        r->orgs = db_col_int64(st, 1);
        r->covered = db_col_int64(st, 2);
    }
}

static void ind_comm_row(db_stmt_t *st, void *ud)
{
    ind_t *r = ind_find(ud, db_col_int64(st, 0));
    if (r)
        r->comm = db_col_int64(st, 1);
}

static void inds_free(inds_t *x)
{
    for (size_t i = 0; i < x->n; i++) {
        json_decref(x->v[i].name);
        json_decref(x->v[i].district);
    }
    free(x->v);
    for (size_t i = 0; i < x->nd; i++) {
        free(x->d[i].path);
        free(x->d[i].name);
    }
}

/* Every site in the scope (narrowed by ?site_id / ?org_id) with its
 * indicators over the period b[0..n]: one grouped query per indicator,
 * each with the caller's scope inside, merged by site id here (not a
 * subquery per site and indicator). false on a database error. */
static bool indicators(http_req_t *req, db_conn_t *c, const int64_t *b, int n, inds_t *x)
{
    qb_t w, q;
    res_from(req, &SITES, &w);
    narrow(req, &w);
    /* the district's name by the organisation's path, looked up here (not a
     * correlated subquery per site) */
    if (x->map && !districts_load(c, x))
        return false;
    qb_init(&q, x->map ? "SELECT s.id, s.grid_id, s.lon, s.lat, s.name, o.path" : "SELECT s.id, s.grid_id");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " ORDER BY s.id");
    if (!each_row(c, &q, ind_site_row, x))
        return false;
    if (!x->n)
        return true;
    /* activities and people reached */
    res_from(req, &SITE_ACTIVITIES, &w);
    narrow(req, &w);
    in_period(&w, b, n);
    qb_init(&q, "SELECT a.site_id, COUNT(*), COALESCE(SUM(a.people_reached), 0)");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " GROUP BY a.site_id");
    if (!each_row(c, &q, ind_acts_row, x))
        return false;
    /* the organisations contracted now, and those that took part */
    res_from(req, &SITE_CONTRACTS, &w);
    narrow(req, &w);
    qb_init(&q,
            "SELECT b.site_id, COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM site_activity_orgs ao "
            "JOIN site_activities a ON a.id = ao.activity_id WHERE ao.org_id = b.org_id AND a.site_id = "
            "b.site_id AND a.deleted_at IS NULL");
    in_period(&q, b, n);
    qb_sql(&q, ") THEN 1 ELSE 0 END), 0)");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, " GROUP BY b.site_id");
    if (!each_row(c, &q, ind_orgs_row, x))
        return false;
    /* the commissioners serving each */
    res_from(req, &SITES, &w);
    narrow(req, &w);
    qb_init(&q, "SELECT x.site_id, COUNT(*) FROM site_commissioners x JOIN commissioners m ON m.id = "
                "x.commissioner_id WHERE x.unbound_at IS NULL AND m.deleted_at IS NULL AND x.site_id IN "
                "(SELECT s.id");
    qb_append(&q, &w);
    qb_free(&w);
    qb_sql(&q, ") GROUP BY x.site_id");
    return each_row(c, &q, ind_comm_row, x);
}

static double rate(int64_t part, int64_t whole) { return whole ? (double)part / (double)whole : 0.0; }

/* Every site in the scope with its indicators over the period. */
static void site_indicators(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t b[MAX_MONTHS + 2];
    int n;
    uint64_t scope, etag;
    if (!period(req, b, &n) || answered(req, c, "ps", b, n, &scope, &etag))
        return;
    inds_t x = {0};
    if (!indicators(req, c, b, n, &x)) {
        inds_free(&x);
        http_db_error(req, c);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < x.n; i++) {
        const ind_t *r = &x.v[i];
        json_array_append_new(items,
                              json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I}", "site_id", (json_int_t)r->site,
                                        "grid_id", (json_int_t)r->grid, "activities", (json_int_t)r->acts,
                                        "people_reached", (json_int_t)r->people, "orgs", (json_int_t)r->orgs,
                                        "covered_orgs", (json_int_t)r->covered, "coverage_rate",
                                        rate(r->covered, r->orgs), "commissioners", (json_int_t)r->comm));
    }
    inds_free(&x);
    answer(req, scope, etag,
           json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* The columns of a row of GET /site-portraits/map, in order. */
static const char *const MAP_COLUMNS[] = {"site_id", "grid_id",       "lon",          "lat",
                                          "name",    "district_name", "activities",   "people_reached",
                                          "orgs",    "covered_orgs",  "commissioners"};

/* Every site in the scope for the map in one compact answer: a row is an
 * array in the order of "columns" (no key repeated 20,000 times). */
static void site_map(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    int64_t b[MAX_MONTHS + 2];
    int n;
    uint64_t scope, etag;
    if (!period(req, b, &n) || answered(req, c, "pm", b, n, &scope, &etag))
        return;
    inds_t x = {.map = true};
    if (!indicators(req, c, b, n, &x)) {
        inds_free(&x);
        http_db_error(req, c);
        return;
    }
    json_t *items = json_array(), *cols = json_array();
    for (size_t i = 0; i < VN(MAP_COLUMNS); i++)
        json_array_append_new(cols, json_string(MAP_COLUMNS[i]));
    for (size_t i = 0; i < x.n; i++) {
        ind_t *r = &x.v[i];
        /* ~1 m: five decimals of a degree */
        json_array_append_new(items,
                              json_pack("[I,I,f,f,O,O,I,I,I,I,I]", (json_int_t)r->site, (json_int_t)r->grid,
                                        round(r->lon * 1e5) / 1e5, round(r->lat * 1e5) / 1e5, r->name,
                                        r->district, (json_int_t)r->acts, (json_int_t)r->people,
                                        (json_int_t)r->orgs, (json_int_t)r->covered, (json_int_t)r->comm));
    }
    inds_free(&x);
    answer(req, scope, etag,
           json_pack("{s:o,s:o,s:I}", "columns", cols, "items", items, "total",
                     (json_int_t)json_array_size(items)));
}

static const vfield_t PORTRAIT_QUERY[] = {
    {"site_id", V_ID, .title = "阵地（一个阵地的画像）"},
    {"org_id", V_ID, .title = "区或街道（其下阵地的画像；不填：您管理范围内的全部）"},
    {"from", V_TIME, .title = "期间起（所在月的 1 日）"},
    {"to", V_TIME, .title = "期间止（不含；不填：本月末）"},
};
static const vfield_t PORTRAIT_OUT[] = {
    {"from", V_TIME, .title = "期间起"},
    {"to", V_TIME, .title = "期间止（不含）"},
    {"sites", V_INT, .title = "阵地数"},
    {"active_sites", V_INT, .title = "期间内有活动的阵地数"},
    {"activity_rate", V_NUM, .title = "阵地活跃率"},
    {"activities", V_INT, .title = "活动次数"},
    {"people_reached", V_INT, .title = "服务人数"},
    {"by_month", V_ARRAY, .title = "各月 [{month, activities, people_reached}]"},
    {"by_type", V_ARRAY, .title = "各类活动 [{type, activities, people_reached}]"},
    {"contracted_orgs", V_INT, .title = "包干组织数"},
    {"covered_orgs", V_INT, .title = "期间内参与过活动的包干组织数"},
    {"coverage_rate", V_NUM, .title = "包干组织覆盖率"},
    {"commissioners", V_INT, .title = "在阵地服务的专员数"},
    {"commissioners_by_category", V_ARRAY, .title = "各类专员 [{category, commissioners}]"},
};
static const vfield_t INDICATOR_OUT[] = {
    {"site_id", V_ID},
    {"grid_id", V_ID},
    {"activities", V_INT, .title = "活动次数"},
    {"people_reached", V_INT, .title = "服务人数"},
    {"orgs", V_INT, .title = "包干组织数"},
    {"covered_orgs", V_INT, .title = "参与过活动的包干组织数"},
    {"coverage_rate", V_NUM, .title = "包干组织覆盖率"},
    {"commissioners", V_INT, .title = "专员数"},
};

static const vfield_t MAP_OUT[] = {
    {"columns", V_ARRAY, .title = "各列的名称"},
    {"items", V_ARRAY, .title = "各阵地一行（数组，按 columns 的顺序）"},
    {"total", V_INT, .title = "阵地数"},
};

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/site-portraits", .handler = portrait, .perm = "site.read",
     .summary = "阵地整体画像", .resource = &SITES, HTTP_QUERY(PORTRAIT_QUERY), HTTP_OUT(PORTRAIT_OUT),
     .notes = "one site (site_id), the sites under a district or street (org_id), or every site in the caller's "
              "scope (the city for the city); whole months, at most 24 (422)"},
    {.method = "GET", .pattern = "/api/v1/site-portraits/sites", .handler = site_indicators, .perm = "site.read",
     .summary = "各阵地指标（看板地图）", .resource = &SITES, HTTP_QUERY(PORTRAIT_QUERY), HTTP_OUT(INDICATOR_OUT),
     .notes = "every site in the scope at once: {items, total}"},
    {.method = "GET", .pattern = "/api/v1/site-portraits/map", .handler = site_map, .perm = "site.read",
     .summary = "看板地图的阵地点位与指标", .resource = &SITES, HTTP_QUERY(PORTRAIT_QUERY), HTTP_OUT(MAP_OUT),
     .notes = "every site in the scope in one compact answer for the map's markers: {columns, items, total}, each "
              "item an array in the order of columns (site_id, grid_id, lon, lat, name, district_name, activities, "
              "people_reached, orgs, covered_orgs, commissioners); lon/lat rounded to 1e-5 degree (~1 m)"},
};
// clang-format on

int grid_portrait_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
