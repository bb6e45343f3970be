/* Structured logs: valid JSON lines, rotation by size, retention. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/log.h"
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utime.h>

static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static void lines_are_json_and_files_rotate_by_size(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    log_options_t o = {.max_bytes = 2000, .keep_days = 180, .min_level = LOG_INFO, .echo_stderr = false};
    assert_int_equal(log_open(dir, &o), 0);
    for (int i = 0; i < 50; i++) {
        log_rec_t r;
        log_begin(&r, LOG_APP, LOG_INFO, "test.event");
        log_int(&r, "i", i);
        log_str(&r, "text", "党群服务\"阵地\"\n\xff"); /* quotes, newline, invalid UTF-8 */
        log_end(&r);
    }
    log_msg(LOG_APP, LOG_DEBUG, "test.hidden", "below the level");
    log_close();
    assert_true(count_files(dir, "app-") >= 2);
    char path[1100];
    snprintf(path, sizeof path, "%s/app.log", dir);
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!j)
            fail_msg("not JSON: %s (%s)", line, e.text);
        assert_string_equal(json_string_value(json_object_get(j, "kind")), "app");
        assert_non_null(strstr(json_string_value(json_object_get(j, "text")), "阵地"));
        json_decref(j);
        n++;
    }
    fclose(f);
    assert_true(n > 0);
    assert_null(strstr(line, "hidden"));
    tu_rmrf(dir);
    free(dir);
}

static void rotated_files_past_retention_are_pruned(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    log_options_t o = {.max_bytes = 1 << 20, .keep_days = 180, .min_level = LOG_INFO, .echo_stderr = false};
    char old[1100], recent[1100];
    snprintf(old, sizeof old, "%s/app-20250101-000000.log", dir);
    snprintf(recent, sizeof recent, "%s/app-20261101-000000.log", dir);
    fclose(fopen(old, "w"));
    fclose(fopen(recent, "w"));
    struct utimbuf t = {.actime = 1735660800, .modtime = 1735660800}; /* 2025-01-01 */
    utime(old, &t);
    assert_int_equal(log_open(dir, &o), 0);
    assert_int_equal(log_prune(), 1);
    log_close();
    assert_int_equal(count_files(dir, "app-"), 1);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_are_json_and_files_rotate_by_size),
        cmocka_unit_test(rotated_files_past_retention_are_pruned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
