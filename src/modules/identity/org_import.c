/* org_import.c — organisations from an .xlsx workbook in the export's
 * layout (POST /api/v1/orgs/import). Rows are matched by code: existing
 * organisations are updated, new ones created under the parent named by code
 * (an existing organisation, or a row anywhere in the same file). All or
 * nothing: any bad row and nothing changes (422 with every row's reason, in
 * row order).
 *
 * Linear: the rows are read once, their codes sorted for lookups, parents
 * ordered before children by one depth-first walk, and each row is written
 * once. Memory is bounded by the file (20 MB, 20,000 rows). A file of more
 * than IMPORT_SYNC_ROWS rows is imported by a job with progress (202 with
 * the job); the same code runs either way, with the scope of org.write that
 * the caller held when asking. */
#include "core/fileio.h"
#include "core/mime.h"
#include "core/timeutil.h"
#include "core/vec.h"
#include "core/xlsx.h"
#include "http/upload.h"
#include "jobs/jobs.h"
#include "modules/identity/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XLSX_MIME        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define IMPORT_MAX_ROWS  20000
#define IMPORT_SYNC_ROWS 1000
#define JOB_KIND         "identity.org_import"

/* Columns of the import/export sheet, matched by their header text. */
enum {
    COL_CODE,
    COL_NAME,
    COL_TYPE,
    COL_PARENT,
    COL_SHORT,
    COL_CONTACT,
    COL_PHONE,
    COL_ADDRESS,
    COL_SECTOR,
    COL_INDUSTRY,
    COL_MEMBERS,
    COL_STATUS,
    NCOLS
};
static const char *const HEADERS[NCOLS] = {"组织编码", "组织名称", "组织类型", "上级编码", "简称",   "联系人",
                                           "联系电话", "地址",     "领域",     "行业",     "党员数", "状态"};

typedef struct {
    size_t row;
    char *cells[NCOLS];
    json_t *fields; /* validated own fields */
    const char *type;
    int64_t existing, parent_id, id; /* in the database: this code, the parent; the row's id once written */
    char existing_type[32];
    int64_t existing_parent;
    ssize_t parent_row; /* the parent is this row of the file, -1: not in the file */
    int mark;           /* walk: 0 new, 1 on the path, 2 done */
    bool bad;
} irow_t;

/* Who imports, and the part of the tree they may change (org.write). */
typedef struct {
    int64_t user_id, org_id;
    char username[64];
    auth_scope_t scope;
    char scope_path[AUTH_ORG_PATH_MAX];
} actor_t;

typedef struct {
    int col[NCOLS];
    bool have_header;
    irow_t *rows;
    size_t n, cap;
    size_t *order; /* rows sorted by code */
    json_t *errors;
    int created, updated;
} import_t;

static void row_error(import_t *im, size_t row, const char *msg)
{
    if (json_array_size(im->errors) < 200)
        json_array_append_new(im->errors, json_pack("{s:I,s:s}", "row", (json_int_t)row, "message", msg));
}

static void fail(import_t *im, irow_t *r, const char *msg)
{
    if (!r->bad)
        row_error(im, r->row, msg);
    r->bad = true;
}

static int read_row(void *ud, size_t row, const char *const *cells, size_t ncells)
{
    import_t *im = ud;
    if (!im->have_header) {
        xlsx_header_cols(HEADERS, NCOLS, cells, ncells, im->col);
        im->have_header = true;
        for (int c = 0; c <= COL_PARENT; c++)
            if (im->col[c] < 0) {
                char msg[120];
                snprintf(msg, sizeof msg, "表头缺少“%s”列（可先导出一份作为模板）", HEADERS[c]);
                row_error(im, row, msg);
            }
        return json_array_size(im->errors) ? 1 : 0;
    }
    bool empty = true;
    for (size_t i = 0; i < ncells && empty; i++)
        empty = !cells[i][0];
    if (empty)
        return 0;
    if (im->n == IMPORT_MAX_ROWS) {
        row_error(im, row, "一次最多导入 20000 行");
        return 1;
    }
    if (vec_reserve((void **)&im->rows, &im->cap, im->n, sizeof *im->rows, 64) != 0)
        return 1;
    irow_t *r = &im->rows[im->n++];
    memset(r, 0, sizeof *r);
    r->row = row;
    r->parent_row = -1;
    for (int c = 0; c < NCOLS; c++) {
        int i = im->col[c];
        r->cells[c] = strdup(i >= 0 && (size_t)i < ncells ? cells[i] : "");
        if (!r->cells[c])
            return 1;
    }
    return 0;
}

static void import_free(import_t *im)
{
    for (size_t i = 0; i < im->n; i++) {
        for (int k = 0; k < NCOLS; k++)
            free(im->rows[i].cells[k]);
        json_decref(im->rows[i].fields);
    }
    free(im->rows);
    free(im->order);
    json_decref(im->errors);
}

static const char *type_from(const char *s)
{
    for (const char *const *t = identity_org_types; *t; t++)
        if (!strcmp(s, *t) || !strcmp(s, identity_org_type_title(*t)))
            return *t;
    return NULL;
}

/* A row's own fields, validated as the create form's are. */
static void own_fields(import_t *im, irow_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(r->cells[COL_CODE]));
    json_object_set_new(o, "name", json_string(r->cells[COL_NAME]));
    static const int text_cols[] = {COL_SHORT, COL_CONTACT, COL_PHONE, COL_ADDRESS, COL_SECTOR, COL_INDUSTRY};
    static const char *const text_keys[] = {"short_name", "contact_name", "contact_phone",
                                            "address",    "sector",       "industry"};
    for (size_t i = 0; i < 6; i++)
        if (r->cells[text_cols[i]][0])
            json_object_set_new(o, text_keys[i], json_string(r->cells[text_cols[i]]));
    int64_t members;
    if (r->cells[COL_MEMBERS][0] && !str_to_int64(r->cells[COL_MEMBERS], &members)) {
        fail(im, r, "党员数应为整数");
    } else if (r->cells[COL_MEMBERS][0]) {
        json_object_set_new(o, "member_count", json_integer(members));
    }
    for (size_t i = 0; i < identity_org_nfields && !r->bad; i++) {
        const vfield_t *f = &identity_org_fields[i];
        json_t *v = json_object_get(o, f->name);
        const char *why = v ? valid_value(f, v) : f->required ? "必填" : NULL;
        if (!why && v && f->check)
            why = f->check(v);
        if (why) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s：%s", f->title ? f->title : f->name, why);
            fail(im, r, msg);
        }
    }
    r->type = type_from(r->cells[COL_TYPE]);
    if (!r->type)
        fail(im, r, "组织类型无效（如：党支部、党委、街镇）");
    if (r->bad)
        json_decref(o);
    else
        r->fields = o;
}

static const import_t *sort_im;
static int by_code(const void *a, const void *b)
{
    return strcmp(sort_im->rows[*(const size_t *)a].cells[COL_CODE],
                  sort_im->rows[*(const size_t *)b].cells[COL_CODE]);
}

/* The row of the file with this code, -1 if none (binary search). */
static ssize_t find_row(const import_t *im, const char *code)
{
    size_t lo = 0, hi = im->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(im->rows[im->order[mid]].cells[COL_CODE], code);
        if (c == 0)
            return (ssize_t)im->order[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* An organisation by code: 1 found (id, type, parent, path, status), 0
 * none, -1 database error. */
static int org_by_code(db_conn_t *c, const char *code, int64_t *id, char *type, size_t typesz,
                       int64_t *parent, char *path, size_t pathsz, bool *deleted)
{
    db_stmt_t *st = db_prepare(c, "SELECT id, type, parent_id, path, status FROM orgs WHERE code = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, code);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_int64(st, 0);
        str_lcpy(type, db_col_text(st, 1), typesz);
        *parent = db_col_int64(st, 2);
        str_lcpy(path, db_col_text(st, 3), pathsz);
        *deleted = !strcmp(db_col_text(st, 4), "deleted");
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static bool in_scope(const actor_t *a, int64_t id, const char *path)
{
    switch (a->scope) {
    case SCOPE_ALL: return true;
    case SCOPE_SUBTREE: return str_starts_with(path, a->scope_path);
    case SCOPE_ORG:
    case SCOPE_SELF: return id == a->org_id;
    case SCOPE_NONE: break;
    }
    return false;
}

/* Puts r after its parent in the file (depth-first); a parent chain that
 * comes back to itself is an error for every row on it. */
static void place(import_t *im, size_t i, size_t *out, size_t *nout)
{
    irow_t *r = &im->rows[i];
    if (r->mark == 2)
        return;
    if (r->mark == 1) {
        fail(im, r, "上级编码形成循环");
        return;
    }
    r->mark = 1;
    if (r->parent_row >= 0) {
        place(im, (size_t)r->parent_row, out, nout);
        if (im->rows[r->parent_row].bad || im->rows[r->parent_row].mark != 2)
            fail(im, r, im->rows[r->parent_row].mark == 1 ? "上级编码形成循环" : "上级组织所在的行有错误");
    }
    r->mark = 2;
    out[(*nout)++] = i;
}

static int update_row(db_conn_t *c, irow_t *r, const actor_t *a)
{
    qb_t q;
    qb_init(&q, "UPDATE orgs SET updated_at = ");
    qb_int(&q, time_now_ms());
    static const char *const cols[] = {"name",    "short_name", "contact_name", "contact_phone",
                                       "address", "sector",     "industry"};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
        if (jstr(r->fields, cols[k])) {
            char frag[40];
            snprintf(frag, sizeof frag, ", %s = ", cols[k]);
            qb_sql(&q, frag);
            qb_text(&q, jstr(r->fields, cols[k]));
        }
    if (jhas(r->fields, "member_count")) {
        qb_sql(&q, ", member_count = ");
        qb_int(&q, jint(r->fields, "member_count", 0));
    }
    if (r->cells[COL_STATUS][0]) {
        qb_sql(&q, ", status = ");
        qb_text(&q, strcmp(r->cells[COL_STATUS], "停用") ? "active" : "disabled");
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, r->existing);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    if (rc != DB_DONE ||
        (jstr(r->fields, "name") && identity_org_pinyin(c, r->existing, jstr(r->fields, "name")) != 0))
        return -1;
    return identity_org_history(c, r->existing, "import", 0, 0, NULL, "表格导入", a->user_id);
}

/* The import inside the caller's transaction: 0 (row errors, if any, in
 * im->errors: the caller rolls back), -1 on a database error. */
static int run(db_conn_t *c, import_t *im, const actor_t *a)
{
    if (!json_array_size(im->errors) && im->n == 0)
        row_error(im, 1, "表格中没有数据行");
    if (!im->n)
        return 0;
    im->order = malloc(im->n * sizeof *im->order);
    size_t *seq = malloc(im->n * sizeof *seq);
    if (!im->order || !seq) {
        free(seq);
        return -1;
    }
    for (size_t i = 0; i < im->n; i++) {
        im->order[i] = i;
        own_fields(im, &im->rows[i]);
    }
    sort_im = im;
    qsort(im->order, im->n, sizeof *im->order, by_code);
    for (size_t k = 1; k < im->n; k++) {
        irow_t *x = &im->rows[im->order[k - 1]], *y = &im->rows[im->order[k]];
        if (!strcmp(x->cells[COL_CODE], y->cells[COL_CODE])) {
            irow_t *later = x->row > y->row ? x : y, *first = x->row > y->row ? y : x;
            char msg[80];
            snprintf(msg, sizeof msg, "组织编码与第 %zu 行重复", first->row);
            fail(im, later, msg);
        }
    }
    /* what the database knows of each code and each parent */
    int rc = 0;
    for (size_t i = 0; i < im->n && rc == 0; i++) {
        irow_t *r = &im->rows[i];
        char path[AUTH_ORG_PATH_MAX], type[32];
        int64_t pid = 0;
        bool deleted = false;
        int f = org_by_code(c, r->cells[COL_CODE], &r->existing, r->existing_type, sizeof r->existing_type,
                            &r->existing_parent, path, sizeof path, &deleted);
        if (f < 0) {
            rc = -1;
            break;
        }
        if (f && deleted)
            fail(im, r, "组织编码曾被已删除的组织使用，请换一个编码");
        else if (f && !in_scope(a, r->existing, path))
            fail(im, r, "该编码的组织不在您的管理范围内");
        if (!r->cells[COL_PARENT][0])
            continue;
        r->parent_row = find_row(im, r->cells[COL_PARENT]);
        if (r->parent_row >= 0 && !im->rows[r->parent_row].existing)
            continue; /* created by this file: its row decides */
        f = org_by_code(c, r->cells[COL_PARENT], &pid, type, sizeof type, &(int64_t){0}, path, sizeof path,
                        &deleted);
        if (f < 0)
            rc = -1;
        else if (!f || deleted)
            fail(im, r, "上级编码不存在（既不在系统中，也不在本文件中）");
        else if (!in_scope(a, pid, path))
            fail(im, r, "上级组织不在您的管理范围内");
        else
            r->parent_id = pid;
    }
    /* parents before children */
    size_t n = 0;
    for (size_t i = 0; i < im->n && rc == 0; i++)
        place(im, i, seq, &n);
    for (size_t k = 0; k < n && rc == 0; k++) {
        irow_t *r = &im->rows[seq[k]];
        if (r->bad)
            continue; /* (any error rolls the whole import back; the rest is still checked) */
        int64_t parent = r->parent_row >= 0 && !im->rows[r->parent_row].existing ? im->rows[r->parent_row].id
                                                                                 : r->parent_id;
        if (r->existing) {
            if (r->existing_parent != parent)
                fail(im, r, "上级编码与现有组织不同；调整隶属关系请使用“移动”");
            else if (strcmp(r->existing_type, r->type) != 0)
                fail(im, r, "组织类型与现有组织不同");
            else if (update_row(c, r, a) != 0)
                rc = -1;
            else
                im->updated++;
            r->id = r->existing;
        } else if (!parent && strcmp(r->type, "city") != 0) {
            fail(im, r, "上级编码必填");
        } else {
            const char *ptype = NULL;
            if (r->parent_row >= 0)
                ptype = im->rows[r->parent_row].existing ? im->rows[r->parent_row].existing_type
                                                         : im->rows[r->parent_row].type;
            char tbuf[32] = "";
            if (!ptype && parent) {
                db_stmt_t *st = db_prepare(c, "SELECT type FROM orgs WHERE id = ?");
                if (st) {
                    db_bind_int64(st, 1, parent);
                    if (db_step(st) == DB_ROW)
                        str_lcpy(tbuf, db_col_text(st, 0), sizeof tbuf);
                }
                db_done(st);
                ptype = tbuf;
            }
            if (!identity_org_type_allowed(parent ? ptype : NULL, r->type)) {
                char msg[120];
                snprintf(msg, sizeof msg, "“%s”不能设在“%s”之下", identity_org_type_title(r->type),
                         parent && identity_org_type_title(ptype) ? identity_org_type_title(ptype)
                                                                  : "（根）");
                fail(im, r, msg);
                continue;
            }
            int64_t id = identity_org_insert(c, parent, r->type, r->cells[COL_CODE], r->cells[COL_NAME],
                                             r->fields, a->user_id);
            if (id == -3)
                fail(im, r, "组织层级过深");
            else if (id < 0)
                rc = -1;
            else {
                r->id = id;
                im->created++;
            }
        }
    }
    free(seq);
    return rc;
}

/* Errors in row order, as the user reads the sheet. */
static json_t *sorted_errors(json_t *errors)
{
    size_t n = json_array_size(errors);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && jint(json_array_get(errors, j - 1), "row", 0) >
                                        jint(json_array_get(errors, j), "row", 0);
             j--) {
            json_t *x = json_incref(json_array_get(errors, j - 1));
            json_array_set(errors, j - 1, json_array_get(errors, j));
            json_array_set_new(errors, j, x);
        }
    return errors;
}

/* The import as one transaction with its audit record: {"created","updated",
 * "errors"} (errors non-empty: nothing changed), or NULL on a database
 * error (rolled back). */
static json_t *import_tx(db_conn_t *c, import_t *im, const actor_t *a, http_req_t *req)
{
    if (db_begin(c) != 0 || db_lock_tx(c, "identity.org_tree") != 0)
        return NULL;
    if (run(c, im, a) != 0) {
        db_rollback(c);
        return NULL;
    }
    if (json_array_size(im->errors)) {
        db_rollback(c);
        return json_pack("{s:i,s:i,s:O}", "created", 0, "updated", 0, "errors", sorted_errors(im->errors));
    }
    char detail[120];
    snprintf(detail, sizeof detail, "表格导入：新建 %d 个，更新 %d 个", im->created, im->updated);
    audit_entry_t ae = {.action = "org.import",
                        .target_type = "org",
                        .detail = detail,
                        .actor_id = a->user_id,
                        .actor_org = a->org_id,
                        .actor_name = a->username};
    if (audit_write(c, req, &ae) != 0 || db_commit(c) != 0)
        return NULL;
    return json_pack("{s:i,s:i,s:[]}", "created", im->created, "updated", im->updated, "errors");
}

static void reject(http_req_t *req, json_t *errors)
{
    json_t *e = json_pack("{s:s,s:s,s:O}", "code", "import_rejected", "message",
                          "表格中有错误，未导入任何数据，请修改后重新导入", "errors", errors);
    http_json(req, 422, json_pack("{s:o}", "error", e));
}

/* Keeps the workbook for the job; NULL after answering 507. */
static char *keep_file(http_req_t *req, const char *body, size_t len)
{
    char *path = http_printf(req, "%s/org-import-XXXXXX", http_tmp_dir(req));
    int fd = mkstemp(path);
    bool ok = fd >= 0 && fileio_write_all(fd, body, len) == 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        if (fd >= 0)
            unlink(path);
        http_error(req, 507, "insufficient_storage", "无法保存上传的表格，请稍后再试");
        return NULL;
    }
    return path;
}

void identity_org_import(http_req_t *req)
{
    size_t len;
    const char *body = http_xlsx_body(req, &len);
    if (!body)
        return;
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    const auth_ctx_t *ac = auth_of(req);
    actor_t a = {.user_id = ac->user_id, .org_id = ac->org_id, .scope = auth_route_scope(req)};
    str_lcpy(a.username, ac->username, sizeof a.username);
    str_lcpy(a.scope_path, ac->org_path, sizeof a.scope_path);
    import_t im = {.errors = json_array()};
    char err[256];
    int rc = xlsx_read(body, len, NULL, read_row, &im, err, sizeof err);
    if (rc < 0) {
        http_error(req, 422, "invalid_file", "无法读取表格：%s", err);
    } else if (json_array_size(im.errors)) {
        reject(req, sorted_errors(im.errors));
    } else if (im.n > IMPORT_SYNC_ROWS) {
        /* large: a job with progress; the console follows it */
        char *path = keep_file(req, body, len);
        json_t *payload =
            path ? json_pack("{s:s,s:I,s:I,s:s,s:i,s:s,s:I}", "file", path, "user_id", (json_int_t)a.user_id,
                             "org_id", (json_int_t)a.org_id, "username", a.username, "scope", (int)a.scope,
                             "scope_path", a.scope_path, "rows", (json_int_t)im.n)
                 : NULL;
        char *ptext = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
        json_decref(payload);
        job_spec_t spec = {.kind = JOB_KIND,
                           .payload = ptext,
                           .max_attempts = 1,
                           .org_id = a.org_id,
                           .created_by = a.user_id};
        int64_t job = ptext && http_begin(req, c) ? jobs_enqueue(c, &spec) : -1;
        free(ptext);
        audit_entry_t ae = {.action = "org.import",
                            .target_type = "job",
                            .target = job,
                            .detail = http_printf(req, "表格 %zu 行，转为后台任务", im.n)};
        json_t *o = job > 0 ? jobs_get_json(c, job, &(int){0}) : NULL;
        if (o && audit_commit(req, c, &ae)) {
            jobs_notify();
            http_json(req, 202, json_pack("{s:o}", "job", o));
        } else {
            json_decref(o);
            if (path)
                unlink(path);
            if (!http_responded(req))
                http_db_error(req, c);
        }
    } else {
        json_t *result = import_tx(c, &im, &a, req);
        if (!result)
            http_db_error(req, c);
        else if (json_array_size(json_object_get(result, "errors"))) {
            reject(req, json_object_get(result, "errors"));
            json_decref(result);
        } else
            http_json(req, 200, result);
    }
    import_free(&im);
}

void identity_org_import_template(http_req_t *req)
{
    json_t *header = json_array();
    for (int k = 0; k < NCOLS; k++)
        json_array_append_new(header, json_string(HEADERS[k]));
    json_t *rows = json_pack("[[ssssssssssis]]", "SH-PD-99", "示例街道党工委", "街镇", "SH-PD", "示例街道",
                             "张书记", "021-63211234", "上海市浦东新区示例路 1 号", "", "", 120, "正常");
    http_send_xlsx(req, "组织导入模板.xlsx", "组织", header, rows);
    json_decref(header);
    json_decref(rows);
}

static int job_import(job_ctx_t *ctx)
{
    json_t *p = job_payload(ctx);
    const char *path = jstr(p, "file");
    actor_t a = {.user_id = jint(p, "user_id", 0),
                 .org_id = jint(p, "org_id", 0),
                 .scope = (auth_scope_t)jint(p, "scope", SCOPE_NONE)};
    str_lcpy(a.username, jstr(p, "username") ? jstr(p, "username") : "", sizeof a.username);
    str_lcpy(a.scope_path, jstr(p, "scope_path") ? jstr(p, "scope_path") : "", sizeof a.scope_path);
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        job_error(ctx, "表格文件已不存在");
        if (fd >= 0)
            close(fd);
        return JOB_FATAL;
    }
    void *m = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) {
        job_error(ctx, "无法读取表格文件");
        return JOB_FATAL;
    }
    import_t im = {.errors = json_array()};
    char err[256];
    int rc = JOB_OK;
    json_t *result = NULL;
    db_conn_t *c = NULL;
    if (xlsx_read(m, (size_t)st.st_size, NULL, read_row, &im, err, sizeof err) < 0) {
        job_error(ctx, "无法读取表格：%s", err);
        rc = JOB_FATAL;
    } else if (!job_progress(ctx, 0, 2, "校验并写入（一个事务）") || !(c = db_acquire(job_db(ctx)))) {
        rc = JOB_RETRY;
    } else if (!(result = import_tx(c, &im, &a, NULL))) {
        job_error(ctx, "%s", db_errmsg(c));
        rc = JOB_RETRY;
    } else {
        /* progress is told before and after the transaction: on SQLite a
         * write from the worker's own connection would wait for it */
        job_progress(ctx, 2, 2,
                     json_array_size(json_object_get(result, "errors")) ? "有错误，未导入" : "完成");
        job_items(ctx, im.created + im.updated);
        job_result(ctx, result);
    }
    db_release(c);
    munmap(m, (size_t)st.st_size);
    import_free(&im);
    if (rc != JOB_RETRY)
        unlink(path);
    return rc;
}

int identity_org_import_init(zd_app_t *app, char *err, size_t errlen)
{
    (void)app;
    (void)err;
    (void)errlen;
    jobs_register(JOB_KIND, "导入组织", job_import);
    return 0;
}
