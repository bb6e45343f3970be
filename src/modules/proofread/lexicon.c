/* lexicon.c — the lexicons' storage side: the built-in lexicons shipped in
 * data/lexicons (parsing, seeding into the database), loading every enabled
 * entry for the engine, the rules for words and suggestions, and the
 * version/history bookkeeping every change goes through. */
#include "auth/auth.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "core/vec.h"
#include "modules/proofread/internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- words ---- */

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return true;
    /* U+2028/U+2029 line separators */
    return strstr(s, "\xe2\x80\xa8") || strstr(s, "\xe2\x80\xa9");
}

const char *proofread_lexicon_check_word(const char *word, char **norm)
{
    *norm = NULL;
    if (!word || !*word)
        return "词条不能为空";
    if (!utf8_valid(word, strlen(word)))
        return "不是有效的 UTF-8 文本";
    if (has_control(word))
        return "不能包含换行或控制字符";
    size_t chars = utf8_count(word, strlen(word));
    if (chars > LEXICON_MAX_WORD_CHARS)
        return "词条过长（最多 100 个字符）";
    char *n = pr_normalize_word(word);
    if (!n)
        return "词条无法处理";
    if (!*n) {
        free(n);
        return "词条只有空格、标点或符号";
    }
    *norm = n;
    return NULL;
}

const char *proofread_lexicon_check_suggestion(const char *s)
{
    if (!s)
        return NULL;
    if (!utf8_valid(s, strlen(s)))
        return "不是有效的 UTF-8 文本";
    if (has_control(s))
        return "不能包含换行或控制字符";
    if (utf8_count(s, strlen(s)) > LEXICON_MAX_SUGGESTION_CHARS)
        return "建议过长（最多 200 个字符）";
    return NULL;
}

/* ---- built-in lexicons ---- */

void proofread_lexicon_builtin_free(lexicon_builtin_t *b)
{
    if (!b)
        return;
    free(b->entries);
    free(b->text);
    memset(b, 0, sizeof *b);
}

int proofread_lexicon_builtin_parse(const zd_embedded_t *f, lexicon_builtin_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->key = f->name;
    out->category = PR_CUSTOM;
    out->severity = PR_WARN;
    crypto_sha256_hex(f->data, f->len, out->hash);
    out->text = malloc(f->len + 1);
    size_t lines = 1;
    for (size_t i = 0; i < f->len; i++)
        lines += f->data[i] == '\n';
    out->entries = malloc(lines * sizeof *out->entries);
    if (!out->text || !out->entries) {
        snprintf(err, errlen, "out of memory");
        proofread_lexicon_builtin_free(out);
        return -1;
    }
    memcpy(out->text, f->data, f->len);
    out->text[f->len] = 0;
    int lineno = 0;
    for (char *line = out->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = 0;
        if (line[0] == '#') {
            const char *keys[] = {"# name:", "# category:", "# severity:", "# description:"};
            for (int k = 0; k < 4; k++) {
                size_t kl = strlen(keys[k]);
                if (strncmp(line, keys[k], kl) != 0)
                    continue;
                const char *v = line + kl;
                while (*v == ' ')
                    v++;
                if (k == 0)
                    str_lcpy(out->name, v, sizeof out->name);
                else if (k == 1 && !pr_category_parse(v, &out->category))
                    goto bad;
                else if (k == 2 && !pr_severity_parse(v, &out->severity))
                    goto bad;
                else if (k == 3)
                    str_lcpy(out->description, v, sizeof out->description);
            }
        } else if (l) {
            char *f2 = strchr(line, '\t'), *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
            if (f2)
                *f2++ = 0;
            if (f3)
                *f3++ = 0;
            lexicon_builtin_entry_t *e = &out->entries[out->n++];
            e->word = line;
            e->suggestion = f2 && *f2 ? f2 : NULL;
            e->severity = -1;
            pr_severity_t sv;
            if (f3 && !pr_severity_parse(f3, &sv))
                goto bad;
            if (f3)
                e->severity = (int)sv;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!out->name[0]) {
        snprintf(err, errlen, "%s: no \"# name:\" line", f->name);
        proofread_lexicon_builtin_free(out);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "%s:%d: invalid line", f->name, lineno);
    proofread_lexicon_builtin_free(out);
    return -1;
}

/* ---- bookkeeping ---- */

int proofread_lexicon_record(db_conn_t *c, int64_t lexicon_id, int64_t entry_id, const char *action,
                             const char *word, http_req_t *req, json_t *detail)
{
    int64_t now = time_now_ms(), version = 0, actor = req ? http_user_id(req) : 0;
    int rc = -1;
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    db_stmt_t *st = db_prepare(c, "UPDATE proofread_lexicons SET version = version + 1, updated_at = ?, "
                                  "updated_by = ? WHERE id = ?");
    if (!st)
        goto out;
    db_bind_int64(st, 1, now);
    db_bind_id(st, 2, actor);
    db_bind_int64(st, 3, lexicon_id);
    int r = db_step(st);
    db_done(st);
    if (r != DB_DONE)
        goto out;
    st = db_prepare(c, "SELECT version FROM proofread_lexicons WHERE id = ?");
    if (!st)
        goto out;
    db_bind_int64(st, 1, lexicon_id);
    if (db_step(st) == DB_ROW)
        version = db_col_int64(st, 0);
    db_done(st);
    st = db_prepare(
        c, "INSERT INTO proofread_history (lexicon_id, entry_id, version, action, word, actor_id, at, "
           "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    db_bind_int64(st, 1, lexicon_id);
    db_bind_id(st, 2, entry_id);
    db_bind_int64(st, 3, version);
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, word);
    db_bind_id(st, 6, actor);
    db_bind_int64(st, 7, now);
    db_bind_text(st, 8, d);
    r = db_step(st);
    db_done(st);
    if (r != DB_DONE)
        goto out;
    {
        char act[64];
        snprintf(act, sizeof act, "%s%s", str_starts_with(action, "lexicon.") ? "" : "lexicon.", action);
        json_t *after = d ? json_loads(d, 0, NULL) : NULL;
        audit_entry_t ae = {.action = act,
                            .target_type = entry_id ? "lexicon_entry" : "lexicon",
                            .target = entry_id ? entry_id : lexicon_id,
                            .detail = word,
                            .after = after};
        rc = audit_write(c, req, &ae);
        json_decref(after);
    }
out:
    free(d);
    return rc;
}

int proofread_lexicon_recount(db_conn_t *c, int64_t lexicon_id)
{
    db_stmt_t *st =
        db_prepare(c, "UPDATE proofread_lexicons SET entry_count = (SELECT COUNT(*) FROM "
                      "proofread_entries WHERE lexicon_id = ? AND deleted_at IS NULL) WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lexicon_id);
    db_bind_int64(st, 2, lexicon_id);
    int r = db_step(st);
    db_done(st);
    return r == DB_DONE ? 0 : -1;
}

int64_t proofread_lexicon_revision(db_conn_t *c)
{
    int64_t v = 0;
    int r = db_query_int64(c, "SELECT COALESCE(MAX(id), 0) FROM proofread_history", &v);
    return r < 0 ? -1 : v;
}

/* ---- seeding ---- */

/* Inserts the entries of b not yet in the lexicon (also not as deleted
 * rows: what the customer deleted stays deleted). Returns how many, or -1. */
static int64_t seed_entries(db_conn_t *c, int64_t lex, const lexicon_builtin_t *b)
{
    int64_t added = 0, now = time_now_ms();
    for (size_t i = 0; i < b->n; i++) {
        const lexicon_builtin_entry_t *e = &b->entries[i];
        char *norm = NULL;
        if (proofread_lexicon_check_word(e->word, &norm) != NULL) {
            log_msg(LOG_APP, LOG_WARN, "proofread.seed_invalid", "内置词库 %s：无效词条 %s", b->key, e->word);
            continue;
        }
        db_stmt_t *st = db_prepare(c, "SELECT 1 FROM proofread_entries WHERE lexicon_id = ? AND norm = ?");
        if (!st) {
            free(norm);
            return -1;
        }
        db_bind_int64(st, 1, lex);
        db_bind_text(st, 2, norm);
        int r = db_step(st);
        db_done(st);
        if (r == DB_ROW) {
            free(norm);
            continue;
        }
        st = db_prepare(c, "INSERT INTO proofread_entries (lexicon_id, word, norm, suggestion, severity, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!st) {
            free(norm);
            return -1;
        }
        db_bind_int64(st, 1, lex);
        db_bind_text(st, 2, e->word);
        db_bind_text(st, 3, norm);
        db_bind_text(st, 4, e->suggestion);
        db_bind_text(st, 5, e->severity >= 0 ? pr_severity_name((pr_severity_t)e->severity) : NULL);
        db_bind_int64(st, 6, now);
        db_bind_int64(st, 7, now);
        r = db_step(st);
        db_done(st);
        free(norm);
        if (r != DB_DONE)
            return -1;
        added++;
    }
    return added;
}

static int seed_one(db_t *db, const lexicon_builtin_t *b, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "database unavailable");
        return -1;
    }
    int rc = -1;
    if (db_begin(c) != 0)
        goto dberr;
    db_stmt_t *st = db_prepare(c, "SELECT id, builtin_hash FROM proofread_lexicons WHERE builtin = ?");
    if (!st)
        goto dberr;
    db_bind_text(st, 1, b->key);
    int r = db_step(st);
    int64_t id = r == DB_ROW ? db_col_int64(st, 0) : 0;
    bool same = r == DB_ROW && db_col_text(st, 1) && !strcmp(db_col_text(st, 1), b->hash);
    db_done(st);
    if (r == DB_ERROR)
        goto dberr;
    if (same) {
        rc = 0;
        goto out;
    }
    int64_t now = time_now_ms();
    const char *action = id ? "seed.update" : "seed";
    if (!id) {
        /* a customer lexicon may already use the name */
        for (int attempt = 0; attempt < 2 && !id; attempt++) {
            char name[160];
            snprintf(name, sizeof name, "%s%s", b->name, attempt ? "（内置）" : "");
            st = db_prepare(c, "SELECT 1 FROM proofread_lexicons WHERE name = ? AND deleted_at IS NULL");
            if (!st)
                goto dberr;
            db_bind_text(st, 1, name);
            r = db_step(st);
            db_done(st);
            if (r == DB_ROW)
                continue;
            st = db_prepare(
                c, "INSERT INTO proofread_lexicons (name, category, severity, description, builtin, "
                   "builtin_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
            if (!st)
                goto dberr;
            db_bind_text(st, 1, name);
            db_bind_text(st, 2, pr_category_name(b->category));
            db_bind_text(st, 3, pr_severity_name(b->severity));
            db_bind_text(st, 4, b->description[0] ? b->description : NULL);
            db_bind_text(st, 5, b->key);
            db_bind_text(st, 6, b->hash);
            db_bind_int64(st, 7, now);
            db_bind_int64(st, 8, now);
            if (db_step(st) == DB_ROW)
                id = db_col_int64(st, 0);
            db_done(st);
            if (!id)
                goto dberr;
        }
        if (!id) {
            snprintf(err, errlen, "built-in lexicon %s: its name is taken", b->key);
            goto out;
        }
    } else {
        st = db_prepare(c, "UPDATE proofread_lexicons SET builtin_hash = ? WHERE id = ?");
        if (!st)
            goto dberr;
        db_bind_text(st, 1, b->hash);
        db_bind_int64(st, 2, id);
        r = db_step(st);
        db_done(st);
        if (r != DB_DONE)
            goto dberr;
    }
    int64_t added = seed_entries(c, id, b);
    json_t *detail = json_pack("{s:s,s:I}", "file", b->key, "added", (json_int_t)added);
    bool recorded = added >= 0 && proofread_lexicon_recount(c, id) == 0 &&
                    proofread_lexicon_record(c, id, 0, action, NULL, NULL, detail) == 0 && db_commit(c) == 0;
    json_decref(detail);
    if (!recorded)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "proofread.seeded", "内置词库 %s：新增 %lld 条", b->key, (long long)added);
    rc = 0;
    goto out;
dberr:
    /* another node seeding at the same moment is fine */
    if (db_errcode(c) == DB_E_UNIQUE)
        rc = 0;
    else
        snprintf(err, errlen, "seeding %s: %s", b->key, db_errmsg(c));
out:
    db_release(c);
    return rc;
}

int proofread_lexicon_seed(db_t *db, char *err, size_t errlen)
{
    for (const zd_embedded_t *f = zd_data; f->name; f++) {
        if (!str_ends_with(f->name, ".lex"))
            continue;
        lexicon_builtin_t b;
        if (proofread_lexicon_builtin_parse(f, &b, err, errlen) != 0)
            return -1;
        int rc = seed_one(db, &b, err, errlen);
        proofread_lexicon_builtin_free(&b);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- loading ---- */

int proofread_lexicon_push(pr_entry_t **v, size_t *n, size_t *cap, const pr_entry_t *e)
{
    if (vec_reserve((void **)v, cap, *n, sizeof **v, 1024) != 0)
        return -1;
    (*v)[(*n)++] = *e;
    return 0;
}

int proofread_lexicon_collect(db_conn_t *c, arena_t *a, pr_entry_t **v, size_t *n, size_t *cap)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT e.id, e.word, e.suggestion, COALESCE(e.severity, l.severity), l.id, "
           "l.name, l.category, l.repeats, l.pinyin FROM proofread_entries e JOIN proofread_lexicons l ON "
           "l.id = e.lexicon_id WHERE l.enabled = 1 AND l.deleted_at IS NULL AND "
           "e.deleted_at IS NULL ORDER BY l.id, e.id");
    if (!st)
        return -1;
    int r;
    int64_t last_lex = 0;
    const char *lexname = NULL;
    while ((r = db_step(st)) == DB_ROW) {
        pr_entry_t e = {0};
        e.entry_id = db_col_int64(st, 0);
        e.word = arena_strdup(a, db_col_text(st, 1));
        e.suggestion = arena_strdup(a, db_col_text(st, 2));
        if (!pr_severity_parse(db_col_text(st, 3), &e.severity))
            e.severity = PR_WARN;
        e.lexicon_id = db_col_int64(st, 4);
        if (e.lexicon_id != last_lex) {
            lexname = arena_strdup(a, db_col_text(st, 5));
            last_lex = e.lexicon_id;
        }
        e.lexicon = lexname;
        if (!pr_category_parse(db_col_text(st, 6), &e.category))
            e.category = PR_CUSTOM;
        const char *rp = db_col_text(st, 7);
        e.repeats = rp && !strcmp(rp, "on")    ? PR_REPEATS_ON
                    : rp && !strcmp(rp, "off") ? PR_REPEATS_OFF
                                               : PR_REPEATS_DEFAULT;
        e.pinyin = db_col_bool(st, 8);
        if (proofread_lexicon_push(v, n, cap, &e) != 0) {
            db_done(st);
            return -1;
        }
    }
    db_done(st);
    return r == DB_DONE ? 0 : -1;
}

int proofread_lexicon_collect_builtin(arena_t *a, pr_entry_t **v, size_t *n, size_t *cap)
{
    char err[256];
    for (const zd_embedded_t *f = zd_data; f->name; f++) {
        if (!str_ends_with(f->name, ".lex"))
            continue;
        lexicon_builtin_t b;
        if (proofread_lexicon_builtin_parse(f, &b, err, sizeof err) != 0)
            return -1;
        const char *name = arena_strdup(a, b.name);
        for (size_t i = 0; i < b.n; i++) {
            pr_entry_t e = {arena_strdup(a, b.entries[i].word),
                            b.entries[i].suggestion ? arena_strdup(a, b.entries[i].suggestion) : NULL,
                            name,
                            0,
                            0,
                            b.category,
                            b.entries[i].severity >= 0 ? (pr_severity_t)b.entries[i].severity : b.severity};
            if (proofread_lexicon_push(v, n, cap, &e) != 0) {
                proofread_lexicon_builtin_free(&b);
                return -1;
            }
        }
        proofread_lexicon_builtin_free(&b);
    }
    return 0;
}
