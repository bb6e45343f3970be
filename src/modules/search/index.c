/* index.c — the index side of the search service: the table of kinds,
 * search_put / search_delete in the writer's transaction, and the rebuild
 * from the modules' own tables (`zhendi search rebuild`). */
#include "core/sqlite_bm25.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/search/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const search_kind_t *g_kinds[SEARCH_MAX_KINDS];
static size_t g_nkinds;

int search_register_kind(const search_kind_t *k)
{
    if (!k || !k->kind || !k->perm || g_nkinds >= SEARCH_MAX_KINDS)
        return -1;
    for (size_t i = 0; i < g_nkinds; i++) {
        if (g_kinds[i] == k)
            return 0; /* init runs again in a CLI command after a server in tests */
        if (!strcmp(g_kinds[i]->kind, k->kind))
            return -1;
    }
    g_kinds[g_nkinds++] = k;
    return 0;
}

const search_kind_t *search_kind(const char *name)
{
    for (size_t i = 0; name && i < g_nkinds; i++)
        if (!strcmp(g_kinds[i]->kind, name))
            return g_kinds[i];
    return NULL;
}

const search_kind_t *const *search_kinds(size_t *n)
{
    *n = g_nkinds;
    return g_kinds;
}

/* ---- put / delete ---- */

static bool is_pg(db_conn_t *c) { return db_dialect(db_of(c)) == DB_POSTGRES; }

/* 0 when missing, the document's id, or -1 */
static int64_t doc_id(db_conn_t *c, const char *kind, int64_t ref)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM search_docs WHERE kind = ? AND ref_id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, kind);
    db_bind_int64(st, 2, ref);
    int rc = db_step(st);
    int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : rc == DB_DONE ? 0 : -1;
    db_done(st);
    return id;
}

/* the tsvector literal of the title (weight A) and body tokens, with
 * positions (PostgreSQL caps them at 16383) */
static char *tsv_literal(const char *title_tok, const char *body_tok)
{
    sbuf_t b;
    sbuf_init(&b);
    int pos = 0;
    const char *parts[2] = {title_tok, body_tok};
    for (int w = 0; w < 2; w++) {
        const char *s = parts[w];
        while (*s) {
            const char *e = strchr(s, ' ');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n) {
                if (pos < 16383)
                    pos++;
                if (b.len)
                    sbuf_putc(&b, ' ');
                sbuf_putc(&b, '\'');
                for (size_t i = 0; i < n; i++) { /* letters, digits, ideographs; quoted all the same */
                    if (s[i] == '\'' || s[i] == '\\')
                        sbuf_putc(&b, s[i] == '\'' ? '\'' : '\\');
                    sbuf_putc(&b, s[i]);
                }
                sbuf_printf(&b, "':%d%s", pos, w == 0 ? "A" : "");
            }
            s += n;
            if (*s == ' ')
                s++;
        }
    }
    return sbuf_detach(&b);
}

static int put_facet(db_conn_t *c, int64_t id, const char *name, const char *value)
{
    if (!value || !*value || strlen(name) > 40)
        return 0;
    size_t n = strlen(value);
    char v[404];
    if (n > 400)
        n = utf8_prefix(value, n, 100);
    memcpy(v, value, n);
    v[n] = 0;
    db_stmt_t *st = db_prepare(c, "INSERT INTO search_doc_facets (doc_id, name, value) VALUES (?, ?, ?) "
                                  "ON CONFLICT DO NOTHING");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, name);
    db_bind_text(st, 3, v);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* the provider that embeds d: its own, or the search index's (settings) */
static int doc_provider(db_conn_t *c, const search_doc_t *d, char out[8])
{
    const char *e = d->no_vector ? "none" : d->embedding;
    if (e) {
        snprintf(out, 8, "%s", e);
        return 0;
    }
    db_stmt_t *st = db_prepare(c, "SELECT index_provider FROM search_embed_settings WHERE id = 1");
    int r = st ? db_step(st) : DB_ERROR;
    snprintf(out, 8, "%s", r == DB_ROW && db_col_text(st, 0) ? db_col_text(st, 0) : "local");
    db_done(st);
    return r == DB_ERROR ? -1 : 0;
}

/* the vector of document id: the local model's now; openai's later (the
 * document is pending until the job search.embed, or the caller, embeds it) */
static int embed_doc(db_conn_t *c, int64_t id, const search_doc_t *d, const char *ttok, const char *btok)
{
    char prov[8];
    if (doc_provider(c, d, prov) != 0)
        return -1;
    bool oai = !strcmp(prov, "openai"), embedded;
    if (oai ? search_vec_store(c, id, 0, NULL, 0) != 0
            : search_vec_put(c, id, ttok, btok, strcmp(prov, "local") != 0, &embedded) != 0)
        return -1;
    db_stmt_t *st = db_prepare(
        c, "UPDATE search_docs SET embedding = ?, embed_state = ?, embed_error = NULL WHERE id = ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, prov);
    db_bind_text(st, 2, oai ? "pending" : NULL);
    db_bind_int64(st, 3, id);
    int r = db_step(st);
    db_done(st);
    if (r != DB_DONE)
        return -1;
    return oai && !d->embed_by_caller ? search_embed_kick(c) : 0;
}

static size_t body_len(const char *body)
{
    size_t blen = strlen(body);
    if (blen > SEARCH_BODY_MAX) {
        blen = SEARCH_BODY_MAX;
        while (blen && ((unsigned char)body[blen] & 0xC0) == 0x80)
            blen--;
    }
    return blen;
}

int search_doc_tokens(const char *title, const char *body, char **ttok, char **btok)
{
    title = title ? title : "";
    body = body ? body : "";
    *ttok = search_tokenize(title, strlen(title), NULL);
    *btok = *ttok ? search_tokenize(body, body_len(body), NULL) : NULL;
    if (*ttok && *btok)
        return 0;
    free(*ttok);
    *ttok = NULL;
    return -1;
}

int search_put(db_conn_t *c, const search_doc_t *d)
{
    int rc = -1;
    char *mine_t = NULL, *mine_b = NULL, *tsv = NULL, *tags = NULL, *attrs = NULL;
    const char *title = d->title ? d->title : "", *body = d->body ? d->body : "";
    size_t blen = body_len(body);
    const char *ttok = d->title_tokens, *btok = d->body_tokens;
    if (!ttok || !btok) {
        if (search_doc_tokens(title, body, &mine_t, &mine_b) != 0)
            goto out;
        ttok = mine_t;
        btok = mine_b;
    }
    if (!d->kind)
        goto out;
    json_t *ta = json_array();
    for (const char *const *t = d->tags; t && *t; t++)
        if (**t)
            json_array_append_new(ta, json_string(*t));
    tags = json_dumps(ta, JSON_COMPACT);
    json_decref(ta);
    attrs = json_is_object(d->attrs) ? json_dumps(d->attrs, JSON_COMPACT) : strdup("{}");
    if (!tags || !attrs)
        goto out;
    /* the district above the owner (or the owner itself), for the facet */
    db_stmt_t *st = db_prepare(
        c, "SELECT COALESCE((SELECT x.id FROM orgs x WHERE x.type = 'district' AND o.path LIKE x.path || '%' "
           "ORDER BY x.depth DESC LIMIT 1), (SELECT t.id FROM orgs t WHERE t.depth = 1 AND o.path LIKE "
           "t.path || '%'), o.id) FROM orgs o WHERE o.id = ?");
    if (!st)
        goto out;
    db_bind_int64(st, 1, d->org_id);
    int r = db_step(st);
    int64_t district = r == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    if (r == DB_ERROR)
        goto out;
    bool pg = is_pg(c);
    if (pg)
        tsv = tsv_literal(ttok, btok);
    int64_t id = doc_id(c, d->kind, d->ref_id), now = time_now_ms();
    if (id < 0)
        goto out;
    if (id)
        st = db_prepare(c,
                        pg ? "UPDATE search_docs SET org_id = ?, district_id = ?, created_by = ?, title = ?, "
                             "body = ?, tags = ?, attrs = ?, doc_time = ?, weight = ?, updated_at = ?, "
                             "tsv = CAST(? AS tsvector) WHERE id = ?"
                           : "UPDATE search_docs SET org_id = ?, district_id = ?, created_by = ?, title = ?, "
                             "body = ?, tags = ?, attrs = ?, doc_time = ?, weight = ?, updated_at = ? "
                             "WHERE id = ?");
    else
        st =
            db_prepare(c, pg ? "INSERT INTO search_docs (org_id, district_id, created_by, title, body, tags, "
                               "attrs, doc_time, weight, updated_at, tsv, kind, ref_id, created_at) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS tsvector), ?, ?, ?) RETURNING id"
                             : "INSERT INTO search_docs (org_id, district_id, created_by, title, body, tags, "
                               "attrs, doc_time, weight, updated_at, kind, ref_id, created_at) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        goto out;
    int k = 1;
    db_bind_int64(st, k++, d->org_id);
    if (district > 0)
        db_bind_int64(st, k++, district);
    else
        db_bind_null(st, k++);
    db_bind_int64(st, k++, d->created_by);
    db_bind_text(st, k++, title);
    db_bind_textn(st, k++, body, blen);
    db_bind_text(st, k++, tags);
    db_bind_text(st, k++, attrs);
    db_bind_int64(st, k++, d->time_ms ? d->time_ms : now);
    db_bind_double(st, k++, d->weight > 0 ? d->weight : 1.0);
    db_bind_int64(st, k++, now);
    if (pg)
        db_bind_text(st, k++, tsv);
    if (id) {
        db_bind_int64(st, k++, id);
        r = db_step(st);
    } else {
        db_bind_text(st, k++, d->kind);
        db_bind_int64(st, k++, d->ref_id);
        db_bind_int64(st, k++, now);
        r = db_step(st);
        if (r == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (r == DB_ERROR || id <= 0)
        goto out;
    if (DB_EXEC_I64(c, "DELETE FROM search_doc_facets WHERE doc_id = ?", id) != 0)
        goto out;
    for (const char *const *t = d->tags; t && *t; t++)
        if (put_facet(c, id, "tag", *t) != 0)
            goto out;
    const char *key;
    json_t *v;
    if (json_is_object(d->attrs))
        json_object_foreach(d->attrs, key, v) if (json_is_string(v) && strcmp(key, "tag") != 0 &&
                                                  put_facet(c, id, key, json_string_value(v)) != 0) goto out;
    if (!pg) {
        if (DB_EXEC_I64(c, "DELETE FROM search_fts WHERE rowid = ?", id) != 0)
            goto out;
        st = db_prepare(c, "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)");
        if (!st)
            goto out;
        db_bind_int64(st, 1, id);
        db_bind_text(st, 2, ttok);
        db_bind_text(st, 3, btok);
        r = db_step(st);
        db_done(st);
        if (r != DB_DONE)
            goto out;
        /* the length bm25_len() ranks with (0406_search_rank_table.sql) */
        if (DB_EXEC_I64(c, "UPDATE search_rank SET ntok = ? WHERE id = ?",
                        (int64_t)(sqlite_bm25_tokens(ttok) + sqlite_bm25_tokens(btok)), id) != 0)
            goto out;
    }
    if (embed_doc(c, id, d, ttok, btok) != 0)
        goto out;
    rc = 0;
out:
    free(mine_t);
    free(mine_b);
    free(tsv);
    free(tags);
    free(attrs);
    return rc;
}

int search_delete(db_conn_t *c, const char *kind, int64_t ref_id)
{
    int64_t id = doc_id(c, kind, ref_id);
    if (id <= 0)
        return (int)id;
    if (DB_EXEC_I64(c, "DELETE FROM search_doc_facets WHERE doc_id = ?", id) != 0 ||
        (!is_pg(c) && DB_EXEC_I64(c, "DELETE FROM search_fts WHERE rowid = ?", id) != 0) ||
        DB_EXEC_I64(c, "DELETE FROM search_docs WHERE id = ?", id) != 0 || search_vec_delete(c, id) != 0)
        return -1;
    return 0;
}

/* ---- rebuild ---- */

static int drop_kind(db_conn_t *c, const char *kind)
{
    static const char *const SQL[] = {
        "DELETE FROM search_vectors WHERE doc_id IN (SELECT id FROM search_docs WHERE kind = ?)",
        "INSERT INTO search_vec_log (doc_id, model_id, created_at) SELECT id, (SELECT COALESCE(MAX(id), 0) "
        "FROM "
        "search_vec_models), 0 FROM search_docs WHERE kind = ?",
        "DELETE FROM search_doc_facets WHERE doc_id IN (SELECT id FROM search_docs WHERE kind = ?)",
        "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE kind = ?)",
        "DELETE FROM search_docs WHERE kind = ?"};
    for (size_t i = 0; i < 5; i++) {
        if (i == 3 && is_pg(c))
            continue;
        db_stmt_t *st = db_prepare(c, SQL[i]);
        if (!st)
            return -1;
        db_bind_text(st, 1, kind);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

int search_rebuild(db_t *db, const char *kind, search_progress_fn progress, void *ud, int64_t *count,
                   char *err, size_t errlen)
{
    *count = 0;
    if (kind && !search_kind(kind)) {
        snprintf(err, errlen, "unknown kind %s", kind);
        return -1;
    }
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < g_nkinds && rc == 0; i++) {
        const search_kind_t *k = g_kinds[i];
        if ((kind && strcmp(kind, k->kind) != 0) || !k->reindex)
            continue;
        if (db_begin(c) != 0 || drop_kind(c, k->kind) != 0 || k->reindex(c, progress, ud) != 0) {
            snprintf(err, errlen, "%s: %s", k->kind, db_errmsg(c));
            db_rollback(c);
            rc = -1;
            break;
        }
        if (db_commit(c) != 0) {
            snprintf(err, errlen, "%s: commit failed: %s", k->kind, db_errmsg(c));
            rc = -1;
            break;
        }
        db_stmt_t *st = db_prepare(c, "SELECT COUNT(*) FROM search_docs WHERE kind = ?");
        if (st) {
            db_bind_text(st, 1, k->kind);
            if (db_step(st) == DB_ROW)
                *count += db_col_int64(st, 0);
        }
        db_done(st);
    }
    db_release(c);
    return rc;
}
