/* segment.c — friso behind a thread-safe API; see segment.h. */
#include "text/segment.h"
#include "core/str.h"
#include "text/normalize.h"
#include <friso/friso.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static friso_t g_friso;
static friso_config_t g_cfg;

int seg_init(const char *dict_dir, char *err, size_t errlen)
{
    char nerr[256];
    if (norm_init(nerr, sizeof nerr) != 0) {
        snprintf(err, errlen, "%s", nerr);
        return -1;
    }
    pthread_mutex_lock(&g_lock);
    int rc = 0;
    if (g_friso)
        goto out;
    if (!dict_dir)
        dict_dir = getenv("ZHENDI_FRISO_DICT");
    if (!dict_dir || !*dict_dir)
        dict_dir = SEG_DEFAULT_DICT;
    /* friso concatenates the directory and file names: it needs the slash */
    char dir[1024], ini[1100];
    snprintf(dir, sizeof dir, "%s%s", dict_dir, dict_dir[strlen(dict_dir) - 1] == '/' ? "" : "/");
    snprintf(ini, sizeof ini, "%sfriso.lex.ini", dir);
    struct stat st;
    if (stat(ini, &st) != 0) {
        snprintf(err, errlen, "friso dictionary not found: %s (install friso-dict)", ini);
        rc = -1;
        goto out;
    }
    friso_t f = friso_new();
    friso_config_t c = friso_new_config();
    friso_init_config(c);
    c->max_len = 5;
    c->r_name = 0;
    c->mix_len = 2;
    c->lna_len = 1;
    c->add_syn = 0;
    c->clr_stw = 0;
    c->keep_urec = 1;
    c->spx_out = 0;
    c->en_sseg = 0;
    c->st_minl = 2;
    c->nthreshold = 2000000;
    c->kpuncs[0] = 0;
    friso_set_mode(c, __FRISO_COMPLEX_MODE__);
    f->dic = friso_dic_new();
    friso_dic_load_from_ifile(f, c, dir, c->max_len * 3);
    if (friso_all_dic_size(f->dic) == 0) {
        friso_free(f);
        friso_free_config(c);
        snprintf(err, errlen, "friso dictionary in %s is empty", dir);
        rc = -1;
        goto out;
    }
    g_cfg = c;
    g_friso = f;
out:
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void seg_shutdown(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_friso)
        friso_free(g_friso);
    if (g_cfg)
        friso_free_config(g_cfg);
    g_friso = NULL;
    g_cfg = NULL;
    pthread_mutex_unlock(&g_lock);
}

/* Zero-width and other invisible characters are dropped before friso sees
 * the text; visible white space and punctuation stay as token boundaries. */
static bool invisible(uint32_t cp, norm_class_t k)
{
    return k == NORM_SPACE && cp != ' ' && cp != '\t' && cp != 0x3000 && cp != 0xA0;
}

int seg_tokens(const char *text, size_t len, seg_token_t **tokens, size_t *n)
{
    *tokens = NULL;
    *n = 0;
    char err[256];
    if (seg_init(NULL, err, sizeof err) != 0 || norm_utf8_check(text, len) != len)
        return -1;
    const norm_tables_t *t = norm_tables();
    /* normalised copy: for each emitted character its byte offset there and
     * its code point / byte offsets in the original */
    char *buf = malloc(len * 2 + 8); /* a character's normal form is at most 1.5 times longer */
    size_t *nb = malloc((len + 1) * sizeof *nb), *oc = malloc((len + 1) * sizeof *oc),
           *ob = malloc((len + 1) * sizeof *ob);
    seg_token_t *out = NULL;
    size_t nout = 0, cap = 0;
    int rc = -1;
    friso_task_t task = NULL;
    if (!buf || !nb || !oc || !ob)
        goto out;
    size_t i = 0, ci = 0, bl = 0, m = 0;
    while (i < len) {
        uint32_t cp = 0xFFFD;
        size_t l = norm_utf8((const unsigned char *)text + i, len - i, &cp);
        if (!l)
            l = 1; /* not reached: checked above */
        norm_class_t k;
        uint32_t c = norm_cp(t, cp, &k);
        if (!invisible(cp, k)) {
            if (c == 0)
                c = ' ';
            nb[m] = bl;
            oc[m] = ci;
            ob[m] = i;
            m++;
            bl += utf8_encode(c, buf + bl);
        }
        i += l;
        ci++;
    }
    buf[bl] = 0;
    nb[m] = bl;
    oc[m] = ci;
    ob[m] = len;

    task = friso_new_task();
    friso_set_text(task, buf);
    friso_token_t tok;
    while ((tok = g_cfg->next_token(g_friso, g_cfg, task)) != NULL) {
        if (tok->type == __LEX_PUNC_WORDS__ || tok->offset < 0 || (size_t)tok->offset >= bl)
            continue;
        size_t bs = (size_t)tok->offset, be = bs + tok->length;
        if (be > bl)
            be = bl;
        /* emitted character indexes of the token's first and past-last byte */
        size_t lo = 0, hi = m;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (nb[mid] < bs)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t a = lo;
        lo = a, hi = m;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (nb[mid] < be)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t b = lo;
        if (a >= m || b <= a || nb[a] != bs)
            continue;
        uint32_t first = 0;
        norm_utf8((const unsigned char *)buf + bs, bl - bs, &first);
        norm_class_t fk;
        norm_cp(t, first, &fk);
        if (fk == NORM_SPACE || fk == NORM_PUNCT || fk == NORM_BREAK)
            continue;
        if (nout == cap) {
            size_t nc = cap ? cap * 2 : 64;
            seg_token_t *nt = realloc(out, nc * sizeof *nt);
            if (!nt)
                goto out;
            out = nt;
            cap = nc;
        }
        /* the token ends where the next emitted character starts, in the
         * original: dropped invisible characters inside stay inside */
        seg_token_t *st = &out[nout++];
        st->start = oc[a];
        st->byte_start = ob[a];
        st->end = oc[b - 1] + 1;
        st->byte_end = ob[b - 1];
        uint32_t lastcp = 0;
        st->byte_end += norm_utf8((const unsigned char *)text + ob[b - 1], len - ob[b - 1], &lastcp);
        st->cjk = fk == NORM_CJK;
        st->word = st->cjk && b - a >= 2;
    }
    *tokens = out;
    *n = nout;
    out = NULL;
    rc = 0;
out:
    if (task)
        friso_free_task(task);
    free(out);
    free(buf);
    free(nb);
    free(oc);
    free(ob);
    return rc;
}
