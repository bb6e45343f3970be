/* cli.c — `zhendi proofread`: checks a text file, an image or a video from
 * the command line and prints the findings as JSON (batch checks,
 * benchmarks).
 *
 *   zhendi proofread --text FILE|- | --image FILE | --video FILE
 *       [--interval S]            seconds between video frames (default: proofread_video_interval_s)
 *       [--lexicon FILE]...       extra lexicon: word or word<TAB>suggestion per line
 *       [--category C] [--severity S]   of those extra lexicons (default custom, warn)
 *       [--pinyin]                those extra lexicons also match by pinyin and homophones
 *       [--no-db]                 ignore the database's lexicons
 *       [--no-builtin]            without the built-in lexicons
 *       [--format json|tsv|summary]
 *       [--stats]                 lexicon and timing figures on stderr
 *       [--repeat N]              check the text N times (latency figures on stderr)
 *       [--fail-on warn|block]    exit status 3 when the verdict is at least that
 *       [--verify lm|segment|none] how typo hits are confirmed (default lm: the language model)
 *       [--explain]               JSON: the language model's readings and scores on typo
 *                                 findings, and the hits it dropped ("dropped")
 *
 * Lexicons: the database's (when it exists and --no-db is not given; this
 * never creates or migrates a database), else the built-in ones, plus
 * --lexicon files. Long texts are checked in pieces cut at line breaks, with
 * offsets into the whole file. */
#include "core/db.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "modules/proofread/internal.h"
#include "text/normalize.h"
#include "text/prmedia.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)

typedef struct {
    const char *text, *image, *video, *format, *fail_on;
    const char *lexicons[8];
    int nlex;
    pr_category_t category;
    pr_severity_t severity;
    bool no_db, no_builtin, stats, explain, pinyin;
    pr_verify_t verify;
    int64_t repeat;
    double interval;
} opts_t;

static int usage(const char *why)
{
    fprintf(stderr, "zhendi proofread: %s\n", why);
    return 2;
}

/* "--name value" or "--name=value" at argv[*i]; NULL when it is not name. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != 0)
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int parse(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->category = PR_CUSTOM;
    o->severity = PR_WARN;
    o->format = "json";
    o->repeat = 1;
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = opt_value(argc, argv, &i, "--text", &missing)))
            o->text = v;
        else if ((v = opt_value(argc, argv, &i, "--image", &missing)))
            o->image = v;
        else if ((v = opt_value(argc, argv, &i, "--video", &missing)))
            o->video = v;
        else if ((v = opt_value(argc, argv, &i, "--format", &missing)))
            o->format = v;
        else if ((v = opt_value(argc, argv, &i, "--fail-on", &missing)))
            o->fail_on = v;
        else if ((v = opt_value(argc, argv, &i, "--lexicon", &missing))) {
            if (o->nlex >= 8)
                return usage("at most 8 --lexicon files");
            o->lexicons[o->nlex++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--category", &missing))) {
            if (!pr_category_parse(v, &o->category))
                return usage("--category must be sensitive, formulation, typo, custom or whitelist");
        } else if ((v = opt_value(argc, argv, &i, "--severity", &missing))) {
            if (!pr_severity_parse(v, &o->severity))
                return usage("--severity must be block, warn or info");
        } else if ((v = opt_value(argc, argv, &i, "--repeat", &missing))) {
            if (!str_to_int64(v, &o->repeat) || o->repeat < 1 || o->repeat > 1000000)
                return usage("--repeat must be 1 to 1000000");
        } else if ((v = opt_value(argc, argv, &i, "--interval", &missing))) {
            int64_t s;
            if (!str_to_int64(v, &s) || s < 1 || s > 600)
                return usage("--interval must be 1 to 600 seconds");
            o->interval = (double)s;
        } else if (!strcmp(argv[i], "--no-db"))
            o->no_db = true;
        else if (!strcmp(argv[i], "--no-builtin"))
            o->no_builtin = true;
        else if (!strcmp(argv[i], "--stats"))
            o->stats = true;
        else if (!strcmp(argv[i], "--explain"))
            o->explain = true;
        else if (!strcmp(argv[i], "--pinyin"))
            o->pinyin = true;
        else if ((v = opt_value(argc, argv, &i, "--verify", &missing))) {
            if (!strcmp(v, "lm"))
                o->verify = PR_VERIFY_LM;
            else if (!strcmp(v, "segment"))
                o->verify = PR_VERIFY_SEGMENT;
            else if (!strcmp(v, "none"))
                o->verify = PR_VERIFY_NONE;
            else
                return usage("--verify must be lm, segment or none");
        } else if (missing)
            return usage("an option needs a value");
        else {
            fprintf(stderr, "zhendi proofread: unexpected argument %s\n", argv[i]);
            return 2;
        }
        if (missing)
            return usage("an option needs a value");
    }
    if ((o->text != NULL) + (o->image != NULL) + (o->video != NULL) != 1)
        return usage("give exactly one of --text FILE, --image FILE, --video FILE");
    if (strcmp(o->format, "json") && strcmp(o->format, "tsv") && strcmp(o->format, "summary"))
        return usage("--format must be json, tsv or summary");
    if (o->fail_on && strcmp(o->fail_on, "warn") && strcmp(o->fail_on, "block"))
        return usage("--fail-on must be warn or block");
    return 0;
}

/* The text to check: a regular file is mapped (no copy), anything else
 * (stdin, pipes) read into memory. Release with text_release(). */
typedef struct {
    char *data;
    size_t len;
    bool mapped;
} text_t;

static char *read_all(const char *path, size_t *len);

static int text_load(const char *path, text_t *t)
{
    memset(t, 0, sizeof *t);
    if (strcmp(path, "-") != 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            close(fd);
            if (m == MAP_FAILED)
                return -1;
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            t->data = m;
            t->len = (size_t)st.st_size;
            t->mapped = true;
            return 0;
        }
        close(fd);
    }
    t->data = read_all(path, &t->len);
    return t->data ? 0 : -1;
}

static void text_release(text_t *t)
{
    if (t->mapped)
        munmap(t->data, t->len);
    else
        free(t->data);
    memset(t, 0, sizeof *t);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    sbuf_t b;
    sbuf_init(&b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_append(&b, buf, n);
    bool err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (err) {
        sbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data ? sbuf_detach(&b) : strdup("");
}

/* Database lexicons when there is a database; true when it had the
 * built-in ones too. */
static bool load_db(const config_t *cfg, arena_t *a, pr_entry_t **v, size_t *n, size_t *cap, bool verbose)
{
    char url[1100], err[512];
    config_db_url(cfg, url, sizeof url);
    struct stat st;
    if (!str_starts_with(url, "postgres") && stat(url, &st) != 0) {
        if (verbose)
            fprintf(stderr, "proofread: no database at %s, built-in lexicons only\n", url);
        return false;
    }
    db_options_t o = {.pool_size = 1};
    db_t *db = db_open(url, &o, err, sizeof err);
    if (!db) {
        fprintf(stderr, "proofread: %s (database lexicons skipped)\n", err);
        return false;
    }
    bool builtin = false;
    db_conn_t *c = db_acquire(db);
    int64_t nb = 0;
    if (c &&
        db_query_int64(c, "SELECT COUNT(*) FROM proofread_lexicons WHERE builtin IS NOT NULL", &nb) == 1) {
        builtin = nb > 0;
        size_t before = *n;
        if (proofread_lexicon_collect(c, a, v, n, cap) != 0)
            fprintf(stderr, "proofread: reading the database lexicons failed: %s\n", db_errmsg(c));
        else if (verbose)
            fprintf(stderr, "proofread: %zu entries from %s\n", *n - before, db_display_name(db));
    } else if (verbose) {
        fprintf(stderr, "proofread: the database has no lexicons yet (run the server once)\n");
    }
    db_release(c);
    db_close(db);
    return builtin;
}

static int load_file(const char *path, const opts_t *o, arena_t *a, pr_entry_t **v, size_t *n, size_t *cap)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        fprintf(stderr, "zhendi proofread: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!utf8_valid(text, len)) {
        free(text);
        fprintf(stderr, "zhendi proofread: %s is not valid UTF-8\n", path);
        return -1;
    }
    const char *name = arena_strdup(a, path);
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = 0;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab++ = 0;
        if (*line) {
            pr_entry_t e = {arena_strdup(a, line),
                            tab && *tab ? arena_strdup(a, tab) : NULL,
                            name,
                            0,
                            0,
                            o->category,
                            o->severity,
                            PR_REPEATS_DEFAULT,
                            o->pinyin};
            if (proofread_lexicon_push(v, n, cap, &e) != 0) {
                free(text);
                return -1;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_stats(const pr_lexset_t *ls)
{
    const pr_stats_t *s = pr_lexset_stats(ls);
    fprintf(
        stderr,
        "lexicons: %zu entries (%zu invalid), %zu states in %zu slots, alphabet %zu, %.1f MiB, built in %.1f "
        "ms\n",
        s->entries, s->invalid, s->states, s->slots, s->alphabet, (double)s->memory / 1048576.0, s->build_ms);
}

static int worst_rc(const opts_t *o, int worst)
{
    if (!o->fail_on)
        return 0;
    int level = !strcmp(o->fail_on, "block") ? PR_BLOCK : PR_WARN;
    return worst >= level ? 3 : 0;
}

static void put_num(sbuf_t *o, size_t v)
{
    char b[24];
    int i = 24;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sbuf_append(o, b + i, (size_t)(24 - i));
}

/* start, end, category, severity, text, suggestion (tabs and line breaks
 * inside the text become spaces) */
static void put_tsv(sbuf_t *o, const pr_finding_t *f, const char *text)
{
    put_num(o, f->start);
    sbuf_putc(o, '\t');
    put_num(o, f->end);
    sbuf_putc(o, '\t');
    sbuf_puts(o, pr_category_name(f->category));
    sbuf_putc(o, '\t');
    sbuf_puts(o, pr_severity_name(f->severity));
    sbuf_putc(o, '\t');
    size_t at = o->len;
    sbuf_append(o, text + f->byte_start, f->byte_end - f->byte_start);
    for (size_t i = at; i < o->len; i++)
        if (o->data[i] == '\t' || o->data[i] == '\n' || o->data[i] == '\r')
            o->data[i] = ' ';
    sbuf_putc(o, '\t');
    if (f->suggestion)
        sbuf_puts(o, f->suggestion);
    sbuf_putc(o, '\n');
}

static int run_text(const opts_t *o, pr_lexset_t *ls)
{
    text_t tx;
    if (text_load(o->text, &tx) != 0) {
        fprintf(stderr, "zhendi proofread: cannot read %s: %s\n", o->text, strerror(errno));
        return 1;
    }
    const char *text = tx.data;
    size_t len = tx.len;
    int rc = 1;
    size_t bad = 0;
    /* --repeat: latency of the whole check (one piece when it fits) */
    const pr_options_t ro = {.verify = o->verify};
    if (o->repeat > 1) {
        double *ms = malloc((size_t)o->repeat * sizeof *ms);
        pr_result_t warm; /* the first check loads the language model */
        pr_check(ls, text, len, &ro, &warm, NULL);
        pr_result_free(&warm);
        for (int64_t r = 0; r < o->repeat; r++) {
            int64_t t0 = time_mono_ns();
            pr_result_t res;
            pr_check(ls, text, len, &ro, &res, NULL);
            pr_result_free(&res);
            ms[r] = (double)(time_mono_ns() - t0) / 1e6;
        }
        qsort(ms, (size_t)o->repeat, sizeof *ms, cmp_double);
        fprintf(stderr,
                "check of %zu bytes (%zu characters), %lld runs: min %.3f ms, median %.3f ms, p99 %.3f ms, "
                "max %.3f ms\n",
                len, utf8_count(text, len), (long long)o->repeat, ms[0], ms[o->repeat / 2],
                ms[(size_t)((double)o->repeat * 0.99)], ms[o->repeat - 1]);
        free(ms);
    }
    bool json = !strcmp(o->format, "json"), tsv = !strcmp(o->format, "tsv");
    sbuf_t out, dropped;
    sbuf_init(&out);
    sbuf_init(&dropped);
    size_t ndropped = 0;
    if (json)
        sbuf_puts(&out, "{\"findings\":[");
    if (tsv)
        sbuf_puts(&out, "start\tend\tcategory\tseverity\ttext\tsuggestion\n");
    size_t by_cat[PR_NCATEGORIES] = {0}, total = 0, cp_base = 0;
    int worst = -1;
    int64_t t0 = time_mono_ns(), check_ns = 0;
    for (size_t off = 0; off < len;) {
        size_t end = off + CHUNK < len ? off + CHUNK : len;
        while (end < len && text[end - 1] != '\n')
            end++;
        pr_options_t po = {.cp_base = cp_base, .byte_base = off, .verify = o->verify, .explain = o->explain};
        pr_result_t res;
        int64_t c0 = time_mono_ns();
        if (pr_check(ls, text + off, end - off, &po, &res, &bad) != 0) {
            pr_result_free(&res);
            if (bad == SIZE_MAX)
                fprintf(stderr, "zhendi proofread: out of memory\n");
            else
                fprintf(stderr, "zhendi proofread: %s is not valid UTF-8 (byte %zu)\n", o->text, off + bad);
            sbuf_free(&out);
            sbuf_free(&dropped);
            goto out;
        }
        check_ns += time_mono_ns() - c0;
        for (size_t i = 0; json && i < res.ndropped; i++) {
            if (ndropped++)
                sbuf_putc(&dropped, ',');
            pr_finding_write(&dropped, &res.dropped[i], text);
        }
        for (size_t i = 0; i < res.n; i++) {
            const pr_finding_t *f = &res.items[i];
            if (json) {
                if (total + i)
                    sbuf_putc(&out, ',');
                pr_finding_write(&out, f, text);
            } else if (tsv) {
                put_tsv(&out, f, text);
            }
        }
        for (int c = 0; c < PR_NCATEGORIES; c++)
            by_cat[c] += res.by_category[c];
        if (res.worst > worst)
            worst = res.worst;
        total += res.n;
        cp_base += res.nchars;
        pr_result_free(&res);
        if (out.len > (4u << 20)) {
            fwrite(out.data, 1, out.len, stdout);
            out.len = 0;
        }
        off = end;
    }
    const char *verdict = worst == PR_BLOCK ? "block" : worst == PR_WARN ? "warn" : "pass";
    json_t *sum = pr_summary_json(by_cat);
    char *sums = json_dumps(sum, JSON_COMPACT);
    json_decref(sum);
    if (json && o->explain) {
        sbuf_puts(&out, "],\"dropped\":[");
        sbuf_append(&out, dropped.data ? dropped.data : "", dropped.len);
    }
    if (json)
        sbuf_printf(&out, "],\"summary\":%s,\"verdict\":\"%s\"}\n", sums, verdict);
    else if (!tsv)
        sbuf_printf(&out, "{\"findings\":%zu,\"summary\":%s,\"verdict\":\"%s\"}\n", total, sums, verdict);
    free(sums);
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    sbuf_free(&out);
    sbuf_free(&dropped);
    double secs = (double)(time_mono_ns() - t0) / 1e9, csecs = (double)check_ns / 1e9;
    if (o->stats)
        fprintf(stderr,
                "text: %zu bytes, %zu findings; check %.3f s (%.1f MB/s), with output %.3f s (%.1f MB/s)\n",
                len, total, csecs, csecs > 0 ? (double)len / csecs / 1e6 : 0, secs,
                secs > 0 ? (double)len / secs / 1e6 : 0);
    rc = worst_rc(o, worst);
out:
    text_release(&tx);
    return rc;
}

static bool on_progress(void *ud, int64_t done, int64_t total, const char *note)
{
    (void)ud;
    fprintf(stderr, "\r%s %lld/%lld   ", note, (long long)done, (long long)total);
    if (done == total && total)
        fputc('\n', stderr);
    return true;
}

static int run_media(const opts_t *o, const config_t *cfg, pr_lexset_t *ls)
{
    (void)cfg;
    char err[400];
    prmedia_options_t po = {
        .ocr = {.timeout_ms = (int)proofread_cfg.ocr_timeout_s * 1000, .retry_block = o->image != NULL},
        .interval_s = o->interval > 0 ? o->interval : (double)proofread_cfg.video_interval_s};
    json_t *j = NULL;
    int worst = -1;
    if (o->image) {
        prmedia_image_t img;
        if (prmedia_image(ls, o->image, &po, &img, err, sizeof err) != 0) {
            prmedia_image_free(&img);
            fprintf(stderr, "zhendi proofread: %s\n", err);
            return 1;
        }
        j = prmedia_image_json(&img);
        worst = img.res.worst;
        prmedia_image_free(&img);
    } else {
        const char *tmp = getenv("TMPDIR");
        po.tmp_dir = tmp && *tmp ? tmp : "/tmp";
        if (prmedia_video(ls, o->video, &po, on_progress, NULL, &j, err, sizeof err) != 0) {
            fprintf(stderr, "\nzhendi proofread: %s\n", err);
            return 1;
        }
        const char *v = json_string_value(json_object_get(j, "verdict"));
        worst = v && !strcmp(v, "block") ? PR_BLOCK : v && !strcmp(v, "warn") ? PR_WARN : -1;
    }
    if (!strcmp(o->format, "summary")) {
        json_object_set_new(j, "findings",
                            json_integer((json_int_t)json_array_size(json_object_get(j, "findings"))));
        json_object_del(j, "text");
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    puts(s ? s : "{}");
    free(s);
    return worst_rc(o, worst);
}

int proofread_cli_run(const config_t *cfg, int argc, char **argv)
{
    opts_t o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    if (!strcmp(o.format, "tsv") && !o.text)
        return usage("--format tsv is for --text");
    char err[256];
    if (norm_init(err, sizeof err) != 0) {
        fprintf(stderr, "zhendi proofread: %s\n", err);
        return 1;
    }
    arena_t *a = arena_new(1 << 16);
    pr_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    bool have_builtin = !o.no_db && load_db(cfg, a, &v, &n, &cap, o.stats);
    if (!have_builtin && !o.no_builtin && proofread_lexicon_collect_builtin(a, &v, &n, &cap) != 0) {
        fprintf(stderr, "zhendi proofread: the built-in lexicons are damaged\n");
        rc = 1;
        goto out;
    }
    for (int i = 0; i < o.nlex; i++)
        if (load_file(o.lexicons[i], &o, a, &v, &n, &cap) != 0) {
            rc = 1;
            goto out;
        }
    pr_lexset_t *ls = pr_lexset_build(v, n, 0, err, sizeof err);
    if (!ls) {
        fprintf(stderr, "zhendi proofread: %s\n", err);
        rc = 1;
        goto out;
    }
    if (o.stats)
        print_stats(ls);
    rc = o.text ? run_text(&o, ls) : run_media(&o, cfg, ls);
    pr_lexset_release(ls);
out:
    free(v);
    arena_free(a);
    return rc;
}
