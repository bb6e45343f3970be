/* normalize.c — the normalisation tables (utf8proc NFKC + case folding,
 * OpenCC t2s) and whole-text normalisation; see normalize.h. */
#include "text/normalize.h"
#include "core/crypto.h"
#include "core/fileio.h"
#include "core/str.h"
#include <fcntl.h>
#include <opencc/opencc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

static uint16_t g_map[0x10000];
static uint8_t g_class[0x10000];
static uint32_t g_klass28[0x10000];
static uint32_t g_pre_start[0x10001];
static uint16_t g_pre[0x10000];
static uint8_t g_trad[0x10000];
/* the tables in use: the arrays above, or a snapshot file mapped read-only */
static norm_tables_t g_tables;
/* the t2s converter for phrase-level conversion, opened on the first text
 * that needs it (OpenCC's converters are read-only once loaded and safe to
 * share between threads, OpenCC issue #231) */
static opencc_t g_cc = (opencc_t)-1;
static pthread_once_t g_cc_once = PTHREAD_ONCE_INIT;

static void cc_open(void) { g_cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP); }
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_rc = -1;
static char g_err[256];

/* Scripts written without spaces between words. */
static bool is_cjk(uint32_t cp)
{
    static const uint32_t R[][2] = {
        {0x2E80, 0x2FDF},   /* CJK and Kangxi radicals */
        {0x3005, 0x3007},   /* 々 〆 〇 */
        {0x3021, 0x3029},   /* Hangzhou numerals */
        {0x3038, 0x303C},   /* */
        {0x3040, 0x30FF},   /* hiragana, katakana */
        {0x3100, 0x312F},   /* bopomofo */
        {0x3131, 0x318E},   /* hangul compatibility jamo */
        {0x31A0, 0x31BF},   /* bopomofo extended */
        {0x31F0, 0x31FF},   /* katakana phonetic extensions */
        {0x3400, 0x4DBF},   /* CJK extension A */
        {0x4E00, 0x9FFF},   /* CJK unified ideographs */
        {0xA000, 0xA4CF},   /* Yi */
        {0xAC00, 0xD7AF},   /* hangul syllables */
        {0xF900, 0xFAFF},   /* CJK compatibility ideographs */
        {0x20000, 0x3134F}, /* CJK extensions B–G */
    };
    for (size_t i = 0; i < sizeof R / sizeof R[0]; i++)
        if (cp >= R[i][0] && cp <= R[i][1])
            return true;
    return false;
}

static norm_class_t classify(uint32_t cp)
{
    switch (cp) {
    case '\n':
    case '\r':
    case 0x0B:
    case 0x0C:
    case 0x85:
    case 0x2028:
    case 0x2029: return NORM_BREAK;
    /* invisible characters that are letters or symbols by category */
    case 0x115F:
    case 0x1160:
    case 0x3164:
    case 0xFFA0:
    case 0x2800:
    case 0x17B4:
    case 0x17B5: return NORM_SPACE;
    default: break;
    }
    if (is_cjk(cp))
        return NORM_CJK;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE0FFF) || (cp >= 0x180B && cp <= 0x180F))
        return NORM_SPACE; /* variation selectors, tags, Mongolian selectors */
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return NORM_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF: return NORM_SPACE;
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP: return NORM_BREAK;
    default: return NORM_PUNCT; /* P*, S*, Co, Cn */
    }
}

norm_class_t norm_class_supp(uint32_t cp) { return classify(cp); }

/* NFKC + case fold of one code point when that is one code point. */
static uint32_t fold_one(uint32_t cp)
{
    utf8proc_uint8_t in[4], *out = NULL;
    utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, in);
    if (n <= 0)
        return cp;
    utf8proc_ssize_t m =
        utf8proc_map(in, n, &out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
    uint32_t r = cp;
    if (m > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate(out, m, &c);
        if (l == m && c >= 0 && c < 0x10000)
            r = (uint32_t)c;
    }
    free(out);
    return r;
}

/* Traditional → simplified for every BMP ideograph into t2s[] (identity
 * elsewhere), with one OpenCC call over a newline-separated list of all of
 * them. */
static int build_t2s(uint16_t *t2s, char *err, size_t errlen)
{
    static const uint32_t R[][2] = {{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}};
    size_t count = 0;
    for (size_t r = 0; r < 3; r++)
        count += R[r][1] - R[r][0] + 1;
    uint32_t *cps = malloc(count * sizeof *cps);
    char *buf = malloc(count * 4 + 1);
    if (!cps || !buf) {
        free(cps);
        free(buf);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = 0, k = 0;
    for (size_t r = 0; r < 3; r++)
        for (uint32_t cp = R[r][0]; cp <= R[r][1]; cp++) {
            cps[k++] = cp;
            len += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)buf + len);
            buf[len++] = '\n';
        }
    buf[len] = 0;
    int rc = -1;
    opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
    if (cc == (opencc_t)-1) {
        snprintf(err, errlen, "OpenCC t2s unavailable: %s", opencc_error());
        goto out;
    }
    char *conv = opencc_convert_utf8(cc, buf, len);
    if (!conv) {
        snprintf(err, errlen, "OpenCC conversion failed: %s", opencc_error());
        opencc_close(cc);
        goto out;
    }
    /* one line per input character; a line that is not exactly one
     * character (should not happen) leaves the character alone */
    const char *p = conv;
    for (size_t i = 0; i < count && *p; i++) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        utf8proc_int32_t c;
        utf8proc_ssize_t cl = utf8proc_iterate((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)l, &c);
        if (cl > 0 && (size_t)cl == l && c > 0 && c < 0x10000)
            t2s[cps[i]] = (uint16_t)c;
        p = nl ? nl + 1 : p + l;
    }
    opencc_convert_utf8_free(conv);
    opencc_close(cc);
    rc = 0;
out:
    free(cps);
    free(buf);
    return rc;
}

/* ---- the tables' snapshot ----
 * Building the tables costs ≈ 15–20 ms of CPU (OpenCC over 28,000
 * ideographs, utf8proc for every BMP code point): more than a start of
 * `zhendi proofread --text` may take. They are kept in a cache file
 * (ZHENDI_CACHE_DIR, else $XDG_CACHE_HOME/zhendi, else ~/.cache/zhendi;
 * ZHENDI_CACHE_DIR=off: none) that later processes map read-only. Its key
 * is a SHA-256 of everything the tables are made of — the layout's
 * version, utf8proc's version and OpenCC's t2s data files (Debian ships the
 * library and the data from one source package) — so a
 * change of any of them makes it stale: it is rebuilt and replaced
 * atomically (written beside, renamed over; concurrent processes each write
 * their own complete file, the last rename wins, a reader maps the old or
 * the new). A file that does not match its key, its size or its checksum
 * is ignored and rebuilt. */
#define SNAP_MAGIC    "ZDNORM01"
#define SNAP_OPENCC   "/usr/share/opencc" /* Debian's libopencc-data (OpenCC's PKGDATADIR) */
#define SNAP_N        0x10000u
#define SNAP_OFF_MAP  128u
#define SNAP_OFF_PRE  (SNAP_OFF_MAP + SNAP_N * 2)
#define SNAP_OFF_CLS  (SNAP_OFF_PRE + SNAP_N * 2)
#define SNAP_OFF_TRAD (SNAP_OFF_CLS + SNAP_N)
#define SNAP_OFF_K28  (SNAP_OFF_TRAD + SNAP_N)
#define SNAP_OFF_PS   (SNAP_OFF_K28 + SNAP_N * 4)
#define SNAP_SIZE     (SNAP_OFF_PS + (SNAP_N + 1) * 4)

typedef struct {
    char magic[8];
    uint32_t size, reserved;
    char key[65]; /* SHA-256, hex */
    char pad[7];
    uint64_t sum; /* of the bytes after the header */
} snap_hdr_t;     /* ≤ SNAP_OFF_MAP bytes */

static uint64_t snap_sum(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001B3ull;
        h ^= h >> 29;
    }
    return h;
}

/* The cache file's path; false when there is none. */
static bool snap_path(char *out, size_t outsz)
{
    const char *d = getenv("ZHENDI_CACHE_DIR"), *x;
    int n;
    if (d)
        n = *d && strcmp(d, "off") ? snprintf(out, outsz, "%s/norm-tables.bin", d) : -1;
    else if ((x = getenv("XDG_CACHE_HOME")) && *x == '/')
        n = snprintf(out, outsz, "%s/zhendi/norm-tables.bin", x);
    else if ((x = getenv("HOME")) && *x == '/')
        n = snprintf(out, outsz, "%s/.cache/zhendi/norm-tables.bin", x);
    else
        n = -1;
    return n > 0 && (size_t)n < outsz;
}

/* The key: false when OpenCC's files cannot be read (then no cache). */
static bool snap_key(char key[65])
{
    static const char *const files[] = {"t2s.json", "TSPhrases.ocd2", "TSCharacters.ocd2"};
    sbuf_t b;
    sbuf_init(&b);
    sbuf_printf(&b, "%s|%u|utf8proc %s", SNAP_MAGIC, SNAP_SIZE, utf8proc_version());
    bool ok = true;
    for (size_t i = 0; i < sizeof files / sizeof files[0] && ok; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", SNAP_OPENCC, files[i]);
        FILE *f = fopen(path, "rb");
        ok = f != NULL;
        char chunk[16384];
        size_t n;
        sbuf_printf(&b, "|%s|", files[i]);
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            sbuf_append(&b, chunk, n);
        if (f)
            fclose(f);
    }
    if (ok)
        crypto_sha256_hex(b.data, b.len, key);
    sbuf_free(&b);
    return ok;
}

/* base is page-aligned (mmap) and every table's offset a multiple of its
 * element size */
static void snap_point(const unsigned char *base)
{
    const void *map = base + SNAP_OFF_MAP, *k28 = base + SNAP_OFF_K28, *ps = base + SNAP_OFF_PS,
               *pre = base + SNAP_OFF_PRE;
    g_tables = (norm_tables_t){map, base + SNAP_OFF_CLS, k28, ps, pre, base + SNAP_OFF_TRAD};
}

/* Maps the snapshot when it is there and current. */
static bool snap_load(const char *path, const char key[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size == (off_t)SNAP_SIZE)
        m = mmap(NULL, SNAP_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return false;
    snap_hdr_t h;
    memcpy(&h, m, sizeof h);
    const unsigned char *base = m;
    if (memcmp(h.magic, SNAP_MAGIC, 8) != 0 || h.size != SNAP_SIZE || memcmp(h.key, key, 65) != 0 ||
        h.sum != snap_sum(base + SNAP_OFF_MAP, SNAP_SIZE - SNAP_OFF_MAP)) {
        munmap(m, SNAP_SIZE);
        return false;
    }
    snap_point(base); /* mapped for the rest of the process */
    return true;
}

/* Writes the tables just built (failures only cost the next start the
 * build again). */
static void snap_save(const char *path, const char key[65])
{
    unsigned char *buf = calloc(1, SNAP_SIZE);
    if (!buf)
        return;
    memcpy(buf + SNAP_OFF_MAP, g_map, sizeof g_map);
    memcpy(buf + SNAP_OFF_PRE, g_pre, sizeof g_pre);
    memcpy(buf + SNAP_OFF_CLS, g_class, sizeof g_class);
    memcpy(buf + SNAP_OFF_TRAD, g_trad, sizeof g_trad);
    memcpy(buf + SNAP_OFF_K28, g_klass28, sizeof g_klass28);
    memcpy(buf + SNAP_OFF_PS, g_pre_start, sizeof g_pre_start);
    snap_hdr_t h = {.size = SNAP_SIZE, .sum = snap_sum(buf + SNAP_OFF_MAP, SNAP_SIZE - SNAP_OFF_MAP)};
    memcpy(h.magic, SNAP_MAGIC, 8);
    memcpy(h.key, key, 65);
    memcpy(buf, &h, sizeof h);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        fileio_mkdirs(dir);
    }
    fileio_write_atomic(path, buf, SNAP_SIZE, 0644);
    free(buf);
}

static bool build_tables(void)
{
    uint16_t *t2s = malloc(0x10000 * sizeof *t2s);
    if (!t2s) {
        snprintf(g_err, sizeof g_err, "out of memory");
        return false;
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        t2s[cp] = (uint16_t)cp;
    if (build_t2s(t2s, g_err, sizeof g_err) != 0) {
        free(t2s);
        return false;
    }
    /* NFKC first (compatibility ideographs and radicals become unified
     * ideographs), then t2s on the result */
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        uint32_t m = (cp >= 0xD800 && cp <= 0xDFFF) ? cp : fold_one(cp);
        g_map[cp] = t2s[m];
        g_trad[cp] = t2s[m] != m;
        g_class[cp] = (uint8_t)((cp >= 0xD800 && cp <= 0xDFFF) ? NORM_PUNCT : classify(g_map[cp]));
        g_klass28[cp] = (uint32_t)g_class[cp] << 28;
    }
    free(t2s);
    /* the inverse map, counting sort by normalised code point */
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        g_pre_start[g_map[cp] + 1]++;
    for (uint32_t c = 0; c < 0x10000; c++)
        g_pre_start[c + 1] += g_pre_start[c];
    uint32_t *fill = calloc(0x10000, sizeof *fill);
    if (!fill) {
        snprintf(g_err, sizeof g_err, "out of memory");
        return false;
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        uint32_t c = g_map[cp];
        g_pre[g_pre_start[c] + fill[c]++] = (uint16_t)cp;
    }
    free(fill);
    g_tables = (norm_tables_t){g_map, g_class, g_klass28, g_pre_start, g_pre, g_trad};
    return true;
}

static void init_once(void)
{
    _Static_assert(sizeof(snap_hdr_t) <= SNAP_OFF_MAP, "snapshot header");
    char path[1100], key[65];
    bool cache = snap_path(path, sizeof path) && snap_key(key);
    if (cache && snap_load(path, key)) {
        g_rc = 0;
        return;
    }
    if (!build_tables())
        return;
    g_rc = 0;
    if (cache)
        snap_save(path, key);
}

int norm_init(char *err, size_t errlen)
{
    pthread_once(&g_once, init_once);
    if (g_rc != 0 && err)
        snprintf(err, errlen, "%s", g_err);
    return g_rc;
}

const norm_tables_t *norm_tables(void) { return g_rc == 0 ? &g_tables : NULL; }

size_t norm_utf8_check(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = norm_utf8(u + i, n - i, &cp);
        if (!l)
            return i;
        i += l;
    }
    return n;
}

/* ---- phrase level ---- */

static norm_class_t class_of(const norm_tables_t *t, uint32_t cp)
{
    return cp < 0x10000 ? (norm_class_t)t->klass[cp] : norm_class_supp(cp);
}

static bool is_han(const norm_tables_t *t, uint32_t cp) { return class_of(t, cp) == NORM_CJK; }

#define PHRASE_WINDOW 24 /* characters of context on each side of a traditional one */

/* Aligns OpenCC's conversion b[0..nb) of a[0..na) (original code points;
 * idx: their indices in the text) and appends the characters whose
 * phrase-level form differs from the per-character map to *ov. -1: out of
 * memory. */
static int align_phrase(const norm_tables_t *t, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                        const size_t *idx, norm_phrase_t **ov, size_t *nov, size_t *cap)
{
    /* runs of Chinese characters between characters OpenCC left alone */
    size_t i = 0, j = 0;
    while (i < na) {
        if (!is_han(t, a[i])) {
            if (j >= nb || b[j] != a[i])
                break; /* out of step (not expected): the rest stays character level */
            i++;
            j++;
            continue;
        }
        size_t i2 = i, j2 = j;
        while (i2 < na && is_han(t, a[i2]))
            i2++;
        while (j2 < nb && is_han(t, b[j2]))
            j2++;
        if (i2 - i == j2 - j) {
            for (size_t k = 0; k < i2 - i; k++) {
                uint32_t o = a[i + k], c = b[j + k];
                /* a traditional character the phrase kept (乾 in 乾隆) stays
                 * itself; anything else takes the per-character map */
                uint32_t m = c < 0x10000 ? (t->trad[c] ? c : t->map[c]) : c;
                uint32_t def = o < 0x10000 ? t->map[o] : o;
                if (m == def || m >= 0x10000 || o >= 0x10000)
                    continue;
                if (*nov == *cap) {
                    size_t nc = *cap ? *cap * 2 : 64;
                    norm_phrase_t *nv = realloc(*ov, nc * sizeof *nv);
                    if (!nv)
                        return -1;
                    *ov = nv;
                    *cap = nc;
                }
                (*ov)[(*nov)++] = (norm_phrase_t){idx[i + k], m};
            }
        }
        i = i2;
        j = j2;
    }
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int norm_phrase(const char *text, size_t len, norm_phrase_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const norm_tables_t *t = norm_tables();
    if (!t)
        return -1;
    len = norm_utf8_check(text, len);
    /* anything to convert? (text without a traditional character is left
     * alone: OpenCC is far slower than the scan) */
    bool any = false;
    for (size_t i = 0; i < len && !any;) {
        uint32_t cp = 0;
        size_t l = norm_utf8((const unsigned char *)text + i, len - i, &cp);
        if (!l)
            break; /* not reached: the prefix is well-formed */
        any = cp < 0x10000 && t->trad[cp];
        i += l;
    }
    if (!any)
        return 0;
    pthread_once(&g_cc_once, cc_open);
    if (g_cc == (opencc_t)-1)
        return -1;
    /* OpenCC reads the text without its spaces and invisible characters
     * (interference: 乾 淨 and 乾<U+200B>隆 are phrases too); idx maps its
     * characters back to the original ones */
    char *buf = malloc(len + 1), *conv = NULL;
    uint32_t *a = malloc((len + 1) * sizeof *a), *b = NULL;
    size_t *idx = malloc((len + 1) * sizeof *idx);
    norm_phrase_t *ov = NULL;
    size_t nov = 0, cap = 0, na = 0, nb = 0, blen = 0, cap_b = 2 * PHRASE_WINDOW + 1;
    int rc = -1;
    if (!buf || !a || !idx)
        goto done;
    for (size_t i = 0, ci = 0; i < len; ci++) {
        uint32_t cp = 0;
        size_t l = norm_utf8((const unsigned char *)text + i, len - i, &cp);
        if (!l)
            break;
        if (class_of(t, cp) != NORM_SPACE) {
            memcpy(buf + blen, text + i, l);
            blen += l;
            idx[na] = ci;
            a[na++] = cp;
        }
        i += l;
    }
    /* only windows of PHRASE_WINDOW characters around each traditional
     * character are converted (merged when they meet): a mostly simplified
     * text with a few traditional characters costs OpenCC a few windows,
     * not the whole text (≈ 3.5 MB/s) */
    b = malloc((2 * PHRASE_WINDOW + 2) * sizeof *b);
    if (!b)
        goto done;
    size_t done_to = 0;
    for (size_t q = 0; q < na; q++) {
        if (!(a[q] < 0x10000 && t->trad[a[q]]))
            continue;
        size_t ws = q > PHRASE_WINDOW ? q - PHRASE_WINDOW : 0,
               we = q + PHRASE_WINDOW + 1 < na ? q + PHRASE_WINDOW + 1 : na;
        if (ws < done_to)
            ws = done_to;
        for (size_t r = q + 1; r < we; r++)
            if (a[r] < 0x10000 && t->trad[a[r]])
                we = r + PHRASE_WINDOW + 1 < na ? r + PHRASE_WINDOW + 1 : na;
        blen = 0;
        for (size_t k = ws; k < we; k++)
            blen += put_utf8(buf + blen, a[k]);
        buf[blen] = 0;
        if (!(conv = opencc_convert_utf8(g_cc, buf, blen)))
            goto done;
        size_t clen = strlen(conv);
        if (clen > cap_b) {
            uint32_t *nb2 = realloc(b, (clen + 1) * sizeof *b);
            if (!nb2)
                goto done;
            b = nb2;
            cap_b = clen;
        }
        nb = 0;
        for (size_t i = 0; i < clen;) {
            size_t l = norm_utf8((const unsigned char *)conv + i, clen - i, &b[nb]);
            if (!l)
                break;
            nb++;
            i += l;
        }
        opencc_convert_utf8_free(conv);
        conv = NULL;
        if (align_phrase(t, a + ws, we - ws, b, nb, idx + ws, &ov, &nov, &cap) != 0)
            goto done;
        done_to = we;
        q = we - 1;
    }
    rc = 0;
done:
    free(buf);
    free(a);
    free(b);
    free(idx);
    if (conv)
        opencc_convert_utf8_free(conv);
    if (rc != 0) {
        free(ov);
        return -1;
    }
    *out = ov;
    *n = nov;
    return 0;
}

void norm_text_free(norm_text_t *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->cps);
    free(t->orig_start);
    free(t->orig_byte);
    free(t->klass);
    free(t->punct_before);
    memset(t, 0, sizeof *t);
}

int norm_text(const char *text, size_t len, norm_text_t *out, size_t *bad_offset)
{
    memset(out, 0, sizeof *out);
    size_t bad = norm_utf8_check(text, len);
    if (bad != len) {
        if (bad_offset)
            *bad_offset = bad;
        return -1;
    }
    const norm_tables_t *t = norm_tables();
    if (!t) {
        if (bad_offset)
            *bad_offset = 0;
        return -1;
    }
    /* phrase level: the characters whose conversion differs from the
     * per-character map (none unless the text has a traditional one; on
     * failure the per-character map applies) */
    norm_phrase_t *ov = NULL;
    size_t nov = 0, ovi = 0;
    norm_phrase(text, len, &ov, &nov);
    /* at most one output character per input character */
    size_t cap = len + 1;
    out->text = malloc(cap * 4 + 1);
    out->cps = malloc(cap * sizeof *out->cps);
    out->orig_start = malloc(cap * sizeof *out->orig_start);
    out->orig_byte = malloc(cap * sizeof *out->orig_byte);
    out->klass = malloc(cap);
    out->punct_before = malloc(cap * sizeof *out->punct_before);
    if (!out->text || !out->cps || !out->orig_start || !out->orig_byte || !out->klass || !out->punct_before) {
        norm_text_free(out);
        free(ov);
        if (bad_offset)
            *bad_offset = 0;
        return -1;
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, ci = 0, n = 0, blen = 0;
    size_t gap_start_cp = 0, gap_start_byte = 0, punct = 0;
    bool gap = false, brk = false;
    norm_class_t prev = NORM_SPACE; /* class of the last kept character */
    while (i < len) {
        uint32_t cp = 0xFFFD;
        size_t l = norm_utf8(s + i, len - i, &cp);
        if (!l)
            l = 1; /* not reached: checked above */
        norm_class_t k;
        uint32_t m = norm_cp(t, cp, &k);
        if (ovi < nov && ov[ovi].ci == ci) {
            m = ov[ovi++].cp; /* a Chinese character either way */
            k = NORM_CJK;
        }
        if (k == NORM_SPACE || k == NORM_PUNCT || k == NORM_BREAK) {
            if (!gap && !brk) {
                gap_start_cp = ci;
                gap_start_byte = i;
            }
            if (k == NORM_BREAK)
                brk = n > 0;
            else
                gap = true;
            if (k == NORM_PUNCT)
                punct++;
            i += l;
            ci++;
            continue;
        }
        uint32_t emit_sep = 0;
        if (brk)
            emit_sep = '\n';
        else if (gap && prev == NORM_WORD && k == NORM_WORD)
            emit_sep = ' ';
        if (emit_sep) {
            out->cps[n] = emit_sep;
            out->orig_start[n] = gap_start_cp;
            out->orig_byte[n] = gap_start_byte;
            out->klass[n] = emit_sep == '\n' ? NORM_BREAK : NORM_SPACE;
            out->punct_before[n] = punct;
            punct = 0;
            blen += (size_t)utf8proc_encode_char((utf8proc_int32_t)emit_sep,
                                                 (utf8proc_uint8_t *)out->text + blen);
            n++;
        }
        out->cps[n] = m;
        out->orig_start[n] = ci;
        out->orig_byte[n] = i;
        out->klass[n] = (uint8_t)k;
        out->punct_before[n] = punct;
        blen += (size_t)utf8proc_encode_char((utf8proc_int32_t)m, (utf8proc_uint8_t *)out->text + blen);
        n++;
        punct = 0;
        gap = brk = false;
        prev = k;
        i += l;
        ci++;
    }
    free(ov);
    out->text[blen] = 0;
    out->len = blen;
    out->nchars = n;
    return 0;
}
