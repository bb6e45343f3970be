/* Child processes: captured output, and proc_run_lines — lines as they
 * come, stop on the caller's word, killed when quiet, the whole process
 * group killed. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/proc.h"
#include "core/timeutil.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void run_captures_stdout_status_and_stderr(void **state)
{
    (void)state;
    const char *argv[] = {"sh", "-c", "printf 'a\\nb'; echo oops >&2; exit 3", NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, NULL, &r), 0);
    assert_int_equal(r.status, 3);
    assert_string_equal(r.out, "a\nb");
    assert_string_equal(r.err, "oops\n");
    proc_result_free(&r);

    const char *none[] = {"zhendi-no-such-program", NULL};
    assert_int_equal(proc_run(none, NULL, &r), -1);
    assert_non_null(strstr(r.err, "not found"));
    proc_result_free(&r);
}

typedef struct {
    char got[8][64];
    size_t lens[8];
    int n;
    int stop_at; /* return false on this line (1-based); 0: never */
} collect_t;

static bool collect(void *ud, const char *line, size_t len)
{
    collect_t *c = ud;
    assert_int_equal(strlen(line), len);
    if (c->n < 8) {
        snprintf(c->got[c->n], sizeof c->got[0], "%.60s", line);
        c->lens[c->n] = len;
    }
    c->n++;
    return c->stop_at == 0 || c->n < c->stop_at;
}

static void lines_arrive_one_by_one(void **state)
{
    (void)state;
    /* CRLF, an empty line, a line of 5000 bytes (in pieces of 4096), a last line without an end */
    const char *argv[] = {
        "sh", "-c", "printf 'one\\r\\n\\ntwo\\n'; head -c 5000 /dev/zero | tr '\\0' x; printf '\\nlast'",
        NULL};
    collect_t c = {0};
    proc_result_t r;
    assert_int_equal(proc_run_lines(argv, NULL, collect, &c, &r), 0);
    assert_int_equal(r.status, 0);
    assert_false(r.stopped);
    assert_string_equal(r.out, "");
    assert_int_equal(c.n, 6);
    assert_string_equal(c.got[0], "one");
    assert_string_equal(c.got[1], "");
    assert_string_equal(c.got[2], "two");
    assert_int_equal(c.lens[3], 4096);
    assert_int_equal(c.lens[4], 5000 - 4096);
    assert_string_equal(c.got[5], "last");
    proc_result_free(&r);
}

/* "running" when /proc says the process exists and is not a zombie */
static bool alive(long pid)
{
    char p[64], st[256];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    size_t n = fread(st, 1, sizeof st - 1, f);
    fclose(f);
    st[n] = 0;
    const char *e = strrchr(st, ')');
    return e && e[1] == ' ' && e[2] != 'Z' && e[2] != 'X';
}

static long grandchild;

static bool stop_after_pid(void *ud, const char *line, size_t len)
{
    (void)ud;
    (void)len;
    grandchild = strtol(line, NULL, 10);
    return false;
}

static void stop_kills_the_process_group_at_once(void **state)
{
    (void)state;
    /* the grandchild (sleep) holds no pipe: it must die with the group */
    const char *argv[] = {
        "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!; while :; do echo tick; sleep 0.05; done", NULL};
    proc_result_t r;
    int64_t t0 = time_mono_ns();
    assert_int_equal(proc_run_lines(argv, NULL, stop_after_pid, NULL, &r), 0);
    assert_true((time_mono_ns() - t0) / 1000000 < 2000);
    assert_true(r.stopped);
    assert_int_equal(r.signal, SIGKILL);
    assert_int_equal(r.status, -1);
    assert_true(grandchild > 1);
    for (int i = 0; i < 100 && alive(grandchild); i++)
        usleep(10000);
    assert_false(alive(grandchild));
    proc_result_free(&r);

    collect_t c = {.stop_at = 3};
    const char *ticks[] = {"sh", "-c", "while :; do echo tick; done", NULL};
    assert_int_equal(proc_run_lines(ticks, NULL, collect, &c, &r), 0);
    assert_true(r.stopped);
    assert_int_equal(c.n, 3);
    proc_result_free(&r);
}

static void quiet_child_is_killed_after_idle_ms(void **state)
{
    (void)state;
    const char *argv[] = {"sh", "-c", "echo start; echo noise >&2; sleep 0.2; echo more; exec sleep 30",
                          NULL};
    proc_opts_t o = {.idle_ms = 500, .timeout_ms = 20000};
    collect_t c = {0};
    proc_result_t r;
    int64_t t0 = time_mono_ns();
    assert_int_equal(proc_run_lines(argv, &o, collect, &c, &r), 0);
    int64_t ms = (time_mono_ns() - t0) / 1000000;
    assert_true(ms >= 650 && ms < 3000); /* 0.2 s, then 0.5 s of silence */
    assert_true(r.idle);
    assert_false(r.timed_out);
    assert_int_equal(r.signal, SIGKILL);
    assert_int_equal(c.n, 2);
    assert_string_equal(r.err, "noise\n");
    proc_result_free(&r);

    /* the overall timeout still holds while lines keep coming */
    const char *busy[] = {"sh", "-c", "while :; do echo tick; sleep 0.05; done", NULL};
    o = (proc_opts_t){.idle_ms = 500, .timeout_ms = 600};
    c = (collect_t){0};
    t0 = time_mono_ns();
    assert_int_equal(proc_run_lines(busy, &o, collect, &c, &r), 0);
    assert_true(r.timed_out);
    assert_false(r.idle);
    assert_true((time_mono_ns() - t0) / 1000000 < 3000);
    assert_true(c.n > 3);
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_captures_stdout_status_and_stderr),
        cmocka_unit_test(lines_arrive_one_by_one),
        cmocka_unit_test(stop_kills_the_process_group_at_once),
        cmocka_unit_test(quiet_child_is_killed_after_idle_ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
