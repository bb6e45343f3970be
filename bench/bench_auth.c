/* bench_auth — what authentication costs:
 *   1. one login's argon2id verification with the production parameters
 *      (wall and CPU time; the target is 50–200 ms of CPU)
 *   2. what every authenticated request adds: the session lookup with the
 *      user, roles, permissions and scope (target < 0.2 ms), and a
 *      permission check.
 * Usage: build/bench_auth [iterations]   (see docs/benchmarks.md) */
#include "auth/auth.h"
#include "auth/password.h"
#include "auth/session.h"
#include "core/embed.h"
#include "core/migrate.h"
#include "core/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 100000;
    time_set_zone("Asia/Shanghai");
    /* 1. argon2id, production cost (t=2, 32 MiB, p=1) */
    char hash[PASSWORD_HASH_MAX];
    password_set_cost(2, 32768, 1);
    password_hash("Bench-Password-2026", hash, sizeof hash);
    double wall[20], cpu[20];
    for (int i = 0; i < 20; i++) {
        double c0 = cpu_ms();
        int64_t t0 = time_mono_ns();
        if (!password_verify(hash, "Bench-Password-2026"))
            return 1;
        wall[i] = (time_mono_ns() - t0) / 1e6;
        cpu[i] = cpu_ms() - c0;
    }
    qsort(wall, 20, sizeof wall[0], cmp);
    qsort(cpu, 20, sizeof cpu[0], cmp);
    printf("argon2id verify (t=2, m=32MiB, p=1): median %.1f ms wall, %.1f ms CPU (min %.1f, max %.1f)\n",
           wall[10], cpu[10], cpu[0], cpu[19]);

    /* 2. a session lookup on a migrated database with one user */
    char dir[] = "/tmp/zhendi-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[200], err[256];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    db_options_t o = {.pool_size = 2};
    db_t *db = db_open(path, &o, err, sizeof err);
    if (!db || migrate_run(db, zd_migrations, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    db_conn_t *c = db_acquire(db);
    db_exec(c, "INSERT INTO orgs (id, type, code, name, path, depth, created_at, updated_at) "
               "VALUES (1, 'city', 'SH', '市', '/1/', 0, 0, 0);"
               "INSERT INTO roles (id, name, title, data_scope, created_at, updated_at) VALUES (1, 'r', 'r', "
               "'subtree', 0, 0);"
               "INSERT INTO role_permissions VALUES (1, 'org.read'), (1, 'org.write'), (1, 'user.read'), (1, "
               "'job.read');"
               "INSERT INTO users (id, username, name, org_id, password_hash, password_changed_at, "
               "created_at, updated_at) "
               "VALUES (1, 'bench', 'bench', 1, 'x', 0, 0, 0);"
               "INSERT INTO user_roles VALUES (1, 1);");
    auth_policy_t pol;
    auth_policy(db, &pol);
    char cookie[65], csrf[65];
    if (session_create(c, 1, "127.0.0.1", "bench", &pol, cookie, csrf) != 0)
        return 1;
    auth_ctx_t a;
    for (int i = 0; i < 1000; i++) /* warm the statement cache */
        session_lookup(c, cookie, &pol, &a, true);
    int64_t t0 = time_mono_ns();
    for (int i = 0; i < iters; i++)
        if (session_lookup(c, cookie, &pol, &a, true) != 0)
            return 1;
    double per = (time_mono_ns() - t0) / 1e3 / iters;
    printf("session lookup + user, roles, permissions, scope: %.1f µs per request (%d iterations)\n", per,
           iters);
    int64_t t1 = time_mono_ns();
    volatile int hits = 0;
    for (int i = 0; i < iters; i++)
        for (int k = 0; k < a.nperms; k++)
            hits += strcmp(a.perms[k], "job.read") == 0;
    printf("permission check: %.3f µs\n", (time_mono_ns() - t1) / 1e3 / iters);
    db_release(c);
    db_close(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
