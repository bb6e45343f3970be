/* lexicon_api.c — lexicon management over HTTP (permissions lexicon.read /
 * lexicon.write):
 *   GET    /api/v1/lexicons                       ?category=&q=&enabled=
 *   POST   /api/v1/lexicons                       {"name","category","severity","description","enabled"} → 201
 *   GET    /api/v1/lexicons/{id}
 *   PATCH  /api/v1/lexicons/{id}                  same fields
 *   DELETE /api/v1/lexicons/{id}                  soft; built-in lexicons can only be disabled
 *   POST   /api/v1/lexicons/{id}/import           text/plain (word or word<TAB>suggestion per line) or .xlsx
 *   GET    /api/v1/lexicons/{id}/export           text/plain, the same format
 *   GET    /api/v1/lexicons/{id}/entries          ?q=
 *   POST   /api/v1/lexicons/{id}/entries          {"word","suggestion","severity","note"} → 201
 *   GET/PATCH/DELETE /api/v1/lexicons/{id}/entries/{entry_id}
 *   GET    /api/v1/lexicons/{id}/history          every change: who, when, what, version
 * Every change bumps the lexicon's version, is recorded in the history in
 * the same transaction, and is in force for the next check (the engine is
 * rebuilt before the answer). */
#include "auth/auth.h"
#include "auth/resource.h"
#include "core/log.h"
#include "core/mime.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/vec.h"
#include "core/xlsx.h"
#include "http/valid.h"
#include "modules/proofread/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const CATEGORIES[] = {"sensitive", "formulation", "typo", "custom", "whitelist", NULL};
static const char *const SEVERITIES[] = {"block", "warn", "info", NULL};
static const char *const REPEATS[] = {"default", "on", "off", NULL};

#define LEX_COLS                                                                                             \
    "id, name, category, severity, description, enabled, builtin, version, entry_count, created_by, "        \
    "updated_by, "                                                                                           \
    "created_at, updated_at, repeats, pinyin"
#define ENTRY_COLS                                                                                           \
    "e.id, e.lexicon_id, e.word, e.suggestion, e.severity, e.note, e.created_by, e.updated_by, "             \
    "e.created_at, "                                                                                         \
    "e.updated_at, l.severity"

static json_t *lex_json(db_stmt_t *st)
{
    pr_category_t cat = PR_CUSTOM;
    pr_category_parse(db_col_text(st, 2), &cat);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "category", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "category_title", json_string(pr_category_title(cat)));
    json_object_set_new(o, "severity", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "description", json_text_or_null(db_col_text(st, 4)));
    json_object_set_new(o, "enabled", json_boolean(db_col_bool(st, 5)));
    json_object_set_new(o, "builtin", json_boolean(!db_col_is_null(st, 6)));
    json_object_set_new(o, "version", json_integer(db_col_int64(st, 7)));
    json_object_set_new(o, "entry_count", json_integer(db_col_int64(st, 8)));
    json_object_set_new(o, "created_by", json_col_id(st, 9));
    json_object_set_new(o, "updated_by", json_col_id(st, 10));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 11)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 12)));
    json_object_set_new(o, "repeats", json_string(db_col_text(st, 13)));
    json_object_set_new(o, "pinyin", json_boolean(db_col_bool(st, 14)));
    return o;
}

static json_t *entry_json(db_stmt_t *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "lexicon_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "word", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "suggestion", json_text_or_null(db_col_text(st, 3)));
    json_object_set_new(o, "severity", json_text_or_null(db_col_text(st, 4)));
    json_object_set_new(o, "effective_severity",
                        json_string(db_col_text(st, 4) ? db_col_text(st, 4) : db_col_text(st, 10)));
    json_object_set_new(o, "note", json_text_or_null(db_col_text(st, 5)));
    json_object_set_new(o, "created_by", json_col_id(st, 6));
    json_object_set_new(o, "updated_by", json_col_id(st, 7));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 8)));
    json_object_set_new(o, "updated_at", json_time(db_col_int64(st, 9)));
    return o;
}

/* The lexicons are the city's: every check uses all of them, so holding
 * lexicon.read / lexicon.write is the whole rule. */
static const res_sort_t LEX_SORTS[] = {{"id", "l.id"},
                                       {"name", "l.name"},
                                       {"category", "l.category"},
                                       {"entry_count", "l.entry_count"},
                                       {"updated_at", "l.updated_at"},
                                       {NULL, NULL}};
static const zd_resource_t LEXICONS = {.name = "lexicon",
                                       .title = "词库",
                                       .table = "proofread_lexicons",
                                       .alias = "l",
                                       .where = "l.deleted_at IS NULL",
                                       .no_org = true,
                                       .no_creator = true,
                                       .sorts = LEX_SORTS};
static const res_sort_t ENTRY_SORTS[] = {
    {"id", "e.id"}, {"word", "e.word"}, {"updated_at", "e.updated_at"}, {NULL, NULL}};
static const zd_resource_t ENTRIES = {
    .name = "lexicon_entry",
    .title = "词条",
    .table = "proofread_entries",
    .alias = "e",
    .from = "proofread_entries e JOIN proofread_lexicons l ON l.id = e.lexicon_id",
    .where = "e.deleted_at IS NULL AND l.deleted_at IS NULL",
    .no_org = true,
    .no_creator = true,
    .sorts = ENTRY_SORTS};

static json_t *lex_row(db_stmt_t *st, void *ud);
static json_t *entry_row(db_stmt_t *st, void *ud);

static json_t *load_lexicon(http_req_t *req, db_conn_t *c, int64_t id)
{
    return res_load(req, c, &LEXICONS, LEX_COLS, id, lex_row, NULL, RES_PLAIN);
}

/* An entry of lexicon lex; NULL after answering 404/5xx. */
static json_t *load_entry(http_req_t *req, db_conn_t *c, int64_t lex, int64_t id)
{
    json_t *o = res_load(req, c, &ENTRIES, ENTRY_COLS, id, entry_row, NULL, RES_PLAIN);
    if (o && jint(o, "lexicon_id", 0) != lex) {
        json_decref(o);
        res_not_found(req, &ENTRIES);
        return NULL;
    }
    return o;
}

/* After a committed change: the next request must see it. */
static void reload(void)
{
    char err[256];
    if (proofread_engine_reload(false, err, sizeof err) != 0)
        log_msg(LOG_APP, LOG_ERROR, "proofread.reload_failed", "%s", err);
}

/* What a change answers with: the lexicon or the entry as it now is, or nothing. */
enum { ANSWER_NONE, ANSWER_LEXICON, ANSWER_ENTRY };

/* The end of every change: when ok (the change itself went through), the
 * lexicon's version, history and audit record, the answer read inside the
 * transaction (a read that fails after the commit would report a committed
 * change as failed), one commit, the engine rebuilt for the next check.
 * The answer (json_null() for ANSWER_NONE), or NULL after answering. */
static json_t *finish(http_req_t *req, db_conn_t *c, bool ok, int64_t lex, int64_t entry, const char *action,
                      const char *word, json_t *detail, int answer)
{
    if (!ok || proofread_lexicon_record(c, lex, entry, action, word, req, detail) != 0) {
        http_db_error(req, c);
        return NULL;
    }
    json_t *o = answer == ANSWER_LEXICON ? load_lexicon(req, c, lex)
                : answer == ANSWER_ENTRY ? load_entry(req, c, lex, entry)
                                         : json_null();
    if (o && db_commit(c) != 0) {
        json_decref(o);
        http_db_error(req, c);
        return NULL;
    }
    if (o)
        reload();
    return o;
}

static void bind_actor(db_stmt_t *st, int idx, http_req_t *req) { db_bind_id(st, idx, http_user_id(req)); }

/* ---- lexicons ---- */

static json_t *lex_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return lex_json(st);
}

static json_t *entry_row(db_stmt_t *st, void *ud)
{
    (void)ud;
    return entry_json(st);
}

static const vfield_t LEX_QUERY[] = {
    {"category", V_ENUM, .choices = CATEGORIES, .title = "类别"},
    {"enabled", V_BOOL, .title = "启用与否"},
    {"q", V_STR, .max = 100, .title = "名称包含"},
};

static void list_lexicons(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const char *cat = http_query(req, "category"), *q = http_query(req, "q"),
               *en = http_query(req, "enabled");
    qb_t w;
    res_from(req, &LEXICONS, &w);
    if (cat) {
        qb_sql(&w, " AND l.category = ");
        qb_text(&w, cat);
    }
    if (en) {
        qb_sql(&w, " AND l.enabled = ");
        qb_int(&w, http_query_bool(req, "enabled"));
    }
    if (q) {
        static const char *const cols[] = {"l.name"};
        qb_like_any(&w, cols, 1, q);
    }
    res_list(req, c, &LEXICONS, LEX_COLS, &w, "l.builtin IS NULL, l.id", lex_row, NULL);
    qb_free(&w);
}

static const vfield_t LEX_FIELDS[] = {
    {"name", V_STR, true, 1, 50, NULL, NULL, "名称"},
    {"category", V_ENUM, true, 0, 0, CATEGORIES, NULL, "类别"},
    {"severity", V_ENUM, true, 0, 0, SEVERITIES, NULL, "默认严重程度"},
    {"description", V_TEXT, false, 0, 500, NULL, NULL, "说明"},
    {"enabled", V_BOOL, false, 0, 0, NULL, NULL, "启用"},
    {"repeats", V_ENUM, false, 0, 0, REPEATS, NULL,
     "连续重复的字只算一次（如“法法轮轮功”）：default 敏感词词库开启、其他关闭，on 开启，off "
     "关闭；错别字词库从不"},
    {"pinyin", V_BOOL, false, 0, 0, NULL, NULL,
     "也按拼音（全拼 falungong、首字母 "
     "flg）和同音字（发轮功）匹配，默认关闭；仅敏感词、规范提法、自定义词库"},
};

static void create_lexicon(http_req_t *req)
{
    db_conn_t *c;
    if (!(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    int64_t now = time_now_ms(), id = 0;
    if (!http_begin(req, c))
        return;
    db_stmt_t *st =
        db_prepare(c, "INSERT INTO proofread_lexicons (name, category, severity, description, enabled, "
                      "org_id, created_by, updated_by, created_at, updated_at, repeats, pinyin) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    char *name = http_printf(req, "%s", jstr(b, "name"));
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, jstr(b, "category"));
    db_bind_text(st, 3, jstr(b, "severity"));
    db_bind_text(st, 4, jstr(b, "description"));
    db_bind_bool(st, 5, jbool(b, "enabled", true));
    db_bind_id(st, 6, http_user_org(req));
    bind_actor(st, 7, req);
    bind_actor(st, 8, req);
    db_bind_int64(st, 9, now);
    db_bind_int64(st, 10, now);
    db_bind_text(st, 11, jstr(b, "repeats") ? jstr(b, "repeats") : "default");
    db_bind_bool(st, 12, jbool(b, "pinyin", false));
    if (db_step(st) == DB_ROW)
        id = db_col_int64(st, 0);
    db_done(st);
    if (!id) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "conflict", "已有同名词库");
        else
            http_db_error(req, c);
        return;
    }
    /* the version starts at 1 with this record */
    st = db_prepare(c, "UPDATE proofread_lexicons SET version = 0 WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, id);
    int r = db_step(st);
    db_done(st);
    json_t *detail = http_defer_json(req, json_pack("{s:s,s:s,s:s}", "name", name, "category",
                                                    jstr(b, "category"), "severity", jstr(b, "severity")));
    json_t *o = finish(req, c, r == DB_DONE, id, 0, "lexicon.create", NULL, detail, ANSWER_LEXICON);
    if (o)
        http_json(req, 201, o);
}

static void get_lexicon(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = load_lexicon(req, c, id);
    if (o)
        http_json(req, 200, o);
}

static void patch_lexicon(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *b = http_json_body(req);
    json_t *before = load_lexicon(req, c, id);
    if (!before)
        return;
    http_defer_json(req, before);
    db_stmt_t *st =
        db_prepare(c, "UPDATE proofread_lexicons SET name = COALESCE(?, name), category = COALESCE(?, "
                      "category), severity = COALESCE(?, severity), description = CASE WHEN ? = 1 THEN ? "
                      "ELSE description END, enabled = COALESCE(?, enabled), repeats = COALESCE(?, repeats), "
                      "pinyin = COALESCE(?, pinyin) WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_text(st, 1, jstr(b, "name"));
    db_bind_text(st, 2, jstr(b, "category"));
    db_bind_text(st, 3, jstr(b, "severity"));
    db_bind_bool(st, 4, jhas(b, "description"));
    db_bind_text(st, 5, jstr(b, "description"));
    if (json_is_boolean(json_object_get(b, "enabled")))
        db_bind_bool(st, 6, jbool(b, "enabled", true));
    else
        db_bind_null(st, 6);
    db_bind_text(st, 7, jstr(b, "repeats"));
    if (json_is_boolean(json_object_get(b, "pinyin")))
        db_bind_bool(st, 8, jbool(b, "pinyin", false));
    else
        db_bind_null(st, 8);
    db_bind_int64(st, 9, id);
    int r = db_step(st);
    db_done(st);
    if (r != DB_DONE) {
        if (db_errcode(c) == DB_E_UNIQUE)
            http_error(req, 409, "conflict", "已有同名词库");
        else
            http_db_error(req, c);
        return;
    }
    /* record what changed */
    json_t *chg = http_defer_json(req, json_object());
    static const char *const keys[] = {"name",    "category", "severity", "description",
                                       "enabled", "repeats",  "pinyin"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *nv = json_object_get(b, keys[i]), *ov = json_object_get(before, keys[i]);
        if (jhas(b, keys[i]) && !json_equal(nv, ov))
            json_object_set_new(chg, keys[i], json_pack("{s:O,s:O}", "before", ov, "after", nv));
    }
    json_t *o = finish(req, c, true, id, 0, "lexicon.update", NULL, chg, ANSWER_LEXICON);
    if (o)
        http_json(req, 200, o);
}

static void delete_lexicon(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *o = load_lexicon(req, c, id);
    if (!o)
        return;
    bool builtin = json_is_true(json_object_get(o, "builtin"));
    json_t *detail = http_defer_json(req, json_pack("{s:O}", "name", json_object_get(o, "name")));
    json_decref(o);
    if (builtin) {
        http_error(req, 409, "builtin_lexicon", "内置词库不能删除，可以停用");
        return;
    }
    db_stmt_t *st = db_prepare(c, "UPDATE proofread_lexicons SET deleted_at = ? WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, time_now_ms());
    db_bind_int64(st, 2, id);
    int r = db_step(st);
    db_done(st);
    json_t *done = finish(req, c, r == DB_DONE, id, 0, "lexicon.delete", NULL, detail, ANSWER_NONE);
    if (done)
        http_no_content(req);
    json_decref(done);
}

/* ---- import ---- */

typedef struct {
    size_t line;
    char *word, *suggestion, *note;
    int severity;    /* -1: none given */
    const char *bad; /* reason when the row itself is malformed */
} row_t;

typedef struct {
    row_t *v;
    size_t n, cap;
    arena_t *a;
} rows_t;

static int rows_push(rows_t *r, const row_t *x)
{
    if (vec_reserve((void **)&r->v, &r->cap, r->n, sizeof *r->v, 1024) != 0)
        return -1;
    r->v[r->n++] = *x;
    return 0;
}

/* Trims ASCII white space and ideographic spaces in place. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if (!strncmp(s, "\xe3\x80\x80", 3))
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 3 && !strncmp(s + n - 3, "\xe3\x80\x80", 3))
            n -= 3;
        else
            break;
    }
    s[n] = 0;
    return s;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return false;
    return true;
}

/* text/plain: one entry per line, word or word<TAB>suggestion. */
static const char *parse_text(char *body, size_t len, rows_t *rows)
{
    if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3)) { /* BOM */
        body += 3;
        len -= 3;
    }
    size_t lineno = 0;
    for (char *line = body; line < body + len;) {
        char *nl = memchr(line, '\n', (size_t)(body + len - line));
        if (nl)
            *nl = 0;
        else
            line[body + len - line] = 0;
        lineno++;
        if (lineno > LEXICON_MAX_IMPORT_LINES)
            return "一次最多导入 200000 行";
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = 0;
        if (!blank(line)) {
            row_t r = {lineno, NULL, NULL, NULL, -1, NULL};
            char *tab = strchr(line, '\t');
            if (tab && strchr(tab + 1, '\t')) {
                r.bad = "每行只能有词条和建议两列（用一个 Tab 分隔）";
            } else {
                if (tab)
                    *tab = 0;
                r.word = trim(line);
                r.suggestion = tab ? trim(tab + 1) : NULL;
                if (r.suggestion && !*r.suggestion)
                    r.suggestion = NULL;
            }
            if (rows_push(rows, &r) != 0)
                return "内存不足";
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return NULL;
}

static const char *const HEADERS[] = {"词条",   "词语", "词",   "错误写法", "错误表述",
                                      "敏感词", "提法", "word", NULL};

static int xlsx_row(void *ud, size_t row, const char *const *cells, size_t n)
{
    rows_t *rows = ud;
    if (rows->n >= LEXICON_MAX_IMPORT_LINES)
        return 1;
    if (n == 0)
        return 0;
    char *w = trim(arena_strdup(rows->a, cells[0]));
    if (row == 1 && rows->n == 0) {
        for (int i = 0; HEADERS[i]; i++)
            if (!strcasecmp(w, HEADERS[i]))
                return 0; /* a header row */
    }
    row_t r = {row, w, NULL, NULL, -1, NULL};
    if (n > 1 && *cells[1])
        r.suggestion = trim(arena_strdup(rows->a, cells[1]));
    if (r.suggestion && !*r.suggestion)
        r.suggestion = NULL;
    if (n > 2 && *cells[2]) {
        static const char *const zh[] = {"提示", "警告", "阻断"};
        pr_severity_t sv;
        const char *s = cells[2];
        if (pr_severity_parse(s, &sv)) {
            r.severity = (int)sv;
        } else {
            for (int i = 0; i < 3; i++)
                if (!strcmp(s, zh[i]))
                    r.severity = i;
            if (r.severity < 0)
                r.bad = "级别应为 block、warn、info（阻断、警告、提示）之一";
        }
    }
    if (n > 3 && *cells[3])
        r.note = arena_strdup(rows->a, cells[3]);
    if (!*w && !r.suggestion && !r.note && r.severity < 0 && !r.bad)
        return 0; /* an empty row */
    return rows_push(rows, &r) != 0 ? 2 : 0;
}

/* An open-addressing set of normal forms → existing entry state. */
typedef struct {
    char **keys;
    int8_t *state; /* 1: live entry, 2: deleted entry, 3: added by this import */
    int64_t *ids;
    size_t cap;
} nset_t;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t nset_slot(const nset_t *s, const char *k)
{
    size_t i = (size_t)fnv(k) & (s->cap - 1);
    while (s->keys[i] && strcmp(s->keys[i], k))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static void import_entries(http_req_t *req, int64_t id, rows_t *rows, const char *format)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    if (!http_begin(req, c))
        return;
    json_t *lex = load_lexicon(req, c, id);
    if (!lex)
        return;
    json_decref(lex);
    json_t *lexicon = NULL; /* as it is after the import */
    nset_t set = {0};
    set.cap = 1024;
    while (set.cap < (rows->n + 1) * 4)
        set.cap *= 2;
    /* existing entries count too: size for them as well */
    int64_t existing = 0;
    db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM proofread_entries WHERE lexicon_id = ?");
    if (st) {
        db_bind_int64(st, 1, id);
        if (db_step(st) == DB_ROW)
            existing = db_col_int64(st, 0);
        db_done(st);
    }
    while (set.cap < (rows->n + (size_t)existing + 1) * 2)
        set.cap *= 2;
    set.keys = calloc(set.cap, sizeof *set.keys);
    set.state = calloc(set.cap, 1);
    set.ids = calloc(set.cap, sizeof *set.ids);
    json_t *errors = json_array();
    int64_t added = 0, dup = 0, invalid = 0, now = time_now_ms();
    bool ok = false;
    if (!set.keys || !set.state || !set.ids) {
        http_error(req, 500, "internal", "内存不足");
        goto out;
    }
    st = db_prepare(c, "SELECT id, norm, deleted_at FROM proofread_entries WHERE lexicon_id = ?");
    if (!st) {
        http_db_error(req, c);
        goto out;
    }
    db_bind_int64(st, 1, id);
    while (db_step(st) == DB_ROW) {
        const char *k = db_col_text(st, 1);
        size_t i = nset_slot(&set, k);
        if (!set.keys[i])
            set.keys[i] = arena_strdup(rows->a, k);
        set.state[i] = db_col_is_null(st, 2) ? 1 : 2;
        set.ids[i] = db_col_int64(st, 0);
    }
    db_done(st);
    for (size_t j = 0; j < rows->n; j++) {
        row_t *r = &rows->v[j];
        char *norm = NULL;
        const char *why = r->bad;
        if (!why)
            why = proofread_lexicon_check_word(r->word, &norm);
        if (!why)
            why = proofread_lexicon_check_suggestion(r->suggestion);
        if (!why && r->note && utf8_count(r->note, strlen(r->note)) > 200)
            why = "备注过长（最多 200 个字符）";
        if (why) {
            free(norm);
            invalid++;
            if (json_array_size(errors) < 100)
                json_array_append_new(errors,
                                      json_pack("{s:I,s:s}", "line", (json_int_t)r->line, "reason", why));
            continue;
        }
        size_t i = nset_slot(&set, norm);
        if (set.keys[i] && (set.state[i] == 1 || set.state[i] == 3)) {
            free(norm);
            dup++;
            continue;
        }
        const char *sev = r->severity >= 0 ? pr_severity_name((pr_severity_t)r->severity) : NULL;
        if (set.keys[i] && set.state[i] == 2) { /* deleted before: bring it back */
            st = db_prepare(c,
                            "UPDATE proofread_entries SET word = ?, suggestion = ?, severity = ?, note = ?, "
                            "deleted_at = NULL, updated_by = ?, updated_at = ? WHERE id = ?");
            if (st) {
                db_bind_text(st, 1, r->word);
                db_bind_text(st, 2, r->suggestion);
                db_bind_text(st, 3, sev);
                db_bind_text(st, 4, r->note);
                bind_actor(st, 5, req);
                db_bind_int64(st, 6, now);
                db_bind_int64(st, 7, set.ids[i]);
            }
        } else {
            st = db_prepare(
                c, "INSERT INTO proofread_entries (lexicon_id, word, norm, suggestion, severity, note, "
                   "created_by, updated_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            if (st) {
                db_bind_int64(st, 1, id);
                db_bind_text(st, 2, r->word);
                db_bind_text(st, 3, norm);
                db_bind_text(st, 4, r->suggestion);
                db_bind_text(st, 5, sev);
                db_bind_text(st, 6, r->note);
                bind_actor(st, 7, req);
                bind_actor(st, 8, req);
                db_bind_int64(st, 9, now);
                db_bind_int64(st, 10, now);
            }
            set.keys[i] = arena_strdup(rows->a, norm);
        }
        free(norm);
        int rr = st ? db_step(st) : DB_ERROR;
        db_done(st);
        if (rr != DB_DONE) {
            http_db_error(req, c);
            goto out;
        }
        set.state[i] = 3;
        added++;
    }
    json_t *detail =
        http_defer_json(req, json_pack("{s:s,s:I,s:I,s:I}", "format", format, "added", (json_int_t)added,
                                       "duplicate", (json_int_t)dup, "invalid", (json_int_t)invalid));
    lexicon =
        finish(req, c, proofread_lexicon_recount(c, id) == 0, id, 0, "import", NULL, detail, ANSWER_LEXICON);
    ok = lexicon != NULL;
out:
    free(set.keys);
    free(set.state);
    free(set.ids);
    if (!ok) {
        json_decref(errors);
        return;
    }
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:o}", "added", (json_int_t)added, "duplicate", (json_int_t)dup,
                          "invalid", (json_int_t)invalid, "lines", (json_int_t)rows->n, "errors", errors);
    json_object_set_new(o, "lexicon", lexicon);
    http_json(req, 200, o);
}

static const char *XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

static bool ctype_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static void import_lexicon(http_req_t *req)
{
    int64_t id;
    if (!http_param_id(req, "id", &id))
        return;
    size_t len;
    const char *body = http_body(req, &len);
    const char *ct = http_header_in(req, "Content-Type");
    rows_t rows = {.a = http_arena(req)};
    const char *why = NULL, *format;
    if (ctype_is(ct, "text/plain")) {
        format = "text";
        if (!utf8_valid(body, len)) {
            http_error(req, 400, "invalid_utf8", "导入内容不是有效的 UTF-8 文本");
            return;
        }
        if (memchr(body, 0, len)) {
            http_error(req, 400, "bad_request", "导入内容包含 NUL 字符");
            return;
        }
        char *copy = http_alloc(req, len + 1);
        memcpy(copy, body, len);
        copy[len] = 0;
        why = parse_text(copy, len, &rows);
    } else if (ctype_is(ct, XLSX_TYPE) || ctype_is(ct, "application/octet-stream")) {
        format = "xlsx";
        char mime[128];
        mime_sniff(body, len, mime, sizeof mime);
        if (strcmp(mime, XLSX_TYPE) != 0 && strcmp(mime, "application/zip") != 0 &&
            strcmp(mime, "application/octet-stream") != 0) {
            http_error(req, 415, "unsupported_media_type", "文件不是 .xlsx 表格（识别为 %s）", mime);
            return;
        }
        char err[200];
        xlsx_limits_t lim = {.max_rows = LEXICON_MAX_IMPORT_LINES + 1, .max_cols = 64};
        int rc = xlsx_read(body, len, &lim, xlsx_row, &rows, err, sizeof err);
        if (rc < 0) {
            free(rows.v);
            http_error(req, 400, "invalid_xlsx", "%s", err);
            return;
        }
        if (rc == 1)
            why = "一次最多导入 200000 行";
        else if (rc)
            why = "内存不足";
    } else {
        http_error(req, 415, "unsupported_media_type", "请以 text/plain（每行一个词条）或 .xlsx 表格导入");
        return;
    }
    if (why) {
        free(rows.v);
        http_error(req, 413, "too_many_lines", "%s", why);
        return;
    }
    import_entries(req, id, &rows, format);
    free(rows.v);
}

static void export_lexicon(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *lex = load_lexicon(req, c, id);
    if (!lex)
        return;
    const char *name = http_printf(req, "%s.txt", jstr(lex, "name"));
    json_decref(lex);
    audit_entry_t ae = {.target = id, .detail = name};
    if (!audit_req(req, &ae))
        return;
    db_stmt_t *st = db_prepare(c, "SELECT word, suggestion FROM proofread_entries WHERE lexicon_id = ? AND "
                                  "deleted_at IS NULL ORDER BY id");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    db_bind_int64(st, 1, id);
    sbuf_t o;
    sbuf_init(&o);
    while (db_step(st) == DB_ROW) {
        sbuf_puts(&o, db_col_text(st, 0));
        if (db_col_text(st, 1)) {
            sbuf_putc(&o, '\t');
            sbuf_puts(&o, db_col_text(st, 1));
        }
        sbuf_putc(&o, '\n');
    }
    db_done(st);
    http_attachment(req, http_printf(req, "lexicon-%lld.txt", (long long)id), name);
    size_t n = o.len;
    http_send_owned(req, 200, "text/plain; charset=utf-8", sbuf_detach(&o), n);
}

/* ---- entries ---- */

static void list_entries(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *lex = load_lexicon(req, c, id);
    if (!lex)
        return;
    json_decref(lex);
    const char *q = http_query(req, "q");
    qb_t w;
    res_from(req, &ENTRIES, &w);
    qb_sql(&w, " AND e.lexicon_id = ");
    qb_int(&w, id);
    if (q) {
        static const char *const cols[] = {"e.word", "e.suggestion"};
        qb_like_any(&w, cols, 2, q);
    }
    res_list(req, c, &ENTRIES, ENTRY_COLS, &w, "e.id DESC", entry_row, NULL);
    qb_free(&w);
}

static const char *check_word_field(json_t *v)
{
    char *norm = NULL;
    const char *why = proofread_lexicon_check_word(json_string_value(v), &norm);
    free(norm);
    return why;
}

static const char *check_suggestion_field(json_t *v)
{
    return proofread_lexicon_check_suggestion(json_string_value(v));
}

static const vfield_t ENTRY_FIELDS[] = {
    {"word", V_STR, true, 1, LEXICON_MAX_WORD_CHARS, NULL, check_word_field, "词语"},
    {"suggestion", V_STR, false, 0, LEXICON_MAX_SUGGESTION_CHARS, NULL, check_suggestion_field, "建议改为"},
    {"severity", V_ENUM, false, 0, 0, SEVERITIES, NULL, "严重程度（不填用词库的）"},
    {"note", V_STR, false, 0, 200, NULL, NULL, "备注"},
};

/* Id of the entry (live or deleted) with this normal form, 0 if none;
 * *deleted says which. -1 on error. */
static int64_t find_norm(db_conn_t *c, int64_t lex, const char *norm, bool *deleted)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT id, deleted_at FROM proofread_entries WHERE lexicon_id = ? AND norm = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lex);
    db_bind_text(st, 2, norm);
    int r = db_step(st);
    int64_t id = r == DB_ROW ? db_col_int64(st, 0) : r == DB_DONE ? 0 : -1;
    *deleted = r == DB_ROW && !db_col_is_null(st, 1);
    db_done(st);
    return id;
}

static void create_entry(http_req_t *req)
{
    int64_t lex;
    db_conn_t *c;
    if (!http_param_id(req, "id", &lex) || !(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    char *norm = NULL;
    proofread_lexicon_check_word(jstr(b, "word"), &norm);
    http_defer(req, free, norm);
    if (!http_begin(req, c))
        return;
    json_t *l = load_lexicon(req, c, lex);
    if (!l)
        return;
    json_decref(l);
    bool deleted = false;
    int64_t existing = find_norm(c, lex, norm, &deleted), now = time_now_ms(), id = 0;
    if (existing < 0) {
        http_db_error(req, c);
        return;
    }
    if (existing && !deleted) {
        http_error(req, 409, "duplicate_word", "词库中已有该词条（忽略空格、标点、全半角和繁简差异后相同）");
        return;
    }
    db_stmt_t *st;
    if (existing) {
        st = db_prepare(c, "UPDATE proofread_entries SET word = ?, suggestion = ?, severity = ?, note = ?, "
                           "deleted_at = NULL, updated_by = ?, updated_at = ? WHERE id = ? RETURNING id");
    } else {
        st = db_prepare(
            c, "INSERT INTO proofread_entries (word, suggestion, severity, note, created_by, "
               "updated_by, created_at, updated_at, lexicon_id, norm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "RETURNING id");
    }
    if (!st) {
        http_db_error(req, c);
        return;
    }
    const char *sug = jstr(b, "suggestion");
    db_bind_text(st, 1, jstr(b, "word"));
    db_bind_text(st, 2, sug && *sug ? sug : NULL);
    db_bind_text(st, 3, jstr(b, "severity"));
    db_bind_text(st, 4, jstr(b, "note"));
    bind_actor(st, 5, req);
    if (existing) {
        db_bind_int64(st, 6, now);
        db_bind_int64(st, 7, existing);
    } else {
        bind_actor(st, 6, req);
        db_bind_int64(st, 7, now);
        db_bind_int64(st, 8, now);
        db_bind_int64(st, 9, lex);
        db_bind_text(st, 10, norm);
    }
    if (db_step(st) == DB_ROW)
        id = db_col_int64(st, 0);
    db_done(st);
    json_t *detail = http_defer_json(req, json_pack("{s:s,s:o}", "word", jstr(b, "word"), "suggestion",
                                                    sug && *sug ? json_string(sug) : json_null()));
    bool ok = id && proofread_lexicon_recount(c, lex) == 0;
    json_t *o = finish(req, c, ok, lex, id, "entry.create", jstr(b, "word"), detail, ANSWER_ENTRY);
    if (o)
        http_json(req, 201, o);
}

static void get_entry(http_req_t *req)
{
    int64_t lex, id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &lex) || !http_param_id(req, "entry_id", &id) || !(c = http_db(req)))
        return;
    json_t *o = load_entry(req, c, lex, id);
    if (o)
        http_json(req, 200, o);
}

static void patch_entry(http_req_t *req)
{
    int64_t lex, id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &lex) || !http_param_id(req, "entry_id", &id) || !(c = http_db(req)))
        return;
    json_t *b = http_json_body(req);
    if (json_is_null(json_object_get(b, "word"))) {
        http_error_fields(req, json_pack("{s:s}", "word", "词条不能为空"));
        return;
    }
    char *norm = NULL;
    if (jstr(b, "word")) {
        proofread_lexicon_check_word(jstr(b, "word"), &norm);
        http_defer(req, free, norm);
    }
    if (!http_begin(req, c))
        return;
    json_t *before = load_entry(req, c, lex, id);
    if (!before)
        return;
    http_defer_json(req, before);
    if (norm) {
        bool deleted;
        int64_t other = find_norm(c, lex, norm, &deleted);
        if (other < 0) {
            http_db_error(req, c);
            return;
        }
        if (other && other != id) {
            if (!deleted) {
                http_error(req, 409, "duplicate_word",
                           "词库中已有该词条（忽略空格、标点、全半角和繁简差异后相同）");
                return;
            }
            /* a deleted entry holds the normal form: it gives way */
            db_stmt_t *st = db_prepare(c, "DELETE FROM proofread_entries WHERE id = ?");
            if (!st) {
                http_db_error(req, c);
                return;
            }
            db_bind_int64(st, 1, other);
            int r = db_step(st);
            db_done(st);
            if (r != DB_DONE) {
                http_db_error(req, c);
                return;
            }
        }
    }
    db_stmt_t *st = db_prepare(
        c, "UPDATE proofread_entries SET word = COALESCE(?, word), norm = COALESCE(?, norm), "
           "suggestion = CASE WHEN ? = 1 THEN ? ELSE suggestion END, severity = CASE WHEN ? = 1 THEN ? "
           "ELSE severity END, note = CASE WHEN ? = 1 THEN ? ELSE note END, updated_by = ?, "
           "updated_at = ? WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    const char *sug = jstr(b, "suggestion");
    db_bind_text(st, 1, jstr(b, "word"));
    db_bind_text(st, 2, norm);
    db_bind_bool(st, 3, jhas(b, "suggestion"));
    db_bind_text(st, 4, sug && *sug ? sug : NULL);
    db_bind_bool(st, 5, jhas(b, "severity"));
    db_bind_text(st, 6, jstr(b, "severity"));
    db_bind_bool(st, 7, jhas(b, "note"));
    db_bind_text(st, 8, jstr(b, "note"));
    bind_actor(st, 9, req);
    db_bind_int64(st, 10, time_now_ms());
    db_bind_int64(st, 11, id);
    int r = db_step(st);
    db_done(st);
    json_t *after = r == DB_DONE ? load_entry(req, c, lex, id) : NULL;
    if (r != DB_DONE) {
        http_db_error(req, c);
        return;
    }
    if (!after)
        return;
    json_t *chg = http_defer_json(req, json_object());
    static const char *const keys[] = {"word", "suggestion", "severity", "note"};
    for (size_t i = 0; i < 4; i++) {
        json_t *ov = json_object_get(before, keys[i]), *nv = json_object_get(after, keys[i]);
        if (!json_equal(ov, nv))
            json_object_set_new(chg, keys[i], json_pack("{s:O,s:O}", "before", ov, "after", nv));
    }
    const char *word = http_printf(req, "%s", jstr(after, "word"));
    json_decref(after);
    json_t *o = finish(req, c, true, lex, id, "entry.update", word, chg, ANSWER_ENTRY);
    if (o)
        http_json(req, 200, o);
}

static void delete_entry(http_req_t *req)
{
    int64_t lex, id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &lex) || !http_param_id(req, "entry_id", &id) || !(c = http_db(req)))
        return;
    if (!http_begin(req, c))
        return;
    json_t *e = load_entry(req, c, lex, id);
    if (!e)
        return;
    char *word = http_printf(req, "%s", json_string_value(json_object_get(e, "word")));
    json_t *detail = http_defer_json(
        req, json_pack("{s:s,s:O}", "word", word, "suggestion", json_object_get(e, "suggestion")));
    json_decref(e);
    db_stmt_t *st =
        db_prepare(c, "UPDATE proofread_entries SET deleted_at = ?, updated_by = ?, updated_at = ? "
                      "WHERE id = ?");
    if (!st) {
        http_db_error(req, c);
        return;
    }
    int64_t now = time_now_ms();
    db_bind_int64(st, 1, now);
    bind_actor(st, 2, req);
    db_bind_int64(st, 3, now);
    db_bind_int64(st, 4, id);
    int r = db_step(st);
    db_done(st);
    json_t *o = finish(req, c, r == DB_DONE && proofread_lexicon_recount(c, lex) == 0, lex, id,
                       "entry.delete", word, detail, ANSWER_NONE);
    if (o)
        http_no_content(req);
    json_decref(o);
}

/* ---- history ---- */

static json_t *history_row(db_stmt_t *st, void *ud)
{
    db_conn_t *c = ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "lexicon_id", json_integer(db_col_int64(st, 1)));
    json_object_set_new(o, "entry_id", json_col_id(st, 2));
    json_object_set_new(o, "version", json_integer(db_col_int64(st, 3)));
    json_object_set_new(o, "action", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "word", json_text_or_null(db_col_text(st, 5)));
    json_object_set_new(o, "actor_id", json_col_id(st, 6));
    json_object_set_new(o, "actor", auth_user_ref(c, db_col_is_null(st, 6) ? 0 : db_col_int64(st, 6)));
    json_object_set_new(o, "at", json_time(db_col_int64(st, 7)));
    json_t *d = db_col_text(st, 8) ? json_loads(db_col_text(st, 8), 0, NULL) : NULL;
    json_object_set_new(o, "detail", d ? d : json_null());
    return o;
}

static const res_sort_t HISTORY_SORTS[] = {
    {"id", "h.id"}, {"version", "h.version"}, {"at", "h.at"}, {NULL, NULL}};
static const zd_resource_t HISTORY = {.name = "lexicon_history",
                                      .title = "词库修改记录",
                                      .table = "proofread_history",
                                      .alias = "h",
                                      .no_org = true,
                                      .no_creator = true,
                                      .keyset = "h.id",
                                      .sorts = HISTORY_SORTS};

static void list_history(http_req_t *req)
{
    int64_t id;
    db_conn_t *c;
    if (!http_param_id(req, "id", &id) || !(c = http_db(req)) || !res_visible(req, c, &LEXICONS, id))
        return;
    qb_t w;
    res_from(req, &HISTORY, &w);
    qb_sql(&w, " AND h.lexicon_id = ");
    qb_int(&w, id);
    res_list(req, c, &HISTORY,
             "h.id, h.lexicon_id, h.entry_id, h.version, h.action, h.word, h.actor_id, h.at, h.detail", &w,
             "h.id DESC", history_row, c);
    qb_free(&w);
}

static const vfield_t ENTRY_QUERY[] = {{"q", V_STR, .max = 100, .title = "词语或建议包含"}};
static const vfield_t LEX_OUT[] = {
    {"id", V_ID},
    {"name", V_STR},
    {"category", V_ENUM, .choices = CATEGORIES},
    {"category_title", V_STR},
    {"severity", V_ENUM, .choices = SEVERITIES},
    {"description", V_STR},
    {"enabled", V_BOOL},
    {"repeats", V_ENUM, .choices = REPEATS, .title = "连续重复的字只算一次：default、on、off"},
    {"pinyin", V_BOOL, .title = "也按拼音和同音字匹配（敏感词、规范提法、自定义词库）"},
    {"builtin", V_BOOL, .title = "内置词库（不能删除，可停用）"},
    {"version", V_INT, .title = "每次修改加一"},
    {"entry_count", V_INT},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};
static const vfield_t ENTRY_OUT[] = {
    {"id", V_ID},
    {"lexicon_id", V_ID},
    {"word", V_STR},
    {"suggestion", V_STR},
    {"severity", V_ENUM, .choices = SEVERITIES},
    {"effective_severity", V_ENUM, .choices = SEVERITIES, .title = "实际生效的严重程度"},
    {"note", V_STR},
    {"created_at", V_TIME},
    {"updated_at", V_TIME},
};
static const vfield_t HISTORY_OUT[] = {
    {"id", V_ID},
    {"lexicon_id", V_ID},
    {"entry_id", V_ID},
    {"version", V_INT},
    {"action", V_STR},
    {"word", V_STR},
    {"actor", V_OBJECT, .title = "{id,username,name}"},
    {"at", V_TIME},
    {"detail", V_OBJECT},
};

/* one route, one or two lines */
// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/lexicons", .handler = list_lexicons, .perm = "lexicon.read",
     .flags = HTTP_LIST | HTTP_EXPORT, .summary = "词库列表", .resource = &LEXICONS, HTTP_QUERY(LEX_QUERY), HTTP_OUT(LEX_OUT)},
    {.method = "POST", .pattern = "/api/v1/lexicons", .handler = create_lexicon, .perm = "lexicon.write",
     .summary = "新建词库", .audit = "lexicon.create", .resource = &LEXICONS, HTTP_BODY(LEX_FIELDS),
     HTTP_OUT(LEX_OUT), .status = 201,
     .example = "{\"name\":\"契约测试词库{n}\",\"category\":\"sensitive\",\"severity\":\"warn\"}",
     .notes = "409 for a name taken"},
    {.method = "GET", .pattern = "/api/v1/lexicons/{id}", .handler = get_lexicon, .perm = "lexicon.read",
     .summary = "词库详情", .resource = &LEXICONS, HTTP_OUT(LEX_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/lexicons/{id}", .handler = patch_lexicon, .perm = "lexicon.write",
     .summary = "修改词库", .audit = "lexicon.update", .resource = &LEXICONS, HTTP_BODY(LEX_FIELDS),
     HTTP_OUT(LEX_OUT), .example = "{\"description\":\"契约测试\"}"},
    {.method = "DELETE", .pattern = "/api/v1/lexicons/{id}", .handler = delete_lexicon, .perm = "lexicon.write",
     .summary = "删除词库", .audit = "lexicon.delete", .resource = &LEXICONS, .status = 204,
     .notes = "soft; 409 builtin_lexicon: built-in lexicons can only be disabled"},
    {.method = "POST", .pattern = "/api/v1/lexicons/{id}/import", .handler = import_lexicon,
     .perm = "lexicon.write", .flags = HTTP_BODY_RAW, .max_body = 32u << 20, .summary = "导入词条",
     .audit = "lexicon.import", .resource = &LEXICONS,
     .notes = "text/plain (word or word<TAB>suggestion[<TAB>severity] per line) or .xlsx; "
       "{added,duplicate,invalid,lines,errors,lexicon}"},
    {.method = "GET", .pattern = "/api/v1/lexicons/{id}/export", .handler = export_lexicon,
     .perm = "lexicon.read", .flags = HTTP_DOWNLOAD, .summary = "导出词条（文本）", .audit = "lexicon.export",
     .resource = &LEXICONS},
    {.method = "GET", .pattern = "/api/v1/lexicons/{id}/entries", .handler = list_entries,
     .perm = "lexicon.read", .flags = HTTP_LIST | HTTP_EXPORT, .summary = "词条列表", .resource = &ENTRIES,
     HTTP_QUERY(ENTRY_QUERY), HTTP_OUT(ENTRY_OUT)},
    {.method = "POST", .pattern = "/api/v1/lexicons/{id}/entries",
     .example = "{\"word\":\"契约测试词{n}\",\"suggestion\":\"契约\"}", .handler = create_entry,
     .perm = "lexicon.write", .summary = "新增词条", .audit = "lexicon.entry.create", .resource = &ENTRIES,
     HTTP_BODY(ENTRY_FIELDS), HTTP_OUT(ENTRY_OUT), .status = 201,
     .notes = "409 duplicate_word for a word the lexicon has (after normalisation)"},
    {.method = "GET", .pattern = "/api/v1/lexicons/{id}/entries/{entry_id}", .handler = get_entry,
     .perm = "lexicon.read", .summary = "词条详情", .resource = &ENTRIES, HTTP_OUT(ENTRY_OUT)},
    {.method = "PATCH", .pattern = "/api/v1/lexicons/{id}/entries/{entry_id}", .example = "{\"note\":\"契约测试\"}",
     .handler = patch_entry, .perm = "lexicon.write", .summary = "修改词条", .audit = "lexicon.entry.update",
     .resource = &ENTRIES, HTTP_BODY(ENTRY_FIELDS), HTTP_OUT(ENTRY_OUT)},
    {.method = "DELETE", .pattern = "/api/v1/lexicons/{id}/entries/{entry_id}", .handler = delete_entry,
     .perm = "lexicon.write", .summary = "删除词条", .audit = "lexicon.entry.delete", .resource = &ENTRIES,
     .status = 204},
    {.method = "GET", .pattern = "/api/v1/lexicons/{id}/history", .handler = list_history,
     .perm = "lexicon.read", .flags = HTTP_LIST, .summary = "词库修改历史", .resource = &HISTORY,
     HTTP_OUT(HISTORY_OUT)},
};
// clang-format on

int proofread_lexicon_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
