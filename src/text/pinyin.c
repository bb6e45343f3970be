/* pinyin.c — the toneless pinyin readings of Chinese characters from Rime's
 * pinyin_simp dictionary; see pinyin.h. */
#include "text/pinyin.h"
#include "core/log.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PY_DEFAULT_DICT  "/usr/share/rime-data/pinyin_simp.dict.yaml"
#define PY_MAX_SYLLABLES 1024
#define PY_SYL_LEN       8 /* "zhuang" + NUL fits */

struct py_table {
    uint16_t (*rd)[PY_MAX_READINGS]; /* [0x10000] syllable indices + 1, primary first; 0: none */
    char syl[PY_MAX_SYLLABLES][PY_SYL_LEN];
    size_t nsyl, nchars;
};

static py_table_t *g_table;
static char g_error[256];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int syllable_index(py_table_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->nsyl; i++)
        if (!strncmp(t->syl[i], s, n) && t->syl[i][n] == 0)
            return (int)i;
    if (t->nsyl == PY_MAX_SYLLABLES)
        return -1;
    memcpy(t->syl[t->nsyl], s, n);
    t->syl[t->nsyl][n] = 0;
    return (int)t->nsyl++;
}

static void load(void)
{
    const char *path = getenv("ZHENDI_PINYIN_DICT");
    if (!path || !*path)
        path = PY_DEFAULT_DICT;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(g_error, sizeof g_error, "pinyin table %s cannot be read (install rime-data-pinyin-simp)",
                 path);
        log_msg(LOG_APP, LOG_WARN, "proofread.pinyin_unavailable", "%s：按拼音匹配的词库只按字面匹配",
                g_error);
        return;
    }
    py_table_t *t = calloc(1, sizeof *t);
    uint32_t(*w)[PY_MAX_READINGS] = calloc(0x10000, sizeof *w); /* weights of the kept readings */
    if (t)
        t->rd = calloc(0x10000, sizeof *t->rd);
    if (!t || !t->rd || !w) {
        snprintf(g_error, sizeof g_error, "out of memory loading the pinyin table");
        goto fail;
    }
    char line[512];
    bool body = false;
    while (fgets(line, sizeof line, f)) {
        if (!body) {
            body = !strncmp(line, "...", 3);
            continue;
        }
        /* 字<TAB>syllable<TAB>weight, one BMP character of three UTF-8 bytes */
        const unsigned char *u = (const unsigned char *)line;
        if (u[0] < 0xE0 || u[0] > 0xEF || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80 || u[3] != '\t')
            continue;
        uint32_t cp = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
        char *s = line + 4, *e = s;
        while (*e >= 'a' && *e <= 'z')
            e++;
        if (e == s || e - s >= PY_SYL_LEN || (*e != '\t' && *e != '\n' && *e != 0))
            continue;
        unsigned long wt = *e == '\t' ? strtoul(e + 1, NULL, 10) : 0;
        int si = syllable_index(t, s, (size_t)(e - s));
        if (si < 0)
            continue;
        uint16_t *rd = t->rd[cp];
        uint32_t *ww = w[cp];
        int k = 0;
        while (k < PY_MAX_READINGS && rd[k] && rd[k] != si + 1)
            k++;
        if (k < PY_MAX_READINGS && rd[k])
            continue; /* the same reading twice */
        /* insert by descending weight; the lightest falls off the end */
        int pos = 0;
        while (pos < PY_MAX_READINGS && rd[pos] && ww[pos] >= wt)
            pos++;
        if (pos == PY_MAX_READINGS)
            continue;
        for (int j = PY_MAX_READINGS - 1; j > pos; j--) {
            rd[j] = rd[j - 1];
            ww[j] = ww[j - 1];
        }
        rd[pos] = (uint16_t)(si + 1);
        ww[pos] = (uint32_t)wt;
    }
    /* drop readings much rarer than the primary (的 di, 了 liao) */
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        if (!t->rd[cp][0])
            continue;
        t->nchars++;
        for (int k = 1; k < PY_MAX_READINGS; k++)
            if (t->rd[cp][k] && (double)w[cp][k] < PY_ALT_SHARE * (double)w[cp][0])
                t->rd[cp][k] = 0;
        /* keep them packed */
        int o = 1;
        for (int k = 1; k < PY_MAX_READINGS; k++)
            if (t->rd[cp][k])
                t->rd[cp][o++] = t->rd[cp][k];
        while (o < PY_MAX_READINGS)
            t->rd[cp][o++] = 0;
    }
    fclose(f);
    free(w);
    if (t->nchars == 0) {
        snprintf(g_error, sizeof g_error, "pinyin table %s has no character readings", path);
        log_msg(LOG_APP, LOG_WARN, "proofread.pinyin_unavailable", "%s", g_error);
        free(t->rd);
        free(t);
        return;
    }
    g_table = t;
    return;
fail:
    fclose(f);
    free(w);
    if (t)
        free(t->rd);
    free(t);
    log_msg(LOG_APP, LOG_WARN, "proofread.pinyin_unavailable", "%s", g_error);
}

const py_table_t *py_get(void)
{
    pthread_once(&g_once, load);
    return g_table;
}

const char *py_error(void) { return g_error; }

int py_readings(const py_table_t *t, uint32_t cp, const char **out, int max)
{
    if (!t || cp >= 0x10000)
        return 0;
    int n = 0;
    for (int k = 0; k < PY_MAX_READINGS && n < max && t->rd[cp][k]; k++)
        out[n++] = t->syl[t->rd[cp][k] - 1];
    return n;
}

const char *py_primary(const py_table_t *t, uint32_t cp)
{
    return t && cp < 0x10000 && t->rd[cp][0] ? t->syl[t->rd[cp][0] - 1] : NULL;
}

size_t py_nchars(const py_table_t *t) { return t ? t->nchars : 0; }
size_t py_nsyllables(const py_table_t *t) { return t ? t->nsyl : 0; }
