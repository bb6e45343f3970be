/* index.c — lectures in the search service (kind "lecture"): title, then
 * speaker, place and description as the body, the speaker as a faceted
 * attribute; written in the transaction that writes the lecture, and
 * rebuilt from the table by `zhendi search rebuild`. */
#include "modules/lecture/internal.h"
#include "modules/search/search.h"
#include <stdlib.h>
#include <string.h>

static int reindex(db_conn_t *c, search_progress_fn progress, void *ud);

const search_kind_t LECTURE_SEARCH = {.kind = "lecture",
                                      .title = "讲堂",
                                      .perm = "lecture.manage",
                                      .link = "/lecture/lectures/%lld",
                                      .reindex = reindex};

#define COLS "id, org_id, created_by, title, speaker, place, description, created_at"

int lecture_index(db_conn_t *c, int64_t id)
{
    db_stmt_t *st = db_prepare(c, "SELECT " COLS " FROM lectures WHERE id = ? AND deleted_at IS NULL");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc != DB_ROW) {
        db_done(st);
        return rc == DB_DONE ? search_delete(c, "lecture", id) : -1;
    }
    /* copied out before writing: no statement left open on the connection */
    const char *speaker = db_col_text(st, 4), *place = db_col_text(st, 5), *desc = db_col_text(st, 6);
    sbuf_t body;
    sbuf_init(&body);
    sbuf_printf(&body, "主讲人：%s\n地点：%s\n%s", speaker ? speaker : "", place ? place : "",
                desc ? desc : "");
    json_t *attrs = json_pack("{s:s}", "speaker", speaker ? speaker : "");
    char *title = strdup(db_col_text(st, 3) ? db_col_text(st, 3) : "");
    search_doc_t d = {.kind = "lecture",
                      .ref_id = db_col_int64(st, 0),
                      .org_id = db_col_int64(st, 1),
                      .created_by = db_col_int64(st, 2),
                      .title = title,
                      .body = body.data,
                      .attrs = attrs,
                      .time_ms = db_col_int64(st, 7),
                      .weight = 1.0};
    db_done(st);
    rc = title ? search_put(c, &d) : -1;
    free(title);
    json_decref(attrs);
    sbuf_free(&body);
    return rc;
}

static int reindex(db_conn_t *c, search_progress_fn progress, void *ud)
{
    int64_t total = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM lectures WHERE deleted_at IS NULL", &total) != 1)
        return -1;
    /* the ids first, then one row at a time (no statement left open while writing) */
    db_stmt_t *st = db_prepare(c, "SELECT id FROM lectures WHERE deleted_at IS NULL ORDER BY id");
    if (!st)
        return -1;
    size_t n = 0, cap = 0;
    int64_t *ids = NULL;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *p = realloc(ids, cap * sizeof *ids);
            if (!p)
                abort();
            ids = p;
        }
        ids[n++] = db_col_int64(st, 0);
    }
    db_done(st);
    int out = rc == DB_DONE ? 0 : -1;
    for (size_t i = 0; i < n && out == 0; i++) {
        out = lecture_index(c, ids[i]);
        if (progress && ((i + 1) % 100 == 0 || i + 1 == n) && !progress(ud, (int64_t)i + 1, total))
            break;
    }
    free(ids);
    return out;
}
