/* proc.h — running a helper program (tesseract, ffmpeg, ffprobe) as a child
 * process: no shell, argument vector only, stdin from /dev/null, stdout
 * captured up to a limit, the tail of stderr kept for error messages, a
 * wall-clock timeout after which the child's process group is killed, and
 * an optional address-space limit (so that a decompression bomb fails
 * instead of exhausting the machine). The child starts with default signal
 * handling, an empty signal mask and no file descriptors but 0, 1 and 2.
 * proc_run_lines hands stdout over line by line instead of keeping it, and
 * can stop the child on the caller's word or when it goes quiet.
 *
 * Thread-safe: any thread may run children at the same time (fork is
 * followed only by async-signal-safe calls before exec).
 */
#ifndef ZD_PROC_H
#define ZD_PROC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int timeout_ms;         /* kill after this; 0: no limit */
    size_t max_stdout;      /* bytes of stdout kept (more sets truncated); 0: 16 MiB */
    int64_t max_memory_mb;  /* RLIMIT_AS of the child; 0: unlimited */
    const char *const *env; /* "NAME=value" added to the environment (NULL-terminated), or NULL */
    const char *cwd;        /* working directory of the child, or NULL */
    int idle_ms;            /* proc_run_lines: kill when stdout gave no line for this long; 0: no limit */
} proc_opts_t;

typedef struct {
    int status;     /* exit status 0..255; -1 when ended by a signal (or the timeout) */
    int signal;     /* the signal that ended it, or 0 */
    bool timed_out; /* killed after timeout_ms */
    bool truncated; /* stdout was longer than max_stdout (the rest was discarded) */
    bool idle;      /* proc_run_lines: killed after idle_ms without a line */
    bool stopped;   /* proc_run_lines: killed because on_line returned false */
    char *out;      /* stdout, NUL-terminated; owned (proc_result_free) */
    size_t out_len;
    char err[1024]; /* the last bytes of stderr, NUL-terminated */
    double ms;      /* wall time */
} proc_result_t;

/* Runs argv[0] (looked up in PATH unless it contains a slash) with argv.
 * 0 when the child was started and has ended (see r->status); -1 with
 * errno when it could not be started (r->err says why). opts may be NULL.
 * Free r with proc_result_free() in both cases. */
int proc_run(const char *const argv[], const proc_opts_t *opts, proc_result_t *r);
void proc_result_free(proc_result_t *r); /* NULL is fine */

/* A line of the child's stdout, without its "\n" (or "\r\n"), NUL-
 * terminated; a line longer than 4 KiB comes in 4 KiB pieces. Return false
 * to stop: the child's process group is killed at once (SIGKILL). */
typedef bool (*proc_line_fn)(void *ud, const char *line, size_t len);

/* proc_run for programs that report as they go (ffmpeg -progress pipe:1):
 * stdout is not kept (r->out is ""), each line goes to on_line on the
 * calling thread as it arrives, and a child that prints no line for
 * opts->idle_ms is killed (r->idle). Returns as proc_run. */
int proc_run_lines(const char *const argv[], const proc_opts_t *opts, proc_line_fn on_line, void *ud,
                   proc_result_t *r);

/* Full path of an executable found in PATH (or given with a slash) into
 * out; false when there is none. */
bool proc_which(const char *name, char *out, size_t outsz);

#endif
