/* maint.c — keeping the store true and tidy:
 *
 * storage.verify (校核, weekly, on demand, `zhendi storage verify`):
 *   re-hashes every blob; one whose content no longer matches its name is
 *   quarantined (moved to q/<sha>.<time>, status corrupt) and one that is
 *   gone is marked missing; downloads of either answer 410; every finding
 *   is in the audit log and the run's result; a later upload of the same
 *   content heals it.
 * storage.gc (hourly): unfinished uploads past their expiry, the recycle
 *   bin after storage_recycle_days, and blobs no row has used for
 *   storage_blob_grace_hours.
 */
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/storage/internal.h"
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SHA-256 of an object through the store's range reads: 1 hashed, 0
 * absent, -1 error. */
static int hash_object(blob_store_t *b, const char *key, char out[65], int64_t *size, char *err,
                       size_t errlen)
{
    int st = b->ops->stat(b, key, size, err, errlen);
    if (st != 1)
        return st;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    size_t cap = 1 << 20;
    unsigned char *buf = malloc(cap);
    int64_t off = 0;
    int rc = buf ? 1 : -1;
    int fd = b->ops->open_fd(b, key);
    while (rc == 1) {
        ssize_t n = fd >= 0 ? pread(fd, buf, cap, off) : b->ops->read_at(b, key, off, buf, cap, err, errlen);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(m, buf, (size_t)n);
        off += n;
    }
    if (fd >= 0)
        close(fd);
    unsigned char d[32];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(m, d, &dl);
    EVP_MD_CTX_free(m);
    free(buf);
    if (rc == 1)
        str_hex(d, 32, out);
    *size = off;
    return rc;
}

/* Moves a corrupt object aside (kept for investigation). */
static int quarantine(blob_store_t *b, const char *sha, char *qkey, size_t qsz, char *err, size_t errlen)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s/tmp/quarantine-%.16s-%d", storage_config()->data, sha, getpid());
    snprintf(qkey, qsz, "q/%.64s.%lld", sha, (long long)time_now_ms());
    if (b->ops->fetch(b, sha, tmp, err, errlen) != 0)
        return -1;
    int rc = b->ops->put_file(b, qkey, tmp, true, err, errlen);
    unlink(tmp);
    if (rc != 0)
        return -1;
    return b->ops->remove(b, sha, false, err, errlen);
}

static int record_finding(db_conn_t *c, const char *sha, const char *status, const char *note, int64_t now)
{
    if (db_begin(c) != 0)
        return -1;
    db_stmt_t *st =
        db_prepare(c, "UPDATE storage_blobs SET status = ?, status_note = ?, verified_at = ? WHERE "
                      "sha256 = ? AND status <> 'deleting'");
    int rc = DB_ERROR;
    if (st) {
        db_bind_text(st, 1, status);
        db_bind_text(st, 2, note);
        db_bind_int64(st, 3, now);
        db_bind_text(st, 4, sha);
        rc = db_step(st);
    }
    db_done(st);
    audit_entry_t ae = {.action = "storage.verify.finding",
                        .target_type = "storage_blob",
                        .target_id = sha,
                        .outcome = "failure",
                        .detail = note,
                        .actor_name = "系统"};
    if (rc != DB_DONE || audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0) {
        db_rollback(c);
        return -1;
    }
    log_msg(LOG_SECURITY, LOG_ERROR, "storage.integrity", "文件内容 %s %s：%s", sha, status, note);
    return 0;
}

json_t *storage_verify_run(db_t *db, storage_progress_fn fn, void *ud, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "数据库不可用");
        return NULL;
    }
    int64_t t0 = time_now_ms(), total = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM storage_blobs WHERE status <> 'deleting'", &total) < 0) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        db_release(c);
        return NULL;
    }
    blob_store_t *b = storage_blobs();
    json_t *findings = json_array();
    int64_t checked = 0, ok = 0, missing = 0, corrupt = 0, healed = 0, bytes = 0, skipped = 0;
    char last[72] = "";
    bool stop = false;
    for (;;) { /* in pages by key, so that no statement stays open while hashing */
        char shas[100][72], status[100][16];
        bool busy[100];
        int n = 0;
        /* a blob whose ingest is running is being written: not judged */
        db_stmt_t *st =
            db_prepare(c, "SELECT b.sha256, b.status, EXISTS (SELECT 1 FROM storage_uploads up WHERE "
                          "up.sha256 = b.sha256 AND up.status = 'processing') FROM storage_blobs b "
                          "WHERE b.sha256 > ? AND b.status <> 'deleting' ORDER BY b.sha256 LIMIT 100");
        if (!st)
            break;
        db_bind_text(st, 1, last);
        while (n < 100 && db_step(st) == DB_ROW) {
            str_lcpy(shas[n], db_col_text(st, 0), sizeof shas[n]);
            str_lcpy(status[n], db_col_text(st, 1), sizeof status[n]);
            busy[n] = db_col_int64(st, 2) != 0;
            n++;
        }
        db_done(st);
        for (int i = 0; i < n && !stop; i++) {
            str_lcpy(last, shas[i], sizeof last);
            int64_t now = time_now_ms();
            if (busy[i]) {
                skipped++;
                continue;
            }
            char got[65] = "", e[300] = "";
            int64_t size = 0;
            int h = hash_object(b, shas[i], got, &size, e, sizeof e);
            checked++;
            if (h == 1 && !strcmp(got, shas[i])) {
                ok++;
                bytes += size;
                db_stmt_t *u =
                    db_prepare(c, "UPDATE storage_blobs SET verified_at = ?, status = 'ok', status_note = "
                                  "NULL WHERE sha256 = ? AND status <> 'deleting'");
                if (u) {
                    db_bind_int64(u, 1, now);
                    db_bind_text(u, 2, shas[i]);
                    db_step(u);
                }
                db_done(u);
                if (strcmp(status[i], "ok") != 0)
                    healed++;
                continue;
            }
            char note[600];
            const char *what;
            if (h == 0) {
                what = "missing";
                missing++;
                snprintf(note, sizeof note, "存储对象缺失");
            } else if (h == 1) {
                what = "corrupt";
                corrupt++;
                char qkey[200];
                if (quarantine(b, shas[i], qkey, sizeof qkey, e, sizeof e) == 0)
                    snprintf(note, sizeof note, "内容校验值不符（实为 %.16s…），已隔离到 %s", got, qkey);
                else
                    snprintf(note, sizeof note, "内容校验值不符（实为 %.16s…），隔离失败：%s", got, e);
            } else {
                /* the store could not be read: not a finding about this blob */
                json_array_append_new(
                    findings, json_pack("{s:s,s:s,s:s}", "sha256", shas[i], "status", "error", "note", e));
                continue;
            }
            if (strcmp(status[i], what) != 0) /* reported once, not every run */
                record_finding(c, shas[i], what, note, now);
            json_array_append_new(
                findings, json_pack("{s:s,s:s,s:s}", "sha256", shas[i], "status", what, "note", note));
        }
        if (stop || n < 100)
            break;
        if (fn && !fn(ud, checked + skipped, total)) {
            stop = true;
            break;
        }
    }
    db_release(c);
    if (stop) {
        json_decref(findings);
        snprintf(err, errlen, "已中止");
        return NULL;
    }
    if (fn)
        fn(ud, total, total);
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "checked", (json_int_t)checked, "ok",
                     (json_int_t)ok, "missing", (json_int_t)missing, "corrupt", (json_int_t)corrupt, "healed",
                     (json_int_t)healed, "skipped", (json_int_t)skipped, "bytes", (json_int_t)bytes,
                     "elapsed_ms", (json_int_t)(time_now_ms() - t0), "findings", findings);
}

static bool job_fn(void *ud, int64_t done, int64_t total)
{
    return job_progress(ud, done, total, "校核存储对象");
}

int storage_job_verify(job_ctx_t *ctx)
{
    char err[300];
    json_t *r = storage_verify_run(job_db(ctx), job_fn, ctx, err, sizeof err);
    if (!r) {
        job_error(ctx, "%s", err);
        return JOB_RETRY;
    }
    job_items(ctx, jint(r, "checked", 0));
    job_result(ctx, r);
    return JOB_OK;
}

/* ---- gc ---- */

static int expire_uploads(db_conn_t *c, int64_t now)
{
    int n = 0;
    for (;;) {
        char ids[100][40];
        int k = 0;
        db_stmt_t *st =
            db_prepare(c, "SELECT id FROM storage_uploads WHERE status = 'receiving' AND expires_at < ? "
                          "LIMIT 100");
        if (!st)
            return -1;
        db_bind_int64(st, 1, now);
        while (k < 100 && db_step(st) == DB_ROW)
            str_lcpy(ids[k++], db_col_text(st, 0), sizeof ids[k]);
        db_done(st);
        for (int i = 0; i < k; i++) {
            st = db_prepare(
                c, "UPDATE storage_uploads SET status = 'cancelled', error_code = 'expired', error = "
                   "'超过续传期限未完成', updated_at = ? WHERE id = ? AND status = 'receiving'");
            if (!st)
                return -1;
            db_bind_int64(st, 1, now);
            db_bind_text(st, 2, ids[i]);
            db_step(st);
            db_done(st);
            char p[1200];
            storage_part_path(ids[i], p, sizeof p);
            unlink(p);
            n++;
        }
        if (k < 100)
            break;
    }
    /* outcomes are kept a month for the uploaders' lists */
    db_stmt_t *st = db_prepare(c, "DELETE FROM storage_uploads WHERE status <> 'receiving' AND status <> "
                                  "'processing' AND updated_at < ?");
    if (st) {
        db_bind_int64(st, 1, now - 30LL * 86400000);
        db_step(st);
    }
    db_done(st);
    return n;
}

/* The recycle bin's expired items, one transaction and one audit record each. */
static int purge_expired(db_conn_t *c, int64_t now, bool folders)
{
    int64_t cutoff = now - storage_cfg.recycle_days * 86400000;
    int n = 0;
    for (;;) {
        int64_t ids[100];
        char names[100][128];
        int k = 0;
        db_stmt_t *st =
            db_prepare(c, folders ? "SELECT id, name FROM storage_folders WHERE deleted_at < ? AND "
                                    "trashed_with IS NULL LIMIT 100"
                                  : "SELECT id, name FROM storage_files WHERE deleted_at < ? AND "
                                    "trashed_with IS NULL LIMIT 100");
        if (!st)
            return -1;
        db_bind_int64(st, 1, cutoff);
        while (k < 100 && db_step(st) == DB_ROW) {
            ids[k] = db_col_int64(st, 0);
            str_lcpy(names[k], db_col_text(st, 1), sizeof names[k]);
            k++;
        }
        db_done(st);
        for (int i = 0; i < k; i++) {
            audit_entry_t ae = {.action = "storage.trash.purge_expired",
                                .target_type = folders ? "storage_folder" : "storage_file",
                                .target = ids[i],
                                .detail = names[i],
                                .actor_name = "系统"};
            int rc = db_begin(c) == 0 ? (folders ? storage_purge_folder(c, ids[i], now)
                                                 : storage_purge_file(c, ids[i], now))
                                      : -1;
            if (rc < 0 || audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0) {
                db_rollback(c);
                return -1;
            }
            n++;
        }
        if (k < 100)
            break;
    }
    return n;
}

/* Blobs nobody has used for the grace period: marked, removed, forgotten. */
static int collect_blobs(db_conn_t *c, int64_t now, char *err, size_t errlen)
{
    int64_t cutoff = now - storage_cfg.blob_grace_hours * 3600000;
    blob_store_t *b = storage_blobs();
    int n = 0;
    for (;;) {
        char shas[100][72];
        int k = 0;
        db_stmt_t *st =
            db_prepare(c, "SELECT sha256 FROM storage_blobs WHERE refs <= 0 AND unreferenced_at <= ? "
                          "AND status <> 'deleting' LIMIT 100");
        if (!st)
            return -1;
        db_bind_int64(st, 1, cutoff);
        while (k < 100 && db_step(st) == DB_ROW)
            str_lcpy(shas[k++], db_col_text(st, 0), sizeof shas[k]);
        db_done(st);
        for (int i = 0; i < k; i++) {
            /* marked first: an ingest of the same content waits (retries) meanwhile */
            st = db_prepare(c,
                            "UPDATE storage_blobs SET status = 'deleting' WHERE sha256 = ? AND refs <= 0 AND "
                            "status <> 'deleting'");
            if (!st)
                return -1;
            db_bind_text(st, 1, shas[i]);
            int rc = db_step(st);
            db_done(st);
            if (rc != DB_DONE || db_changes(c) != 1)
                continue;
            char key[120];
            snprintf(key, sizeof key, "d/%.64s/", shas[i]);
            if (b->ops->remove(b, shas[i], false, err, errlen) != 0 ||
                b->ops->remove(b, key, true, err, errlen) != 0)
                return -1; /* stays 'deleting'; the next run tries again */
            st = db_prepare(c, "DELETE FROM storage_blobs WHERE sha256 = ? AND status = 'deleting'");
            if (!st)
                return -1;
            db_bind_text(st, 1, shas[i]);
            db_step(st);
            db_done(st);
            n++;
        }
        if (k < 100)
            break;
    }
    /* a run that stopped between the mark and the removal left 'deleting' rows */
    db_stmt_t *st =
        db_prepare(c, "SELECT sha256 FROM storage_blobs WHERE status = 'deleting' AND refs <= 0 LIMIT 100");
    char left[100][72];
    int k = 0;
    while (st && k < 100 && db_step(st) == DB_ROW)
        str_lcpy(left[k++], db_col_text(st, 0), sizeof left[k]);
    db_done(st);
    for (int i = 0; i < k; i++) {
        char key[120];
        snprintf(key, sizeof key, "d/%.64s/", left[i]);
        if (b->ops->remove(b, left[i], false, err, errlen) == 0 &&
            b->ops->remove(b, key, true, err, errlen) == 0) {
            st = db_prepare(c, "DELETE FROM storage_blobs WHERE sha256 = ? AND status = 'deleting'");
            if (st) {
                db_bind_text(st, 1, left[i]);
                db_step(st);
            }
            db_done(st);
            n++;
        }
    }
    return n;
}

int storage_job_gc(job_ctx_t *ctx)
{
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c)
        return JOB_RETRY;
    int64_t now = time_now_ms();
    char err[300] = "";
    int up = expire_uploads(c, now);
    int files = up >= 0 ? purge_expired(c, now, false) : -1;
    int folders = files >= 0 ? purge_expired(c, now, true) : -1;
    int blobs = folders >= 0 ? collect_blobs(c, now, err, sizeof err) : -1;
    if (blobs < 0) {
        job_error(ctx, "存储清理失败：%s", err[0] ? err : db_errmsg(c));
        db_release(c);
        return JOB_RETRY;
    }
    db_release(c);
    job_items(ctx, up + files + folders + blobs);
    job_result(ctx, json_pack("{s:i,s:i,s:i,s:i}", "uploads_expired", up, "files_purged", files,
                              "folders_purged", folders, "blobs_collected", blobs));
    return JOB_OK;
}

/* ---- zhendi storage verify ---- */

static bool cli_progress(void *ud, int64_t done, int64_t total)
{
    (void)ud;
    fprintf(stderr, "\r校核 %lld / %lld", (long long)done, (long long)total);
    return true;
}

int storage_cli_run(const config_t *cfg, int argc, char **argv)
{
    bool json = false;
    const char *what = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!what)
            what = argv[i];
    }
    if (!what || strcmp(what, "verify") != 0) {
        fprintf(stderr, "usage: zhendi storage verify [--json]\n");
        return 2;
    }
    zd_app_t app;
    char err[512];
    if (modules_open_app(cfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "storage verify: %s\n", err);
        return 1;
    }
    json_t *r = storage_verify_run(app.db, json ? NULL : cli_progress, NULL, err, sizeof err);
    modules_close_app(&app);
    if (!r) {
        fprintf(stderr, "storage verify: %s\n", err);
        return 1;
    }
    int64_t bad = jint(r, "missing", 0) + jint(r, "corrupt", 0);
    if (json) {
        char *t = json_dumps(r, JSON_COMPACT);
        printf("%s\n", t);
        free(t);
    } else {
        fprintf(stderr, "\n");
        printf(
            "校核 %lld 个存储对象（%.1f MB），完好 %lld，缺失 %lld，内容不符 %lld，修复 %lld，用时 %lld ms\n",
            (long long)jint(r, "checked", 0), jint(r, "bytes", 0) / 1048576.0, (long long)jint(r, "ok", 0),
            (long long)jint(r, "missing", 0), (long long)jint(r, "corrupt", 0),
            (long long)jint(r, "healed", 0), (long long)jint(r, "elapsed_ms", 0));
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(r, "findings"), i, f)
            printf("%s\t%s\t%s\n", jstr(f, "sha256"), jstr(f, "status"), jstr(f, "note"));
    }
    json_decref(r);
    return bad ? 3 : 0;
}
