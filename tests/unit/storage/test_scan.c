/* test_scan.c — the virus scanner (modules/storage/scan.c) on the bundled
 * EICAR signature: clean, infected, infected inside a zip, unreadable,
 * too large; reloads that add a signature, that change nothing and that
 * fail (the old engine stays); and scans on eight threads while another
 * thread reloads over and over.
 *
 * The EICAR test string is put together at run time from two halves, so
 * that no file of the repository trips a virus scanner on a developer's
 * machine. */
#include "support/cm.h"

#include "modules/storage/scan.h"
#include "support/testutil.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

static const char EICAR_A[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
static const char EICAR_B[] = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
#define MARKER "Zhendi reload marker 7f3a9c: not a virus"

typedef struct {
    char *dir; /* temp root */
    char sigs[1100];
    char clean[1100], eicar[1100], zipped[1100], marked[1100];
    scan_engine_t *s;
} fx_t;

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void eicar(char out[69]) { snprintf(out, 69, "%s%s", EICAR_A, EICAR_B); }

static void write_zip(const char *path, const char *member, const char *data)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    zip_source_t *src = zip_source_buffer(z, data, strlen(data), 0);
    assert_non_null(src);
    assert_true(zip_file_add(z, "readme.txt", zip_source_buffer(z, "hello", 5, 0), 0) >= 0);
    assert_true(zip_file_add(z, member, src, 0) >= 0);
    assert_int_equal(zip_close(z), 0); /* data must live until here */
}

/* a .ndb signature for the text s */
static void write_ndb(const char *path, const char *name, const char *s)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%s:0:*:", name);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%02x", *p);
    line[n++] = '\n';
    /* beside it, then renamed: a reader never sees half a line */
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    write_file(tmp, line, (size_t)n);
    assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->dir = tu_tempdir();
    char err[512];
    snprintf(f->sigs, sizeof f->sigs, "%s/clamav", f->dir);
    if (scan_write_bundled(f->sigs, err, sizeof err) != 0)
        fail_msg("%s", err);
    snprintf(f->clean, sizeof f->clean, "%s/clean.txt", f->dir);
    const char *text = "党群服务阵地活动通知：本周六上午九点，社区党群服务中心。\n";
    write_file(f->clean, text, strlen(text));
    char e[69];
    eicar(e);
    snprintf(f->eicar, sizeof f->eicar, "%s/eicar.com", f->dir);
    write_file(f->eicar, e, strlen(e));
    snprintf(f->zipped, sizeof f->zipped, "%s/bundle.zip", f->dir);
    write_zip(f->zipped, "tools/eicar.com", e);
    snprintf(f->marked, sizeof f->marked, "%s/marked.txt", f->dir);
    write_file(f->marked, "before. " MARKER " .after\n", strlen("before. " MARKER " .after\n"));
    scan_options_t o = {.sigdir = f->sigs, .reload_check_s = 3600};
    f->s = scan_new(&o, err, sizeof err);
    if (!f->s)
        fail_msg("scan_new: %s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    scan_free(f->s);
    tu_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static int scan(fx_t *f, const char *path, char *virus, size_t vsz)
{
    char err[512];
    int r = scan_file(f->s, path, virus, vsz, err, sizeof err);
    if (r == SCAN_ERROR)
        fprintf(stderr, "scan %s: %s\n", path, err);
    return r;
}

static void clean_file_is_clean(void **state)
{
    fx_t *f = *state;
    char virus[128] = "x";
    assert_int_equal(scan(f, f->clean, virus, sizeof virus), SCAN_CLEAN);
    assert_string_equal(virus, "");
}

static void eicar_is_infected_with_the_signature_name(void **state)
{
    fx_t *f = *state;
    char virus[128];
    assert_int_equal(scan(f, f->eicar, virus, sizeof virus), SCAN_INFECTED);
    /* libclamav marks names from databases other than its signed ones */
    assert_string_equal(virus, "Zhendi.Test.EICAR.UNOFFICIAL");
}

static void eicar_inside_a_zip_is_infected(void **state)
{
    fx_t *f = *state;
    char virus[128];
    assert_int_equal(scan(f, f->zipped, virus, sizeof virus), SCAN_INFECTED);
    assert_string_equal(virus, "Zhendi.Test.EICAR.UNOFFICIAL");
}

static void unreadable_paths_are_errors(void **state)
{
    fx_t *f = *state;
    char virus[128], err[512], path[1200];
    snprintf(path, sizeof path, "%s/missing.bin", f->dir);
    assert_int_equal(scan_file(f->s, path, virus, sizeof virus, err, sizeof err), SCAN_ERROR);
    assert_non_null(strstr(err, "无法读取"));
    assert_int_equal(scan_file(f->s, f->dir, virus, sizeof virus, err, sizeof err), SCAN_ERROR);
    assert_true(err[0] != 0);
}

static void a_file_above_the_limit_is_refused_not_passed(void **state)
{
    fx_t *f = *state;
    char err[512], virus[128], big[1200];
    scan_options_t o = {.sigdir = f->sigs, .max_file_mb = 1};
    scan_engine_t *s = scan_new(&o, err, sizeof err);
    assert_non_null(s);
    snprintf(big, sizeof big, "%s/big.bin", f->dir);
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (2 << 20) + 1), 0);
    close(fd);
    assert_int_equal(scan_file(s, big, virus, sizeof virus, err, sizeof err), SCAN_ERROR);
    assert_non_null(strstr(err, "文件过大"));
    /* libclamav's own cap (2 GiB - 3) is what a larger setting means */
    scan_free(s);
    o.max_file_mb = 100000;
    s = scan_new(&o, err, sizeof err);
    assert_non_null(s);
    json_t *info = scan_info(s);
    assert_int_equal(json_integer_value(json_object_get(info, "max_file_mb")), 2047);
    json_decref(info);
    scan_free(s);
}

static void reload_adds_a_signature_and_unchanged_is_zero(void **state)
{
    fx_t *f = *state;
    char virus[128], err[512], path[1200];
    assert_int_equal(scan(f, f->marked, virus, sizeof virus), SCAN_CLEAN);
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/extra.ndb", f->sigs);
    write_ndb(path, "Zhendi.Test.Marker", MARKER);
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 1);
    assert_int_equal(scan(f, f->marked, virus, sizeof virus), SCAN_INFECTED);
    assert_string_equal(virus, "Zhendi.Test.Marker.UNOFFICIAL");
    assert_int_equal(scan(f, f->eicar, virus, sizeof virus), SCAN_INFECTED);
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 0);

    json_t *info = scan_info(f->s);
    assert_int_equal(json_integer_value(json_object_get(info, "reloads")), 1);
    assert_int_equal(json_integer_value(json_object_get(info, "signatures")), 2);
    assert_true(json_is_null(json_object_get(info, "last_error")));
    json_t *dbs = json_object_get(info, "databases");
    assert_int_equal(json_array_size(dbs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(dbs, 0), "name")), "extra.ndb");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(dbs, 0), "signatures")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(dbs, 1), "name")),
                        "zhendi-test.ndb");
    assert_non_null(strstr(json_string_value(json_object_get(info, "engine")), "ClamAV 1."));
    json_decref(info);

    /* removing a database is a change too */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 1);
    assert_int_equal(scan(f, f->marked, virus, sizeof virus), SCAN_CLEAN);
}

static void a_broken_database_keeps_the_old_engine(void **state)
{
    fx_t *f = *state;
    char virus[128], err[512] = "", path[1200];
    snprintf(path, sizeof path, "%s/broken.ndb", f->sigs);
    write_file(path, "Broken.Sig:0:*:zz-not-hex\n", strlen("Broken.Sig:0:*:zz-not-hex\n"));
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), -1);
    assert_non_null(strstr(err, "病毒库加载失败"));
    assert_int_equal(scan(f, f->eicar, virus, sizeof virus), SCAN_INFECTED);
    assert_int_equal(scan(f, f->clean, virus, sizeof virus), SCAN_CLEAN);
    json_t *info = scan_info(f->s);
    assert_true(json_is_string(json_object_get(info, "last_error")));
    assert_int_equal(json_integer_value(json_object_get(info, "reloads")), 0);
    json_decref(info);
    /* not retried until the directory changes again */
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 0);
    /* fixed: loads */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(scan_reload_if_changed(f->s, err, sizeof err), 1);
    assert_int_equal(scan(f, f->eicar, virus, sizeof virus), SCAN_INFECTED);
}

static void a_new_scanner_on_a_broken_or_empty_directory_fails(void **state)
{
    fx_t *f = *state;
    char err[512], empty[1200];
    snprintf(empty, sizeof empty, "%s/empty", f->dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    scan_options_t o = {.sigdir = empty};
    assert_null(scan_new(&o, err, sizeof err));
    assert_true(err[0] != 0);
    o.sigdir = "/nonexistent/zhendi/clamav";
    assert_null(scan_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "无法读取病毒库目录"));
}

static void bundled_files_are_left_alone_when_unchanged(void **state)
{
    fx_t *f = *state;
    char err[512], path[1200];
    snprintf(path, sizeof path, "%s/zhendi-test.ndb", f->sigs);
    struct stat a, b;
    assert_int_equal(stat(path, &a), 0);
    assert_int_equal(scan_write_bundled(f->sigs, err, sizeof err), 0);
    assert_int_equal(stat(path, &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    write_file(path, "x", 1); /* damaged: rewritten */
    assert_int_equal(scan_write_bundled(f->sigs, err, sizeof err), 0);
    assert_int_equal(stat(path, &b), 0);
    assert_true(b.st_size > 100);
}

/* ---- threads ---- */

typedef struct {
    fx_t *f;
    atomic_bool stop;
    atomic_int wrong, scans, reloads;
} race_t;

static void *scanner(void *arg)
{
    race_t *r = arg;
    char virus[128], err[512];
    for (int i = 0; !atomic_load(&r->stop) || i < 20; i++) {
        const char *path = i % 3 == 0 ? r->f->eicar : i % 3 == 1 ? r->f->zipped : r->f->clean;
        int want = i % 3 == 2 ? SCAN_CLEAN : SCAN_INFECTED;
        int got = scan_file(r->f->s, path, virus, sizeof virus, err, sizeof err);
        if (got != want || (want == SCAN_INFECTED && strcmp(virus, "Zhendi.Test.EICAR.UNOFFICIAL") != 0)) {
            fprintf(stderr, "%s: got %d (%s %s)\n", path, got, virus, err);
            atomic_fetch_add(&r->wrong, 1);
        }
        atomic_fetch_add(&r->scans, 1);
    }
    return NULL;
}

static void *reloader(void *arg)
{
    race_t *r = arg;
    char err[512], path[1200];
    snprintf(path, sizeof path, "%s/extra.ndb", r->f->sigs);
    for (int i = 0; i < 25; i++) {
        char name[64];
        snprintf(name, sizeof name, "Zhendi.Test.Gen%d", i);
        write_ndb(path, name, MARKER); /* a new file each time: a change */
        int rc = scan_reload_if_changed(r->f->s, err, sizeof err);
        if (rc != 1) {
            fprintf(stderr, "reload %d: %d %s\n", i, rc, err);
            atomic_fetch_add(&r->wrong, 1);
        }
        atomic_fetch_add(&r->reloads, 1);
    }
    atomic_store(&r->stop, true);
    return NULL;
}

static void scans_on_eight_threads_while_reloading(void **state)
{
    fx_t *f = *state;
    race_t r = {.f = f};
    pthread_t t[9];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, scanner, &r), 0);
    assert_int_equal(pthread_create(&t[8], NULL, reloader, &r), 0);
    for (int i = 0; i < 9; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&r.wrong), 0);
    assert_int_equal(atomic_load(&r.reloads), 25);
    assert_true(atomic_load(&r.scans) >= 160);
    json_t *info = scan_info(f->s);
    assert_int_equal(json_integer_value(json_object_get(info, "reloads")), 25);
    json_decref(info);
    char virus[128];
    assert_int_equal(scan(f, f->marked, virus, sizeof virus), SCAN_INFECTED);
    assert_string_equal(virus, "Zhendi.Test.Gen24.UNOFFICIAL");
}

/* the check on the scan path: due after reload_check_s, not before */
static void the_next_scan_reloads_once_the_check_is_due(void **state)
{
    fx_t *f = *state;
    char err[512], virus[128], path[1200];
    scan_options_t o = {.sigdir = f->sigs, .reload_check_s = 1};
    scan_engine_t *s = scan_new(&o, err, sizeof err);
    assert_non_null(s);
    snprintf(path, sizeof path, "%s/extra.ndb", f->sigs);
    write_ndb(path, "Zhendi.Test.Marker", MARKER);
    assert_int_equal(scan_file(s, f->marked, virus, sizeof virus, err, sizeof err), SCAN_CLEAN);
    usleep(1100 * 1000);
    assert_int_equal(scan_file(s, f->marked, virus, sizeof virus, err, sizeof err), SCAN_INFECTED);
    scan_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clean_file_is_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(eicar_is_infected_with_the_signature_name, setup, teardown),
        cmocka_unit_test_setup_teardown(eicar_inside_a_zip_is_infected, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_paths_are_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_above_the_limit_is_refused_not_passed, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_adds_a_signature_and_unchanged_is_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(a_broken_database_keeps_the_old_engine, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_scanner_on_a_broken_or_empty_directory_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(bundled_files_are_left_alone_when_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(scans_on_eight_threads_while_reloading, setup, teardown),
        cmocka_unit_test_setup_teardown(the_next_scan_reloads_once_the_check_is_due, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
