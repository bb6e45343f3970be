/* bench_scan.c — virus-scan throughput of the storage module's scanner
 * (modules/storage/scan.c, libclamav) on a file of random bytes, the
 * worst case for skipping (no file type to recognise, nothing to unpack).
 *
 *   build/bench_scan [--size-mb 100] [--rounds 5] [--threads 1] [--sigdir DIR]
 *
 * Without --sigdir it scans with the bundled test signature only
 * (data/clamav/zhendi-test.ndb: EICAR). Each round scans the file once on
 * each thread; it prints per-round MB/s and the median. With the bundled
 * signature, a last scan of the same file with the EICAR string appended
 * at its end checks that the whole file was scanned (the EICAR string is
 * put together at run time). */
#include "core/timeutil.h"
#include "modules/storage/scan.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    scan_engine_t *s;
    char path[1100];
    int rc;
    char err[512];
} job_t;

static void *scan_job(void *arg)
{
    job_t *j = arg;
    char virus[128];
    j->rc = scan_file(j->s, j->path, virus, sizeof virus, j->err, sizeof j->err);
    return NULL;
}

/* path: size_mb MB of random bytes from a fast generator (xorshift64*)
 * seeded by seed. 0, or -1. */
static int write_random(const char *path, long size_mb, uint64_t seed)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    uint64_t x = 0x9e3779b97f4a7c15ull ^ (seed * 0xbf58476d1ce4e5b9ull) ^ (uint64_t)getpid();
    static _Thread_local uint64_t block[1 << 13]; /* 64 KiB */
    for (long n = 0; n < size_mb * 16; n++) {
        for (size_t i = 0; i < sizeof block / sizeof block[0]; i++) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            block[i] = x * 0x2545f4914f6cdd1dull;
        }
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
            perror("write");
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void rm_tree(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_scan: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    long size_mb = 100;
    int rounds = 5, threads = 1;
    const char *sigdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size-mb") && i + 1 < argc)
            size_mb = atol(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sigdir") && i + 1 < argc)
            sigdir = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--size-mb N] [--rounds N] [--threads N] [--sigdir DIR]\n", argv[0]);
            return 2;
        }
    }
    if (size_mb < 1 || rounds < 1 || threads < 1 || threads > 64 || rounds > 100) {
        fprintf(stderr, "bench_scan: bad arguments\n");
        return 2;
    }
    char dir[] = "/tmp/zhendi-bench-scan-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char err[512], sigs[1100], path[1100];
    int rc = 1;
    scan_engine_t *s = NULL;
    bool bundled = false;
    if (!sigdir) {
        snprintf(sigs, sizeof sigs, "%s/clamav", dir);
        if (scan_write_bundled(sigs, err, sizeof err) != 0) {
            fprintf(stderr, "bench_scan: %s\n", err);
            goto out;
        }
        sigdir = sigs;
        bundled = true;
    }
    int64_t t0 = time_mono_ns();
    scan_options_t o = {.sigdir = sigdir, .reload_check_s = 3600};
    s = scan_new(&o, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench_scan: %s\n", err);
        goto out;
    }
    json_t *info = scan_info(s);
    printf("engine: %s, %lld signatures from %s, loaded in %.2f s\n",
           json_string_value(json_object_get(info, "engine")),
           (long long)json_integer_value(json_object_get(info, "signatures")), sigdir,
           (double)(time_mono_ns() - t0) / 1e9);
    json_decref(info);
    printf("file: %ld MB of random bytes; %d thread(s), %d round(s)\n", size_mb, threads, rounds);

    double *rates = NULL, *cpu_rates = NULL;
    rates = calloc((size_t)rounds, sizeof *rates);
    cpu_rates = calloc((size_t)rounds, sizeof *cpu_rates);
    job_t *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (int r = 0; r < rounds; r++) {
        /* new contents every round and thread: libclamav remembers the
         * hashes of files it found clean and would skip a second scan */
        for (int t = 0; t < threads; t++) {
            jobs[t] = (job_t){.s = s};
            snprintf(jobs[t].path, sizeof jobs[t].path, "%s/random-%d.bin", dir, t);
            if (write_random(jobs[t].path, size_mb, (uint64_t)(r * 64 + t + 1)) != 0)
                goto done;
        }
        int64_t start = time_mono_ns();
        double cpu0 = cpu_s();
        for (int t = 0; t < threads; t++)
            pthread_create(&tids[t], NULL, scan_job, &jobs[t]);
        for (int t = 0; t < threads; t++)
            pthread_join(tids[t], NULL);
        double secs = (double)(time_mono_ns() - start) / 1e9, cpu = cpu_s() - cpu0;
        for (int t = 0; t < threads; t++)
            if (jobs[t].rc != SCAN_CLEAN) {
                fprintf(stderr, "bench_scan: round %d: result %d %s\n", r + 1, jobs[t].rc, jobs[t].err);
                goto done;
            }
        /* MB as 10^6 bytes, like the rest of docs/benchmarks.md */
        double mb = (double)size_mb * 1048576.0 * threads / 1e6;
        rates[r] = mb / secs;
        cpu_rates[r] = mb / cpu; /* per CPU second: what a busy host does not distort */
        printf("round %d: %.2f s wall, %.2f s CPU: %.1f MB/s, %.1f MB per CPU second\n", r + 1, secs, cpu, rates[r],
               cpu_rates[r]);
    }
    qsort(rates, (size_t)rounds, sizeof *rates, cmp_double);
    qsort(cpu_rates, (size_t)rounds, sizeof *cpu_rates, cmp_double);
    printf("median: %.1f MB/s wall (min %.1f, max %.1f); %.1f MB per CPU second (min %.1f, max %.1f)\n",
           rates[rounds / 2], rates[0], rates[rounds - 1], cpu_rates[rounds / 2], cpu_rates[0], cpu_rates[rounds - 1]);

    /* the last bytes are scanned too (the bundled signature matches
     * EICAR anywhere; real databases know it only as a whole file) */
    if (bundled) {
        static const char A[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
        static const char B[] = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
        snprintf(path, sizeof path, "%s/random-0.bin", dir);
        FILE *f = fopen(path, "ab");
        if (!f || fprintf(f, "%s%s", A, B) < 0 || fclose(f) != 0) {
            perror(path);
            goto done;
        }
        char virus[128];
        int64_t start = time_mono_ns();
        int res = scan_file(s, path, virus, sizeof virus, err, sizeof err);
        printf("EICAR at the end: %s (%s) in %.2f s\n", res == SCAN_INFECTED ? "found" : "NOT FOUND",
               res == SCAN_INFECTED ? virus : err, (double)(time_mono_ns() - start) / 1e9);
        if (res != SCAN_INFECTED)
            goto done;
    }
    rc = 0;
done:
    free(rates);
    free(cpu_rates);
    free(jobs);
    free(tids);
out:
    scan_free(s);
    rm_tree(dir);
    return rc;
}
