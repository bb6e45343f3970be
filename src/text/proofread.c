/* proofread.c — compiled lexicon sets, the engine holder and the check;
 * see proofread.h for the rules. */
#include "text/proofread.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "text/acmatch.h"
#include "text/langmodel.h"
#include "text/lmbigram.h"
#include "text/normalize.h"
#include "text/pinyin.h"
#include "text/segment.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

static const char *const CAT_NAME[PR_NCATEGORIES] = {"sensitive", "formulation", "typo", "custom",
                                                     "whitelist"};
static const char *const CAT_TITLE[PR_NCATEGORIES] = {"敏感词", "规范提法", "错别字", "自定义", "白名单"};
static const char *const SEV_NAME[PR_NSEVERITIES] = {"info", "warn", "block"};
static const char *const SEV_TITLE[PR_NSEVERITIES] = {"提示", "警告", "阻断"};
/* may the category's entries match across skipped punctuation and symbols? */
static const bool CAT_SKIPS_PUNCT[PR_NCATEGORIES] = {true, true, false, true, true};

static const char *const RULE_NAME[PR_NRULES] = {"lexicon", "language_model", "segmentation", "external",
                                                 "pinyin"};
static const char *const RULE_TITLE[PR_NRULES] = {"词库匹配", "语言模型确认", "分词校验", "外部服务",
                                                  "拼音或同音字匹配"};

const char *pr_rule_name(pr_rule_t r) { return (unsigned)r < PR_NRULES ? RULE_NAME[r] : "lexicon"; }
const char *pr_rule_title(pr_rule_t r) { return (unsigned)r < PR_NRULES ? RULE_TITLE[r] : ""; }

const char *pr_category_name(pr_category_t c)
{
    return (unsigned)c < PR_NCATEGORIES ? CAT_NAME[c] : "custom";
}
const char *pr_category_title(pr_category_t c) { return (unsigned)c < PR_NCATEGORIES ? CAT_TITLE[c] : ""; }
const char *pr_severity_name(pr_severity_t s) { return (unsigned)s < PR_NSEVERITIES ? SEV_NAME[s] : "warn"; }
const char *pr_severity_title(pr_severity_t s) { return (unsigned)s < PR_NSEVERITIES ? SEV_TITLE[s] : ""; }

bool pr_category_parse(const char *s, pr_category_t *out)
{
    for (int i = 0; s && i < PR_NCATEGORIES; i++)
        if (!strcmp(s, CAT_NAME[i])) {
            *out = (pr_category_t)i;
            return true;
        }
    return false;
}

bool pr_severity_parse(const char *s, pr_severity_t *out)
{
    for (int i = 0; s && i < PR_NSEVERITIES; i++)
        if (!strcmp(s, SEV_NAME[i])) {
            *out = (pr_severity_t)i;
            return true;
        }
    return false;
}

/* ---- compiled sets ---- */

typedef struct {
    pr_entry_t e;    /* strings in the set's arena */
    uint32_t nchars; /* normalised length */
    bool first_word; /* starts with a WORD character: needs a word boundary before */
    bool last_word;  /* ends with one: needs a word boundary after */
} lentry_t;

typedef struct {
    uint32_t cp, code;
} supp_code_t;

/* per-entry bits read in the scan loop (one byte per entry keeps them in cache) */
enum { EF_CAT = 0x07, EF_FIRST_WORD = 0x08, EF_LAST_WORD = 0x10, EF_SKIPS_PUNCT = 0x20, EF_REPEATS = 0x100 };
#define EF_SEV_SHIFT 6 /* two bits */

/* cc[] packs a BMP code point's class (top 4 bits) and its alphabet code */
#define CC_SHIFT 28
#define CC_CODE  0x0FFFFFFFu
/* the class in cc[] of a traditional character (a Chinese character whose
 * phrase-level conversion may differ from the per-character map; its code
 * is the per-character one): the first one met makes the scan convert the
 * text at phrase level (norm_phrase) and start again */
#define CC_TRAD 5u

struct pr_lexset {
    _Atomic long refs;
    ac_t *ac;
    uint32_t
        *cc; /* [0x10000] original BMP code point → class << 28 | alphabet code (normalisation folded in) */
    uint16_t *eflag;      /* [nentries] EF_* bits and severity */
    uint32_t repeats_len; /* longest entry that matches repeated characters once, + 1; 0: none does */
    supp_code_t *supp;    /* sorted by cp */
    size_t nsupp;
    /* traditional characters of the alphabet as themselves (乾 of 乾隆, a
     * word the phrase level keeps), sorted by cp: their cc[] entry holds
     * the code of their per-character form */
    supp_code_t *tself;
    size_t ntself;
    uint32_t sep_code; /* code of the kept separator ' ', 0 when no entry contains one */
    lentry_t *entries;
    size_t nentries;
    /* entries matching by pinyin: an automaton over the letters a–z of
     * their spellings and initials (value: index in pypat) */
    ac_t *py_ac;
    struct pypat *pypat;
    unsigned py_cats; /* categories that have such entries (bits) */
    arena_t *arena;
    pr_stats_t stats;
};

void pr_lexset_retain(pr_lexset_t *ls) { atomic_fetch_add_explicit(&ls->refs, 1, memory_order_relaxed); }

void pr_lexset_release(pr_lexset_t *ls)
{
    if (!ls || atomic_fetch_sub_explicit(&ls->refs, 1, memory_order_acq_rel) != 1)
        return;
    ac_free(ls->ac);
    ac_free(ls->py_ac);
    free(ls->pypat);
    free(ls->cc);
    free(ls->eflag);
    free(ls->supp);
    free(ls->tself);
    free(ls->entries);
    arena_free(ls->arena);
    free(ls);
}

const pr_stats_t *pr_lexset_stats(const pr_lexset_t *ls) { return &ls->stats; }

char *pr_normalize_word(const char *word)
{
    char err[128];
    if (norm_init(err, sizeof err) != 0)
        return NULL;
    norm_text_t nt;
    if (norm_text(word, strlen(word), &nt, NULL) != 0)
        return NULL;
    char *s = strdup(nt.text);
    norm_text_free(&nt);
    return s;
}

/* (count << 32 | code point), descending */
static int cmp_u64_desc(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return *x < *y ? 1 : *x > *y ? -1 : 0;
}

static int cmp_supp(const void *a, const void *b)
{
    const supp_code_t *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

static char *adup(arena_t *a, const char *s) { return s ? arena_strdup(a, s) : NULL; }

/* ---- matching by pinyin ----
 * Entries of lexicons with the pinyin option are also compiled as strings
 * of letters: every combination of their characters' readings (up to
 * PY_MAX_COMBOS, primary readings first) spelled out in full (法轮功 →
 * falungong) and, for words of three or more characters, as initials (flg).
 * The check reads the text as a stream of letters — each Chinese character
 * as its primary reading, Latin letters as themselves, spaces and
 * punctuation skipped, anything else (digits, other scripts, line breaks, a
 * character without reading) a separator — and reports an occurrence when
 * it starts and ends on a character's (or a Latin word's) boundary; initials
 * only as one whole Latin word (FLG, not "f lg"). Homophones alone (no
 * Latin letter) need three characters or more, no punctuation between them,
 * and a reading in context that keeps them apart from their neighbours
 * (py_attached). So 发轮功, falungong, fa lun gong, 法lun功 and
 * FLG all match 法轮功; the occurrence written as the entry itself is the
 * plain match's (same span, same entry: dropped as a duplicate). */
#define PY_MAX_COMBOS 8
#define PY_MAX_CHARS  32 /* longer entries are not matched by pinyin (the scan's ring holds 255 letters) */
enum { PYK_FULL = 0, PYK_INITIALS = 1 };
struct pypat {
    uint32_t entry;
    uint8_t kind;
};
typedef struct pypat pypat_t;

static int build_pinyin(pr_lexset_t *ls, char *err, size_t errlen)
{
    bool any = false;
    for (size_t i = 0; i < ls->nentries && !any; i++)
        any = ls->entries[i].e.pinyin;
    if (!any)
        return 0;
    const py_table_t *t = py_get();
    if (!t)
        return 0; /* logged once: such lexicons match as written only */
    uint32_t *codes = NULL;
    size_t ncodes = 0, capcodes = 0, npat = 0, cappat = 0;
    struct {
        uint32_t off, len, entry;
        uint8_t kind;
    } *pp = NULL;
    ac_pattern_t *pats = NULL;
    int rc = -1;
    for (size_t i = 0; i < ls->nentries; i++) {
        const lentry_t *le = &ls->entries[i];
        if (!le->e.pinyin || le->nchars < 2 || le->nchars > PY_MAX_CHARS)
            continue;
        norm_text_t nt;
        if (norm_text(le->e.word, strlen(le->e.word), &nt, NULL) != 0)
            continue;
        const char *rd[PY_MAX_CHARS][PY_MAX_READINGS];
        int nr[PY_MAX_CHARS];
        bool ok = nt.nchars == le->nchars;
        for (size_t k = 0; k < nt.nchars && ok; k++)
            ok = nt.klass[k] == NORM_CJK && (nr[k] = py_readings(t, nt.cps[k], rd[k], PY_MAX_READINGS)) > 0;
        size_t nc = nt.nchars;
        norm_text_free(&nt);
        if (!ok)
            continue;
        size_t first = npat; /* this entry's patterns, to skip duplicates */
        int idx[PY_MAX_CHARS] = {0};
        for (int combo = 0; combo < PY_MAX_COMBOS; combo++) {
            for (int kind = PYK_FULL; kind <= PYK_INITIALS; kind++) {
                if (kind == PYK_INITIALS && nc < 3)
                    continue;
                if (ncodes + nc * 8 > capcodes) {
                    size_t ncap = capcodes ? capcodes * 2 : 4096;
                    uint32_t *nv = realloc(codes, ncap * sizeof *nv);
                    if (!nv)
                        goto oom;
                    codes = nv;
                    capcodes = ncap;
                }
                uint32_t off = (uint32_t)ncodes;
                for (size_t k = 0; k < nc; k++)
                    for (const char *p = rd[k][idx[k]]; *p && (kind == PYK_FULL || p == rd[k][idx[k]]); p++)
                        codes[ncodes++] = (uint32_t)(*p - 'a' + 1);
                uint32_t len = (uint32_t)ncodes - off;
                bool dup = false;
                for (size_t q = first; q < npat && !dup; q++)
                    dup = pp[q].len == len && !memcmp(codes + pp[q].off, codes + off, len * sizeof *codes);
                if (dup) {
                    ncodes = off;
                    continue;
                }
                if (npat == cappat) {
                    size_t ncap = cappat ? cappat * 2 : 256;
                    void *nv = realloc(pp, ncap * sizeof *pp);
                    if (!nv)
                        goto oom;
                    pp = nv;
                    cappat = ncap;
                }
                pp[npat].off = off;
                pp[npat].len = len;
                pp[npat].entry = (uint32_t)i;
                pp[npat].kind = (uint8_t)kind;
                npat++;
            }
            /* the next combination of readings (mixed radix) */
            size_t k = 0;
            while (k < nc && ++idx[k] == nr[k])
                idx[k++] = 0;
            if (k == nc)
                break;
        }
        ls->py_cats |= 1u << le->e.category;
    }
    if (!npat) {
        rc = 0;
        goto done;
    }
    pats = malloc(npat * sizeof *pats);
    ls->pypat = malloc(npat * sizeof *ls->pypat);
    if (!pats || !ls->pypat)
        goto oom;
    for (size_t q = 0; q < npat; q++) {
        pats[q] = (ac_pattern_t){codes + pp[q].off, pp[q].len, (uint32_t)q};
        ls->pypat[q] = (pypat_t){pp[q].entry, pp[q].kind};
    }
    ls->py_ac = ac_build(pats, npat, 27, err, errlen);
    if (!ls->py_ac)
        goto done;
    ls->stats.pinyin = npat;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory while compiling the lexicons' pinyin");
done:
    free(codes);
    free(pp);
    free(pats);
    return rc;
}

pr_lexset_t *pr_lexset_build(const pr_entry_t *entries, size_t n, int64_t revision, char *err, size_t errlen)
{
    int64_t t0 = time_mono_ns();
    if (norm_init(err, errlen) != 0)
        return NULL;
    const norm_tables_t *tab = norm_tables();
    pr_lexset_t *ls = calloc(1, sizeof *ls);
    uint32_t *counts = calloc(0x10000, sizeof *counts);
    uint32_t *code_of = calloc(0x10000, sizeof *code_of);
    uint16_t *distinct = malloc(0x10000 * sizeof *distinct); /* BMP characters in the order first seen */
    size_t ndistinct_bmp = 0;
    uint32_t *allcps = NULL, *starts = NULL;
    uint64_t *order = NULL;
    ac_pattern_t *pats = NULL;
    supp_code_t *suppc = NULL; /* supplementary characters with their counts, then codes */
    size_t nsuppc = 0, capsuppc = 0;
    bool ok = false;
    if (!ls || !counts || !code_of || !distinct)
        goto oom;
    atomic_init(&ls->refs, 1);
    ls->arena = arena_new(64 * 1024);
    ls->entries = malloc((n ? n : 1) * sizeof *ls->entries);
    starts = malloc((n ? n : 1) * sizeof *starts);
    if (!ls->entries || !starts)
        goto oom;

    /* 1. normalise every word; concatenate the code points */
    size_t total = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const pr_entry_t *in = &entries[i];
        norm_text_t nt;
        if (!in->word || norm_text(in->word, strlen(in->word), &nt, NULL) != 0) {
            ls->stats.invalid++;
            continue;
        }
        bool bad = nt.nchars == 0 || nt.nchars > PR_MAX_WORD_CHARS;
        for (size_t k = 0; k < nt.nchars && !bad; k++)
            bad = nt.klass[k] == NORM_BREAK;
        if (bad) {
            norm_text_free(&nt);
            ls->stats.invalid++;
            continue;
        }
        if (total + nt.nchars > cap) {
            size_t nc = cap ? cap * 2 : 4096;
            while (nc < total + nt.nchars)
                nc *= 2;
            uint32_t *na = realloc(allcps, nc * sizeof *na);
            if (!na) {
                norm_text_free(&nt);
                goto oom;
            }
            allcps = na;
            cap = nc;
        }
        lentry_t *le = &ls->entries[ls->nentries];
        le->e.word = adup(ls->arena, in->word);
        le->e.suggestion = in->suggestion && *in->suggestion ? adup(ls->arena, in->suggestion) : NULL;
        le->e.lexicon = adup(ls->arena, in->lexicon);
        le->e.lexicon_id = in->lexicon_id;
        le->e.entry_id = in->entry_id;
        le->e.category = (unsigned)in->category < PR_NCATEGORIES ? in->category : PR_CUSTOM;
        le->e.severity = (unsigned)in->severity < PR_NSEVERITIES ? in->severity : PR_WARN;
        le->e.repeats = in->repeats;
        le->e.pinyin = in->pinyin && (le->e.category == PR_SENSITIVE || le->e.category == PR_FORMULATION ||
                                      le->e.category == PR_CUSTOM);
        le->nchars = (uint32_t)nt.nchars;
        le->first_word = nt.klass[0] == NORM_WORD;
        le->last_word = nt.klass[nt.nchars - 1] == NORM_WORD;
        starts[ls->nentries] = (uint32_t)total;
        for (size_t k = 0; k < nt.nchars; k++) {
            uint32_t cp = nt.cps[k];
            allcps[total++] = cp;
            if (cp < 0x10000) {
                if (counts[cp]++ == 0)
                    distinct[ndistinct_bmp++] = (uint16_t)cp;
                continue;
            }
            size_t j = 0;
            while (j < nsuppc && suppc[j].cp != cp)
                j++;
            if (j == nsuppc) {
                if (nsuppc == capsuppc) {
                    size_t nc = capsuppc ? capsuppc * 2 : 16;
                    supp_code_t *ns = realloc(suppc, nc * sizeof *ns);
                    if (!ns) {
                        norm_text_free(&nt);
                        goto oom;
                    }
                    suppc = ns;
                    capsuppc = nc;
                }
                suppc[nsuppc++] = (supp_code_t){cp, 0};
            }
            suppc[j].code++; /* count for now */
        }
        norm_text_free(&nt);
        ls->nentries++;
    }

    /* 2. alphabet: codes by descending frequency keep the double array dense */
    size_t ndistinct = ndistinct_bmp + nsuppc;
    order = malloc((ndistinct ? ndistinct : 1) * sizeof *order);
    if (!order)
        goto oom;
    size_t no = 0;
    for (size_t j = 0; j < ndistinct_bmp; j++)
        order[no++] = ((uint64_t)counts[distinct[j]] << 32) | distinct[j];
    for (size_t j = 0; j < nsuppc; j++)
        order[no++] = ((uint64_t)suppc[j].code << 32) | suppc[j].cp;
    qsort(order, no, sizeof *order, cmp_u64_desc);
    for (size_t j = 0; j < nsuppc; j++)
        suppc[j].code = 0;
    for (size_t k = 0; k < no; k++) {
        uint32_t cp = (uint32_t)(order[k] & 0xFFFFFFFFu), code = (uint32_t)k + 1;
        if (cp < 0x10000) {
            code_of[cp] = code;
        } else {
            for (size_t j = 0; j < nsuppc; j++)
                if (suppc[j].cp == cp)
                    suppc[j].code = code;
        }
    }
    uint32_t alphabet = (uint32_t)no + 1;

    /* 3. the automaton: patterns are the code sequences; value = entry index */
    for (size_t t = 0; t < total; t++) {
        uint32_t cp = allcps[t];
        if (cp < 0x10000) {
            allcps[t] = code_of[cp];
        } else {
            for (size_t j = 0; j < nsuppc; j++)
                if (suppc[j].cp == cp)
                    allcps[t] = suppc[j].code;
        }
    }
    pats = malloc((ls->nentries ? ls->nentries : 1) * sizeof *pats);
    if (!pats)
        goto oom;
    for (size_t i = 0; i < ls->nentries; i++)
        pats[i] = (ac_pattern_t){allcps + starts[i], ls->entries[i].nchars, (uint32_t)i};
    ls->ac = ac_build(pats, ls->nentries, alphabet, err, errlen);
    if (!ls->ac)
        goto out;

    /* 4. character table with the normalisation folded in */
    if (no >= CC_CODE)
        goto oom;
    ls->cc = malloc(0x10000 * sizeof *ls->cc);
    ls->eflag = malloc((ls->nentries ? ls->nentries : 1) * sizeof *ls->eflag);
    if (!ls->cc || !ls->eflag)
        goto oom;
    /* classes from the template, then the code of each alphabet character
     * on every code point that normalises to it */
    memcpy(ls->cc, tab->klass28, 0x10000 * sizeof *ls->cc);
    for (size_t j = 0; j < ndistinct_bmp; j++) {
        uint32_t c = distinct[j];
        for (uint32_t q = tab->pre_start[c]; q < tab->pre_start[c + 1]; q++) {
            uint16_t cp = tab->pre[q];
            uint32_t k = tab->klass[cp];
            if (k == NORM_CJK || k == NORM_WORD)
                ls->cc[cp] |= code_of[c];
        }
        if (tab->trad[c])
            ls->ntself++;
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        if (tab->trad[cp] && tab->klass[cp] == NORM_CJK)
            ls->cc[cp] = (CC_TRAD << CC_SHIFT) | (ls->cc[cp] & CC_CODE);
    if (ls->ntself) {
        ls->tself = malloc(ls->ntself * sizeof *ls->tself);
        if (!ls->tself)
            goto oom;
        size_t t = 0;
        for (size_t j = 0; j < ndistinct_bmp; j++)
            if (tab->trad[distinct[j]])
                ls->tself[t++] = (supp_code_t){distinct[j], code_of[distinct[j]]};
        qsort(ls->tself, ls->ntself, sizeof *ls->tself, cmp_supp);
    }
    for (size_t i = 0; i < ls->nentries; i++) {
        const lentry_t *le = &ls->entries[i];
        bool repeats = le->e.category != PR_TYPO &&
                       (le->e.repeats == PR_REPEATS_ON ||
                        (le->e.repeats == PR_REPEATS_DEFAULT && le->e.category == PR_SENSITIVE));
        ls->eflag[i] = (uint16_t)(le->e.category | (le->first_word ? EF_FIRST_WORD : 0) |
                                  (le->last_word ? EF_LAST_WORD : 0) |
                                  (CAT_SKIPS_PUNCT[le->e.category] ? EF_SKIPS_PUNCT : 0) |
                                  ((unsigned)le->e.severity << EF_SEV_SHIFT) | (repeats ? EF_REPEATS : 0));
        if (repeats && le->nchars + 1 > ls->repeats_len)
            ls->repeats_len = le->nchars + 1;
    }
    ls->sep_code = code_of[' '];
    if (build_pinyin(ls, err, errlen) != 0)
        goto out;
    if (nsuppc)
        qsort(suppc, nsuppc, sizeof *suppc, cmp_supp);
    ls->supp = suppc;
    ls->nsupp = nsuppc;
    suppc = NULL;

    ls->stats.entries = ls->nentries;
    ls->stats.states = ls->ac->states;
    ls->stats.slots = ls->ac->size;
    ls->stats.alphabet = no;
    ls->stats.memory = ac_memory(ls->ac) + 0x10000 * sizeof *ls->cc +
                       ls->nentries * (sizeof *ls->entries + 1) + arena_used(ls->arena) +
                       ls->nsupp * sizeof *ls->supp;
    ls->stats.revision = revision;
    if (ls->py_ac)
        ls->stats.memory += ac_memory(ls->py_ac) + ls->py_ac->noutputs * sizeof *ls->pypat;
    ls->stats.build_ms = (double)(time_mono_ns() - t0) / 1e6;
    ok = true;
    goto out;
oom:
    snprintf(err, errlen, "out of memory while compiling the lexicons");
out:
    free(counts);
    free(code_of);
    free(distinct);
    free(allcps);
    free(starts);
    free(order);
    free(pats);
    free(suppc);
    if (!ok) {
        pr_lexset_release(ls);
        return NULL;
    }
    return ls;
}

/* ---- the engine holder ---- */

struct pr_engine {
    pthread_mutex_t lock;
    pr_lexset_t *cur;
};

pr_engine_t *pr_engine_new(void)
{
    pr_engine_t *e = calloc(1, sizeof *e);
    if (e)
        pthread_mutex_init(&e->lock, NULL);
    return e;
}

void pr_engine_free(pr_engine_t *e)
{
    if (!e)
        return;
    pr_lexset_release(e->cur);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void pr_engine_swap(pr_engine_t *e, pr_lexset_t *ls)
{
    pthread_mutex_lock(&e->lock);
    pr_lexset_t *old = e->cur;
    e->cur = ls;
    pthread_mutex_unlock(&e->lock);
    pr_lexset_release(old); /* freed here or by its last reader */
}

pr_lexset_t *pr_engine_acquire(pr_engine_t *e)
{
    pthread_mutex_lock(&e->lock);
    pr_lexset_t *ls = e->cur;
    if (ls)
        pr_lexset_retain(ls);
    pthread_mutex_unlock(&e->lock);
    return ls;
}

/* ---- the check ---- */

/* A raw occurrence; offsets are local to the text checked (< 4 GiB). */
typedef struct {
    uint32_t entry;
    uint32_t ks, ke; /* kept-character span in the normalised stream */
    uint32_t cs, ce; /* code points */
    uint32_t bs, be; /* bytes */
    uint8_t category, severity;
    uint8_t pinyin; /* matched by pinyin (rule PR_RULE_PINYIN) */
} raw_t;

typedef struct {
    raw_t *v;
    size_t n, cap;
} rawvec_t;

static int rawvec_push(rawvec_t *r, const raw_t *x)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        raw_t *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = *x;
    return 0;
}

/* Scratch vectors are kept per thread between checks (up to a size) and
 * freed when the thread ends. */
#define SCRATCH_KEEP (1u << 16)

typedef struct {
    rawvec_t hits, white;
} scratch_t;

static pthread_key_t g_scratch_key;
static pthread_once_t g_scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    scratch_t *s = p;
    if (!s)
        return;
    free(s->hits.v);
    free(s->white.v);
    free(s);
}

static void scratch_key(void) { pthread_key_create(&g_scratch_key, scratch_free); }

static scratch_t *scratch_get(void)
{
    pthread_once(&g_scratch_once, scratch_key);
    scratch_t *s = pthread_getspecific(g_scratch_key);
    if (!s && (s = calloc(1, sizeof *s)) && pthread_setspecific(g_scratch_key, s) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

static void scratch_done(rawvec_t *r)
{
    r->n = 0;
    if (r->cap > SCRATCH_KEEP) {
        free(r->v);
        r->v = NULL;
        r->cap = 0;
    }
}

typedef struct {
    uint32_t cp, byte, punct;
    uint16_t klass;
    uint16_t rep; /* a repeat of the kept character before it (entries with EF_REPEATS skip it) */
} kept_t;

static uint32_t find_code(const supp_code_t *v, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].cp == cp ? v[lo].code : 0;
}

static uint32_t supp_code(const pr_lexset_t *ls, uint32_t cp) { return find_code(ls->supp, ls->nsupp, cp); }

/* The alphabet code of a normalised Chinese character cp (from the phrase
 * level); 0 when no entry has it. */
static uint32_t norm_code(const pr_lexset_t *ls, const norm_tables_t *tab, uint32_t cp)
{
    if (cp >= 0x10000)
        return supp_code(ls, cp);
    if (tab->trad[cp])
        return find_code(ls->tself, ls->ntself, cp);
    return ls->cc[cp] & CC_CODE; /* cp is its own per-character form */
}

/* Order: start ascending, end descending, then severity descending, then
 * lexicon order. */
static inline int cmp_raw_inline(const raw_t *x, const raw_t *y)
{
    if (x->ks != y->ks)
        return x->ks < y->ks ? -1 : 1;
    if (x->ke != y->ke)
        return x->ke > y->ke ? -1 : 1;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return x->pinyin < y->pinyin ? -1 : x->pinyin > y->pinyin; /* the plain match first */
}

static int cmp_raw(const void *a, const void *b) { return cmp_raw_inline(a, b); }

/* Occurrences come out by end position, longest first, so they are nearly
 * sorted already: insertion sort, which falls back to qsort when the input
 * turns out to be far from sorted (many long overlapping entries). */
static void sort_raw(raw_t *v, size_t n)
{
    size_t moves = 0, budget = 16 * n + 1024;
    for (size_t i = 1; i < n; i++) {
        if (cmp_raw_inline(&v[i - 1], &v[i]) <= 0)
            continue;
        raw_t x = v[i];
        size_t j = i;
        while (j > 0 && cmp_raw_inline(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
            moves++;
        }
        v[j] = x;
        if (moves > budget) {
            qsort(v, n, sizeof *v, cmp_raw);
            return;
        }
    }
}

/* ---- the scan ----
 * One pass over the text: decode, classify and look up each character in
 * the set's table (normalisation folded in), step the automaton on kept
 * characters, and record the kept characters' original positions in a ring
 * so that an occurrence ending here can be mapped back to where it began.
 * (Interleaving several independent scans of one text to overlap their
 * cache misses was measured and was slower: the step is too branchy.) */
#define RING 256 /* ≥ PR_MAX_WORD_CHARS + 2, a power of two */

typedef struct {
    uint32_t i, end; /* byte position, end of the lane */
    uint32_t ci, k;  /* code points and kept characters so far (lane-local) */
    uint32_t punct, gap_cp, gap_byte, prev;
    uint32_t piece;   /* WORD characters kept since the last gap or non-WORD character */
    uint32_t ov_next; /* code point index of the next phrase-level override (UINT32_MAX: none) */
    uint32_t ovi;     /* its index in the scan's overrides */
    /* repeated characters: the stream with repeats removed diverges from
     * the raw one at a repeat and joins it again repeats_len characters
     * later; meanwhile st2 is its automaton state */
    uint32_t prev_code, div;
    int32_t st2;
    bool gap, prev_fw; /* prev_fw: the last kept character was a full-width letter or digit */
    int32_t st;
    rawvec_t hits, white;
    kept_t ring[RING];
} lane_t;

typedef struct {
    const pr_lexset_t *ls;
    const norm_tables_t *tab;
    const unsigned char *s;
    uint32_t n;
    unsigned cats;
    bool phrase; /* converted at phrase level (ov): traditional characters are plain Chinese ones */
    const norm_phrase_t *ov;
    size_t nov;
} scanctx_t;

/* Reports the occurrences ending at the lane's current kept character. */
static int lane_report(const scanctx_t *x, lane_t *ln, int32_t r, uint32_t l)
{
    const pr_lexset_t *ls = x->ls;
    const ac_t *ac = ls->ac;
    const uint32_t mask = RING - 1, k = ln->k;
    for (; r > 0; r = ac_next_report(ac, r)) {
        const ac_aux_t *ax = &ac->aux[r];
        uint32_t ks = k + 1 - ax->len;
        for (uint32_t o = 0; o < ax->nout; o++) {
            uint32_t value = ac_value(ac, r, o);
            unsigned f = ls->eflag[value];
            const kept_t *first = &ln->ring[ks & mask];
            bool keep = (x->cats >> (f & EF_CAT)) & 1;
            if (keep && !(f & EF_SKIPS_PUNCT) && ln->ring[k & mask].punct != first->punct)
                keep = false;
            if (keep && (f & EF_FIRST_WORD) && ks > 0 && ln->ring[(ks - 1) & mask].klass == NORM_WORD)
                keep = false;
            if (keep && (f & EF_LAST_WORD) && ln->i + l < x->n) {
                uint32_t ncp;
                size_t nl = norm_utf8(x->s + ln->i + l, x->n - ln->i - l, &ncp);
                norm_class_t nk;
                if (nl) {
                    norm_cp(x->tab, ncp, &nk);
                    keep = nk != NORM_WORD;
                }
            }
            if (keep) {
                raw_t m = {value,
                           ks,
                           k + 1,
                           first->cp,
                           ln->ci + 1,
                           first->byte,
                           ln->i + l,
                           (uint8_t)(f & EF_CAT),
                           (uint8_t)((f >> EF_SEV_SHIFT) & 3)};
                if (rawvec_push((f & EF_CAT) == PR_WHITELIST ? &ln->white : &ln->hits, &m) != 0)
                    return -2;
            }
        }
    }
    return 0;
}

/* Reports the occurrences of entries with EF_REPEATS that end at the lane's
 * current kept character in the stream without repeats: the start is found
 * by walking back over the ring, skipping repeats; an occurrence without a
 * repeat inside was reported by the raw stream already. */
static int lane_report_repeats(const scanctx_t *x, lane_t *ln, int32_t r, uint32_t l)
{
    const pr_lexset_t *ls = x->ls;
    const ac_t *ac = ls->ac;
    const uint32_t mask = RING - 1, k = ln->k;
    for (; r > 0; r = ac_next_report(ac, r)) {
        const ac_aux_t *ax = &ac->aux[r];
        uint32_t j = k, n = 1, reps = 0;
        bool ok = true;
        while (n < ax->len) {
            if (j == 0 || k - j >= RING - 2) {
                ok = false;
                break;
            }
            j--;
            if (ln->ring[j & mask].rep)
                reps++;
            else
                n++;
        }
        if (!ok || !reps)
            continue;
        uint32_t ks = j;
        const kept_t *first = &ln->ring[ks & mask];
        for (uint32_t o = 0; o < ax->nout; o++) {
            uint32_t value = ac_value(ac, r, o);
            unsigned f = ls->eflag[value];
            bool keep = (f & EF_REPEATS) && ((x->cats >> (f & EF_CAT)) & 1);
            if (keep && !(f & EF_SKIPS_PUNCT) && ln->ring[k & mask].punct != first->punct)
                keep = false;
            if (keep && (f & EF_FIRST_WORD) && ks > 0 && ln->ring[(ks - 1) & mask].klass == NORM_WORD)
                keep = false;
            if (keep && (f & EF_LAST_WORD) && ln->i + l < x->n) {
                uint32_t ncp;
                norm_class_t nk;
                if (norm_utf8(x->s + ln->i + l, x->n - ln->i - l, &ncp)) {
                    norm_cp(x->tab, ncp, &nk);
                    keep = nk != NORM_WORD;
                }
            }
            if (!keep)
                continue;
            raw_t m = {value,
                       ks,
                       k + 1,
                       first->cp,
                       ln->ci + 1,
                       first->byte,
                       ln->i + l,
                       (uint8_t)(f & EF_CAT),
                       (uint8_t)((f >> EF_SEV_SHIFT) & 3)};
            if (rawvec_push(&ln->hits, &m) != 0)
                return -2;
        }
    }
    return 0;
}

/* Is the line break cp (at the lane's current character, the next one
 * starting at byte j) a wrap inside a line of Chinese text: a single line
 * break, spaces around it, and a Chinese character after it? (The caller
 * checks that one came before, with no punctuation in between.) Text from
 * PDFs, word processors and OCR wraps in the middle of words; a blank line
 * or a page break still ends every match. */
static bool soft_break(const scanctx_t *x, uint32_t j, uint32_t end, uint32_t cp)
{
    if (cp != '\n' && cp != '\r' && cp != 0x2028)
        return false;
    bool cr = cp == '\r';
    for (int guard = 0; j < end && guard < 64; guard++) {
        uint32_t c;
        size_t l = norm_utf8(x->s + j, end - j, &c);
        if (!l)
            return false;
        j += (uint32_t)l;
        if (cr && c == '\n') { /* CR LF is one break */
            cr = false;
            continue;
        }
        cr = false;
        norm_class_t k;
        norm_cp(x->tab, c, &k);
        if (k != NORM_SPACE)
            return k == NORM_CJK;
    }
    return false;
}

/* One character of a lane: 0, -1 on malformed UTF-8, -2 out of memory. */
static inline int lane_step(const scanctx_t *x, lane_t *ln)
{
    const pr_lexset_t *ls = x->ls;
    const ac_t *ac = ls->ac;
    const ac_node_t *node = ac->node;
    const unsigned char *s = x->s;
    uint32_t i = ln->i, cp, l, c;
    unsigned b0 = s[i];
    if (b0 < 0x80) {
        cp = b0;
        l = 1;
        c = ls->cc[cp];
    } else if ((b0 & 0xF0) == 0xE0 && i + 2 < ln->end && (s[i + 1] & 0xC0) == 0x80 &&
               (s[i + 2] & 0xC0) == 0x80 &&
               (cp = ((b0 & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu)) >= 0x800 &&
               (cp < 0xD800 || cp > 0xDFFF)) {
        l = 3; /* the common case in Chinese text */
        c = ls->cc[cp];
    } else {
        l = (uint32_t)norm_utf8(s + i, ln->end - i, &cp);
        if (!l)
            return -1;
        c = cp < 0x10000 ? ls->cc[cp] : ((uint32_t)norm_class_supp(cp) << CC_SHIFT) | supp_code(ls, cp);
    }
    uint32_t kl = c >> CC_SHIFT;
    const uint32_t mask = RING - 1;
    if (__builtin_expect(ln->ci == ln->ov_next, 0)) {
        /* the phrase level normalises this character otherwise */
        c = norm_code(ls, x->tab, x->ov[ln->ovi].cp);
        kl = NORM_CJK;
        ln->ovi++;
        ln->ov_next = ln->ovi < x->nov ? (uint32_t)x->ov[ln->ovi].ci : UINT32_MAX;
    } else if (kl == CC_TRAD) {
        if (!x->phrase)
            return -3; /* convert the text at phrase level, then start again */
        kl = NORM_CJK;
        c &= CC_CODE;
    } else if (kl >= NORM_SPACE) {
        if (kl == NORM_BREAK && ln->prev == NORM_CJK && ln->k &&
            ln->ring[(ln->k - 1) & mask].punct == ln->punct && soft_break(x, i + l, ln->end, cp))
            kl = NORM_SPACE; /* a line wrapped between two Chinese characters: interference */
        if (kl == NORM_BREAK) {
            /* nothing spans a break: back to the root, and a non-word
             * placeholder so that word boundaries hold */
            ln->st = 0;
            ln->ring[ln->k & mask] = (kept_t){ln->ci, i, ln->punct, NORM_SPACE, 0};
            ln->k++;
            ln->prev = NORM_SPACE;
            ln->gap = false;
            ln->div = 0;
            ln->prev_code = 0;
        } else {
            if (!ln->gap) {
                ln->gap = true;
                ln->gap_cp = ln->ci;
                ln->gap_byte = i;
            }
            ln->punct += kl == NORM_PUNCT;
        }
        ln->i += l;
        ln->ci++;
        return 0;
    }
    /* full-width letters and digits spaced out in pieces of one or two
     * (ｆ ａ ｌ ｕ ｎ, １９ ８９) are one word: no separator between them;
     * longer pieces are words of their own (ＦＡＬＵＮ　ＧＯＮＧ) */
    bool fw = cp >= 0xFF10 && cp <= 0xFF5A;
    if (ln->gap && ln->prev == NORM_WORD && kl == NORM_WORD && !(fw && ln->prev_fw && ln->piece <= 2)) {
        ln->ring[ln->k & mask] = (kept_t){ln->gap_cp, ln->gap_byte, ln->punct, NORM_SPACE, 0};
        ln->k++;
        ln->st = ac_step(ac, ln->st, ls->sep_code); /* no entry ends with a separator */
        if (ln->div)
            ln->st2 = ac_step(ac, ln->st2, ls->sep_code);
        ln->prev_code = 0;
    }
    bool gap_seen = ln->gap;
    ln->gap = false;
    uint32_t code = c & CC_CODE;
    bool rep = ls->repeats_len && code && code == ln->prev_code && kl == NORM_CJK;
    ln->ring[ln->k & mask] = (kept_t){ln->ci, i, ln->punct, (uint16_t)kl, rep};
    int32_t st = ln->st;
    if (rep) {
        if (!ln->div)
            ln->st2 = st; /* the streams were the same up to here */
        ln->div = ls->repeats_len;
    } else if (ln->div) {
        ln->st2 = ac_step(ac, ln->st2, code);
        if (node[ln->st2].base & AC_REPORT) {
            int rc = lane_report_repeats(x, ln, ac->aux[ln->st2].report, l);
            if (rc)
                return rc;
        }
        ln->div--;
    }
    ln->prev_code = code;
    if (code == 0) {
        st = 0;
    } else {
        for (;;) {
            uint32_t t = (node[st].base & AC_BASE_MASK) + code;
            /* the state's outputs are read next when it ends a pattern:
             * start that load together with the check */
            __builtin_prefetch(&ac->aux[t]);
            if (t < ac->size && node[t].check == st) {
                st = (int32_t)t;
                break;
            }
            if (st == 0)
                break;
            st = ac->aux[st].fail;
        }
    }
    ln->st = st;
    if (node[st].base & AC_REPORT) {
        int rc = lane_report(x, ln, ac->aux[st].report, l);
        if (rc)
            return rc;
    }
    ln->k++;
    ln->piece = kl != NORM_WORD ? 0 : gap_seen || ln->prev != NORM_WORD ? 1 : ln->piece + 1;
    ln->prev = kl;
    ln->prev_fw = fw;
    ln->i += l;
    ln->ci++;
    return 0;
}

/* Scans text, collecting raw occurrences into hits (whitelist occurrences
 * into white). */
static int scan(const pr_lexset_t *ls, const char *text, size_t len, unsigned cats, bool char_level,
                rawvec_t *hits, rawvec_t *white, size_t *bad_offset, size_t *nchars)
{
    scanctx_t x = {
        ls, norm_tables(), (const unsigned char *)text, (uint32_t)len, cats ? cats : ~0u, char_level, NULL,
        0};
    x.cats |= 1u << PR_WHITELIST;
    lane_t *ln = malloc(sizeof *ln);
    if (!ln)
        return -2;
    norm_phrase_t *ov = NULL;
    int rc = 0;
    for (;;) {
        memset(ln, 0, offsetof(lane_t, ring));
        ln->end = (uint32_t)len;
        ln->prev = NORM_SPACE;
        ln->ov_next = x.nov ? (uint32_t)x.ov[0].ci : UINT32_MAX;
        hits->n = white->n = 0;
        ln->hits = *hits;
        ln->white = *white;
        while (ln->i < ln->end && (rc = lane_step(&x, ln)) == 0)
            ;
        *hits = ln->hits;
        *white = ln->white;
        if (rc != -3)
            break;
        /* a traditional character: convert the text once at phrase level
         * (乾隆 stays, 乾淨 → 干净) and scan it again with the overrides (on
         * failure, the per-character map) */
        x.phrase = true;
        norm_phrase(text, len, &ov, &x.nov);
        x.ov = ov;
    }
    free(ov);
    if (rc == -1)
        *bad_offset = ln->i;
    *nchars = ln->ci;
    free(ln);
    return rc;
}

/* Moves back over at most n characters from byte offset b (stopping at a
 * line break). */
static size_t back_chars(const char *t, size_t b, int n)
{
    while (b > 0 && n-- > 0) {
        size_t p = b - 1;
        while (p > 0 && ((unsigned char)t[p] & 0xC0) == 0x80)
            p--;
        if (t[p] == '\n' || t[p] == '\r')
            break;
        b = p;
    }
    return b;
}

static size_t fwd_chars(const char *t, size_t len, size_t b, int n)
{
    while (b < len && n-- > 0) {
        if (t[b] == '\n' || t[b] == '\r')
            break;
        b++;
        while (b < len && ((unsigned char)t[b] & 0xC0) == 0x80)
            b++;
    }
    return b;
}

/* The segmentation rule (PR_VERIFY_SEGMENT, and the fallback without a
 * language model): a typo finding is confirmed unless a dictionary word of
 * the surrounding text straddles its start or its end. */
static bool typo_confirmed_by_segmentation(const char *text, size_t len, const raw_t *x)
{
    size_t wb = back_chars(text, x->bs, 6), we = fwd_chars(text, len, x->be, 6);
    seg_token_t *tok;
    size_t nt;
    if (seg_tokens(text + wb, we - wb, &tok, &nt) != 0)
        return true; /* no segmenter: keep the finding */
    size_t fs = x->bs - wb, fe = x->be - wb;
    bool ok = true;
    for (size_t j = 0; j < nt && ok; j++) {
        if (!tok[j].word)
            continue;
        if ((tok[j].byte_start < fs && fs < tok[j].byte_end) ||
            (tok[j].byte_start < fe && fe < tok[j].byte_end))
            ok = false;
    }
    free(tok);
    return ok;
}

/* ---- language-model confirmation ---- */

/* The code point before byte offset b (text is valid UTF-8: the scan
 * checked it); returns its start. */
static size_t prev_cp(const char *t, size_t b, uint32_t *cp)
{
    size_t p = b - 1;
    while (p > 0 && ((unsigned char)t[p] & 0xC0) == 0x80)
        p--;
    if (!norm_utf8((const unsigned char *)t + p, b - p, cp))
        *cp = 0xFFFD;
    return p;
}

/* Normalised CJK characters of s[0..n), skipping spaces and invisible
 * characters; false when anything else is in it (the model only reads
 * Chinese) or there are more than max. */
static bool cjk_only(const norm_tables_t *tab, const char *s, size_t n, uint32_t *out, size_t max,
                     size_t *nout)
{
    *nout = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = norm_utf8((const unsigned char *)s + i, n - i, &cp);
        if (!l)
            return false;
        norm_class_t k;
        uint32_t c = norm_cp(tab, cp, &k);
        i += l;
        if (k == NORM_SPACE || k == NORM_BREAK) /* a break inside a hit is a wrapped line */
            continue;
        if (k != NORM_CJK || *nout == max)
            return false;
        out[(*nout)++] = c;
    }
    return *nout > 0;
}

/* "我们/要/按/装/设备" of a segmented reading, in the arena. */
static char *reading(arena_t *a, const uint32_t *cps, size_t n, const uint16_t *cut)
{
    char *out = arena_alloc(a, n * 5 + 1), *o = out;
    for (size_t i = 0; i < n;) {
        size_t e = cut[i] > i && cut[i] <= n ? cut[i] : i + 1;
        if (i)
            *o++ = '/';
        for (size_t j = i; j < e; j++)
            o += utf8_encode(cps[j], o);
        i = e;
    }
    *o = 0;
    return out;
}

typedef enum { LM_KEEP, LM_DROP, LM_CANNOT } lm_verdict_t;

/* "A与不A" (干与不干, 给与不给): whether to do A or not — the hit "A与" is
 * followed by 不A. */
static bool a_or_not_a(const char *text, size_t len, const raw_t *x)
{
    uint32_t a, yu, bu, a2;
    size_t l1 = norm_utf8((const unsigned char *)text + x->bs, x->be - x->bs, &a);
    if (!l1 || x->bs + l1 >= x->be ||
        !norm_utf8((const unsigned char *)text + x->bs + l1, x->be - x->bs - l1, &yu) ||
        yu != 0x4E0E /* 与 */ || x->ce - x->cs != 2)
        return false;
    size_t b = x->be, l2 = b < len ? norm_utf8((const unsigned char *)text + b, len - b, &bu) : 0;
    return l2 && bu == 0x4E0D /* 不 */ && b + l2 < len &&
           norm_utf8((const unsigned char *)text + b + l2, len - b - l2, &a2) && a2 == a;
}

/* Fixed constructions that make a typo hit no misspelling, which no n-gram
 * window sees (6 of the 11 false alarms of the evaluation set before these
 * rules):
 *  - the correlative 既…又… ("both … and …"): a hit that reads 既 where the
 *    entry suggests 即 (既使 → 即使, 既将 → 即将) when 又 follows in the same
 *    sentence (既使党员受教育，又使群众得实惠); 即使…也… keeps its typo (也,
 *    not 又);
 *  - A与不A (干与不干). */
static bool fixed_construction(const char *text, size_t len, const raw_t *x, const lentry_t *le)
{
    if (a_or_not_a(text, len, x))
        return true;
    static const char JI[] = "既", JI2[] = "即";
    const char *w = le->e.word, *sg = le->e.suggestion;
    if (!sg || strncmp(w, JI, 3) != 0 || strncmp(sg, JI2, 3) != 0)
        return false;
    size_t b = x->be;
    for (int n = 0; b < len && n < 60; n++) {
        uint32_t cp;
        size_t l = norm_utf8((const unsigned char *)text + b, len - b, &cp);
        if (!l)
            return false;
        if (cp == 0x53C8) /* 又 */
            return true;
        if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B || cp == '.' || cp == '!' ||
            cp == '?' || cp == ';' || cp == '\n')
            return false; /* the sentence ended */
        b += l;
    }
    return false;
}

/* Scores the hit's context as written and as corrected (the entry's
 * suggestion in place of the hit). ex (may be NULL) receives the readings. */
/* bi: the word bigram (NULL when its file is absent); m: jieba's unigram.
 * With both, a reading scores its bigram log-probability plus
 * PR_LM_UNIGRAM_WEIGHT times its unigram one (log-linear interpolation of
 * the two models), and jieba's segmentation decides whether the hit is
 * attached; with the unigram alone, its own score and margins. */
static lm_verdict_t typo_lm(const lmb_t *bi, const lm_t *m, const char *text, size_t len, const raw_t *x,
                            const lentry_t *le, double margin, double margin_attached, arena_t *arena,
                            pr_explain_t *ex)
{
    const norm_tables_t *tab = norm_tables();
    if (!le->e.suggestion)
        return LM_CANNOT;
    enum { CTX = PR_LM_CONTEXT, MAXW = PR_MAX_WORD_CHARS };
    uint32_t left[CTX], right[CTX], hit[MAXW], sug[MAXW];
    size_t nl = 0, nr = 0, nh, ns;
    if (!cjk_only(tab, text + x->bs, x->be - x->bs, hit, MAXW, &nh) ||
        !cjk_only(tab, le->e.suggestion, strlen(le->e.suggestion), sug, MAXW, &ns))
        return LM_CANNOT;
    /* context: Chinese characters on each side, up to punctuation, a
     * break or another script (spaces and invisible characters skipped) */
    size_t ctx = bi ? PR_LM_BIGRAM_CONTEXT : CTX;
    for (size_t b = x->bs; b > 0 && nl < ctx;) {
        uint32_t cp;
        b = prev_cp(text, b, &cp);
        norm_class_t k;
        uint32_t c = norm_cp(tab, cp, &k);
        if (k == NORM_SPACE)
            continue;
        if (k != NORM_CJK)
            break;
        left[CTX - 1 - nl++] = c;
    }
    for (size_t b = x->be; b < len && nr < ctx;) {
        uint32_t cp;
        size_t l = norm_utf8((const unsigned char *)text + b, len - b, &cp);
        if (!l)
            break;
        b += l;
        norm_class_t k;
        uint32_t c = norm_cp(tab, cp, &k);
        if (k == NORM_SPACE)
            continue;
        if (k != NORM_CJK)
            break;
        right[nr++] = c;
    }
    if (nl + nr == 0)
        return LM_CANNOT; /* the hit stands alone: no neighbour it could belong to */
    uint32_t w[2 * CTX + MAXW], c[2 * CTX + MAXW];
    memcpy(w, left + CTX - nl, nl * sizeof *w);
    memcpy(w + nl, hit, nh * sizeof *w);
    memcpy(w + nl + nh, right, nr * sizeof *w);
    memcpy(c, left + CTX - nl, nl * sizeof *c);
    memcpy(c + nl, sug, ns * sizeof *c);
    memcpy(c + nl + ns, right, nr * sizeof *c);
    size_t nw = nl + nh + nr, nc = nl + ns + nr;
    /* corrected: the writer meant the suggestion, a word the lexicon
     * vouches for; written: the lexicon says the hit is no word, whatever
     * the dictionary counts */
    uint16_t cw[2 * CTX + MAXW + 1], cc[2 * CTX + MAXW + 1], bw[2 * CTX + MAXW + 1], bc[2 * CTX + MAXW + 1];
    lm_span_t as_written = {nl, nl + nh, 0, true, sug, ns};
    bool found;
    double lp = lm_word_logp(m, sug, ns, &found), vouch = log((double)PR_LM_VOUCH_COUNT) - lm_log_total(m);
    lm_span_t as_corrected = {nl, nl + ns, found && lp > vouch ? lp : vouch, false, NULL, 0};
    double sw = lm_segment(m, w, nw, &as_written, cw),
           sc = lm_segment(m, c, nc, &as_corrected, ex ? cc : NULL);
    if (bi) {
        /* the bigram floors the suggestion's probability in context */
        lm_span_t bi_corrected = {nl,    nl + ns, log((double)PR_LM_VOUCH_COUNT) + lmb_unknown(bi),
                                  false, NULL,    0};
        sw = lmb_segment(bi, w, nw, &as_written, bw) + PR_LM_UNIGRAM_WEIGHT * sw;
        sc = lmb_segment(bi, c, nc, &bi_corrected, ex ? bc : NULL) + PR_LM_UNIGRAM_WEIGHT * sc;
    }
    if (sw == -INFINITY || sc == -INFINITY)
        return LM_CANNOT;
    /* does the most probable reading as written join the hit's characters
     * to their neighbours (以/经济, 检查/院落)? Then the hit is probably no
     * misspelled word, and the corrected reading must win by more. */
    bool attached = false;
    for (size_t i = 0; i < nw && !attached;) {
        size_t e = cw[i] > i ? cw[i] : i + 1;
        attached = e - i >= 2 && ((i < nl && nl < e) || (i < nl + nh && nl + nh < e));
        i = e;
    }
    if (margin == 0)
        margin = bi ? PR_LM_BIGRAM_MARGIN : PR_LM_MARGIN;
    if (margin_attached == 0)
        margin_attached = bi ? PR_LM_BIGRAM_MARGIN_ATTACHED : PR_LM_MARGIN_ATTACHED;
    double need = attached ? margin_attached : margin;
    bool keep = sc - sw >= need;
    if (ex) {
        /* the readings of the model that scored (the bigram's when there is one) */
        ex->written = reading(arena, w, nw, bi ? bw : cw);
        ex->corrected = reading(arena, c, nc, bi ? bc : cc);
        ex->written_logp = sw;
        ex->corrected_logp = sc;
        ex->margin = need;
        ex->attached = attached;
        ex->kept = keep;
        ex->model = bi ? "bigram+unigram" : "unigram";
    }
    return keep ? LM_KEEP : LM_DROP;
}

static int push_to(pr_finding_t **items, size_t *n, size_t *cap, const pr_finding_t *f)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        pr_finding_t *ni = realloc(*items, nc * sizeof *ni);
        if (!ni)
            return -1;
        *items = ni;
        *cap = nc;
    }
    (*items)[(*n)++] = *f;
    return 0;
}

static int push_finding(pr_result_t *res, const pr_finding_t *f)
{
    return push_to(&res->items, &res->n, &res->cap, f);
}

static void summarise(pr_result_t *res)
{
    memset(res->by_category, 0, sizeof res->by_category);
    res->worst = -1;
    for (size_t i = 0; i < res->n; i++) {
        res->by_category[res->items[i].category]++;
        if ((int)res->items[i].severity > res->worst)
            res->worst = (int)res->items[i].severity;
    }
}

/* The occurrences of entries matching by pinyin (see build_pinyin): the
 * text read as a stream of letters, offsets mapped back through the
 * normalised text's index. */
enum { PYL_START = 1, PYL_END = 2, PYL_LATIN = 4 };
typedef struct {
    uint32_t src; /* index of the normalised character the letter comes from */
    uint8_t flags;
} pyletter_t;

static bool latin_letter(const norm_text_t *nt, size_t k)
{
    return nt->klass[k] == NORM_WORD && nt->cps[k] >= 'a' && nt->cps[k] <= 'z';
}

/* Whether homophones nt[a..b] are read otherwise in context: the most
 * probable segmentation of the sentence around them (language model, up to
 * PR_LM_CONTEXT characters each side) puts a word across their start or
 * end (开始时才 holds 始时才, shi shi cai, but reads 开始/时/才). */
static bool py_attached(const norm_text_t *nt, size_t a, size_t b)
{
    const lm_t *m = lm_get();
    if (!m)
        return false;
    size_t lo = a, hi = b + 1;
    while (lo > 0 && a - lo < PR_LM_CONTEXT && nt->klass[lo - 1] == NORM_CJK && !nt->punct_before[lo])
        lo--;
    while (hi < nt->nchars && hi - b - 1 < PR_LM_CONTEXT && nt->klass[hi] == NORM_CJK &&
           !nt->punct_before[hi])
        hi++;
    size_t n = hi - lo;
    uint16_t cut[2 * PR_LM_CONTEXT + PY_MAX_CHARS + 1];
    if (n > 2 * PR_LM_CONTEXT + PY_MAX_CHARS || lm_segment(m, nt->cps + lo, n, NULL, cut) == -INFINITY)
        return false;
    bool at_start = false, at_end = b + 1 == hi;
    for (size_t i = 0; i < n; i = cut[i]) {
        at_start |= i == a - lo;
        at_end |= i == b + 1 - lo;
        if (cut[i] <= i)
            break;
    }
    return !(at_start && at_end);
}

static int py_scan(const pr_lexset_t *ls, const char *text, size_t len, unsigned cats, rawvec_t *hits)
{
    const py_table_t *t = py_get();
    const ac_t *ac = ls->py_ac;
    norm_text_t nt;
    if (!t || norm_text(text, len, &nt, NULL) != 0)
        return 0;
    pyletter_t ring[RING];
    const uint32_t mask = RING - 1;
    uint32_t pos = 0; /* letters so far */
    int32_t st = 0;
    int rc = 0;
    for (size_t k = 0; k < nt.nchars && rc == 0; k++) {
        const char *py = NULL;
        char one[2] = {0, 0};
        uint8_t fl = 0;
        if (nt.punct_before[k])
            st = 0; /* punctuation separates: 制度，毒 is no 制毒 */
        if (nt.klass[k] == NORM_CJK) {
            py = py_primary(t, nt.cps[k]);
            fl = PYL_START | PYL_END;
        } else if (latin_letter(&nt, k)) {
            one[0] = (char)nt.cps[k];
            py = one;
            fl = PYL_LATIN | (k == 0 || !latin_letter(&nt, k - 1) ? PYL_START : 0) |
                 (k + 1 == nt.nchars || !latin_letter(&nt, k + 1) ? PYL_END : 0);
        } else if (nt.klass[k] == NORM_SPACE) {
            continue; /* the space kept between two Latin words: fa lun gong */
        }
        if (!py) {
            st = 0; /* a separator: digits, other scripts, a line break, a character without reading */
            continue;
        }
        for (const char *p = py; *p; p++) {
            st = ac_step(ac, st, (uint32_t)(*p - 'a' + 1));
            uint8_t lf =
                (uint8_t)((fl & PYL_LATIN) | (p == py ? fl & PYL_START : 0) | (p[1] ? 0 : fl & PYL_END));
            ring[pos & mask] = (pyletter_t){(uint32_t)k, lf};
            for (int32_t r = ac_report(ac, st); r > 0 && rc == 0; r = ac_next_report(ac, r)) {
                uint32_t l = ac->aux[r].len, s0 = pos + 1 - l;
                const pyletter_t *a = &ring[s0 & mask], *b = &ring[pos & mask];
                if (!(a->flags & PYL_START) || !(b->flags & PYL_END))
                    continue;
                bool all_latin = true, any_latin = false, one_word = true;
                for (uint32_t q = s0; q <= pos; q++) {
                    bool lat = ring[q & mask].flags & PYL_LATIN;
                    all_latin &= lat;
                    any_latin |= lat;
                    one_word &= q == s0 || !(ring[q & mask].flags & PYL_START);
                }
                /* homophones alone (no Latin letter) only for three
                 * characters or more: two-character homophones are
                 * everywhere across word boundaries (制度 → 制毒, 语言 → 浴盐) */
                if (!any_latin && (b->src - a->src < 2 || py_attached(&nt, a->src, b->src)))
                    continue;
                for (uint32_t o = 0; o < ac->aux[r].nout; o++) {
                    const pypat_t *pp = &ls->pypat[ac_value(ac, r, o)];
                    unsigned f = ls->eflag[pp->entry];
                    if (!((cats >> (f & EF_CAT)) & 1) ||
                        (pp->kind == PYK_INITIALS && !(all_latin && one_word)))
                        continue;
                    size_t bs = nt.orig_byte[a->src], be = nt.orig_byte[b->src];
                    uint32_t cp;
                    size_t cl = norm_utf8((const unsigned char *)text + be, len - be, &cp);
                    raw_t m = {pp->entry,
                               (uint32_t)nt.orig_start[a->src],
                               (uint32_t)nt.orig_start[b->src] + 1,
                               (uint32_t)nt.orig_start[a->src],
                               (uint32_t)nt.orig_start[b->src] + 1,
                               (uint32_t)bs,
                               (uint32_t)(be + (cl ? cl : 1)),
                               (uint8_t)(f & EF_CAT),
                               (uint8_t)((f >> EF_SEV_SHIFT) & 3),
                               1};
                    if (rawvec_push(hits, &m) != 0) {
                        rc = -2;
                        break;
                    }
                }
            }
            pos++;
        }
    }
    norm_text_free(&nt);
    return rc;
}

int pr_check(pr_lexset_t *ls, const char *text, size_t len, const pr_options_t *opt, pr_result_t *res,
             size_t *bad_offset)
{
    static const pr_options_t defaults = {0};
    if (!opt)
        opt = &defaults;
    memset(res, 0, sizeof *res);
    res->worst = -1;
    size_t bad = 0;
    if (!ls || !norm_tables() || len >= UINT32_MAX) {
        if (bad_offset)
            *bad_offset = SIZE_MAX;
        return -1;
    }
    pr_lexset_retain(ls);
    res->ls = ls;
    scratch_t *scr = scratch_get();
    if (!scr) {
        pr_lexset_release(ls);
        res->ls = NULL;
        if (bad_offset)
            *bad_offset = SIZE_MAX;
        return -1;
    }
    rawvec_t *hits = &scr->hits, *white = &scr->white;
    hits->n = white->n = 0;
    pr_verify_t verify = opt->no_verify ? PR_VERIFY_NONE : opt->verify;
    /* 0: the default of the model that judges (resolved in typo_lm) */
    double margin = opt->lm_margin, margin_attached = opt->lm_margin_attached;
    int rc = scan(ls, text, len, opt->categories, opt->char_level, hits, white, &bad, &res->nchars);
    if (rc != 0)
        goto out;
    if (ls->py_ac && (ls->py_cats & (opt->categories ? opt->categories : ~0u))) {
        /* occurrences by pinyin are in code points: so must all be (the
         * order of kept characters is the order of their code points) */
        for (size_t h = 0; h < hits->n; h++) {
            hits->v[h].ks = hits->v[h].cs;
            hits->v[h].ke = hits->v[h].ce;
        }
        for (size_t h = 0; h < white->n; h++) {
            white->v[h].ks = white->v[h].cs;
            white->v[h].ke = white->v[h].ce;
        }
        rc = py_scan(ls, text, len, opt->categories ? opt->categories : ~0u, hits);
        if (rc != 0)
            goto out;
    }
    sort_raw(hits->v, hits->n);
    sort_raw(white->v, white->n);
    size_t maxke[PR_NCATEGORIES] = {0}, wi = 0, wmax = 0;
    bool seen[PR_NCATEGORIES] = {0};
    for (size_t h = 0; h < hits->n; h++) {
        raw_t *x = &hits->v[h];
        if (h + 8 < hits->n)
            __builtin_prefetch(&ls->entries[hits->v[h + 8].entry]);
        /* whitelist: the furthest-reaching whitelisted word starting at or
         * before this finding */
        while (wi < white->n && white->v[wi].ks <= x->ks) {
            if (white->v[wi].ke > wmax)
                wmax = white->v[wi].ke;
            wi++;
        }
        if (wi > 0 && wmax >= x->ke)
            continue;
        /* contained in (or equal to) an earlier, longer finding of the same category */
        if (seen[x->category] && maxke[x->category] >= x->ke)
            continue;
        const lentry_t *le = &ls->entries[x->entry];
        pr_finding_t f = {.start = x->cs + opt->cp_base,
                          .end = x->ce + opt->cp_base,
                          .byte_start = x->bs + opt->byte_base,
                          .byte_end = x->be + opt->byte_base,
                          .category = le->e.category,
                          .severity = le->e.severity,
                          .entry = &le->e,
                          .suggestion = le->e.suggestion,
                          .message = NULL,
                          .source = PR_SRC_LOCAL,
                          .rule = x->pinyin ? PR_RULE_PINYIN : PR_RULE_LEXICON};
        if ((ls->eflag[x->entry] & EF_REPEATS) && !x->pinyin) {
            /* a run of the last character belongs to the finding (法轮功功功) */
            uint32_t last, cp;
            prev_cp(text, x->be, &last);
            size_t b = x->be, l;
            while (b < len && (l = norm_utf8((const unsigned char *)text + b, len - b, &cp)) && cp == last) {
                b += l;
                f.end++;
            }
            f.byte_end = b + opt->byte_base;
        }
        if (x->category == PR_TYPO && verify == PR_VERIFY_LM && fixed_construction(text, len, x, le)) {
            /* 既…又… or A与不A: no misspelling (既使党员受教育，又使群众得实惠; 干与不干) */
            if (opt->explain) {
                if (!res->arena && !(res->arena = arena_new(4096))) {
                    rc = -2;
                    goto out;
                }
                pr_explain_t *ex = arena_alloc(res->arena, sizeof *ex);
                *ex = (pr_explain_t){
                    .written = "既…又… / A与不A（固定结构）", .corrected = le->e.suggestion, .kept = false};
                f.explain = ex;
                if (push_to(&res->dropped, &res->ndropped, &res->capdropped, &f) != 0) {
                    rc = -2;
                    goto out;
                }
            }
            continue;
        }
        if (x->category == PR_TYPO && verify == PR_VERIFY_LM) {
            /* the model is loaded on the first typo hit that needs it */
            const lm_t *m = lm_get();
            const lmb_t *b = m ? lmb_get() : NULL;
            pr_explain_t *ex = NULL;
            if (m && opt->explain) {
                if (!res->arena && !(res->arena = arena_new(4096))) {
                    rc = -2;
                    goto out;
                }
                ex = arena_alloc(res->arena, sizeof *ex);
            }
            lm_verdict_t v =
                m ? typo_lm(b, m, text, len, x, le, margin, margin_attached, res->arena, ex) : LM_CANNOT;
            if (v == LM_DROP) {
                f.rule = PR_RULE_LM;
                f.explain = ex;
                if (ex && push_to(&res->dropped, &res->ndropped, &res->capdropped, &f) != 0) {
                    rc = -2;
                    goto out;
                }
                continue;
            }
            if (v == LM_KEEP) {
                f.rule = PR_RULE_LM;
                f.explain = ex;
            } else if (!m) {
                if (!typo_confirmed_by_segmentation(text, len, x))
                    continue;
                f.rule = PR_RULE_SEGMENT;
            }
        } else if (x->category == PR_TYPO && verify == PR_VERIFY_SEGMENT) {
            if (!typo_confirmed_by_segmentation(text, len, x))
                continue;
            f.rule = PR_RULE_SEGMENT;
        }
        seen[x->category] = true;
        maxke[x->category] = x->ke;
        if (push_finding(res, &f) != 0) {
            rc = -2;
            goto out;
        }
    }
    summarise(res);
out:
    scratch_done(hits);
    scratch_done(white);
    if (rc == -1 && bad_offset)
        *bad_offset = bad;
    if (rc == -2 && bad_offset)
        *bad_offset = SIZE_MAX; /* out of memory */
    return rc == 0 ? 0 : -1;
}

void pr_result_free(pr_result_t *res)
{
    if (!res)
        return;
    free(res->items);
    free(res->dropped);
    pr_lexset_release(res->ls);
    arena_free(res->arena);
    memset(res, 0, sizeof *res);
    res->worst = -1;
}

const char *pr_result_verdict(const pr_result_t *res)
{
    return res->worst == PR_BLOCK ? "block" : res->worst == PR_WARN ? "warn" : "pass";
}

static int cmp_finding(const void *a, const void *b)
{
    const pr_finding_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return (int)y->severity - (int)x->severity;
}

size_t pr_result_merge(pr_result_t *res, const char *text, size_t len, const pr_finding_t *extra, size_t n)
{
    size_t skipped = 0;
    if (!n)
        return 0;
    /* code point → byte offset, once */
    size_t nchars = utf8_count(text, len);
    size_t *byte_of = malloc((nchars + 1) * sizeof *byte_of);
    if (!byte_of)
        return n;
    size_t b = 0;
    for (size_t c = 0; c < nchars; c++) {
        byte_of[c] = b;
        uint32_t cp;
        size_t l = utf8_decode(text + b, len - b, &cp);
        b += l ? l : 1;
    }
    byte_of[nchars] = len;
    if (!res->arena)
        res->arena = arena_new(4096);
    for (size_t i = 0; i < n; i++) {
        const pr_finding_t *e = &extra[i];
        if (e->start >= e->end || e->end > nchars || (unsigned)e->category >= PR_NCATEGORIES ||
            e->category == PR_WHITELIST || (unsigned)e->severity >= PR_NSEVERITIES) {
            skipped++;
            continue;
        }
        bool merged = false;
        for (size_t j = 0; j < res->n && !merged; j++) {
            pr_finding_t *f = &res->items[j];
            if (f->start == e->start && f->end == e->end && f->category == e->category) {
                f->source |= PR_SRC_EXTERNAL;
                if (!f->suggestion && e->suggestion)
                    f->suggestion = arena_strdup(res->arena, e->suggestion);
                if (e->severity > f->severity)
                    f->severity = e->severity;
                merged = true;
            }
        }
        if (merged)
            continue;
        pr_finding_t f = *e;
        f.byte_start = byte_of[e->start];
        f.byte_end = byte_of[e->end];
        f.entry = NULL;
        f.suggestion = e->suggestion ? arena_strdup(res->arena, e->suggestion) : NULL;
        f.message = e->message ? arena_strdup(res->arena, e->message) : NULL;
        f.source = PR_SRC_EXTERNAL;
        f.rule = PR_RULE_EXTERNAL;
        f.explain = NULL;
        if (push_finding(res, &f) != 0)
            skipped++;
    }
    free(byte_of);
    if (res->n)
        qsort(res->items, res->n, sizeof *res->items, cmp_finding);
    summarise(res);
    return skipped;
}

/* ---- JSON ---- */

/* scores rounded to 3 decimals: readable, and stable across platforms */
static double round3(double v) { return isfinite(v) ? round(v * 1000) / 1000 : -1e300; }

static json_t *explain_json(const pr_explain_t *x)
{
    return json_pack("{s:s,s:f,s:s,s:f,s:f,s:b,s:f,s:b,s:s}", "written", x->written, "written_score",
                     round3(x->written_logp), "corrected", x->corrected, "corrected_score",
                     round3(x->corrected_logp), "difference", round3(x->corrected_logp - x->written_logp),
                     "attached", x->attached, "margin", x->margin, "kept", x->kept, "model",
                     x->model ? x->model : "");
}

json_t *pr_finding_json(const pr_finding_t *f, const char *text)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", json_integer((json_int_t)f->start));
    json_object_set_new(o, "end", json_integer((json_int_t)f->end));
    json_object_set_new(o, "byte_start", json_integer((json_int_t)f->byte_start));
    json_object_set_new(o, "byte_end", json_integer((json_int_t)f->byte_end));
    json_object_set_new(o, "text",
                        text ? json_stringn(text + f->byte_start, f->byte_end - f->byte_start) : json_null());
    json_object_set_new(o, "word", f->entry ? json_string(f->entry->word) : json_null());
    json_object_set_new(o, "category", json_string(pr_category_name(f->category)));
    json_object_set_new(o, "severity", json_string(pr_severity_name(f->severity)));
    json_object_set_new(o, "suggestion", f->suggestion ? json_string(f->suggestion) : json_null());
    json_object_set_new(o, "lexicon_id",
                        f->entry && f->entry->lexicon_id ? json_integer(f->entry->lexicon_id) : json_null());
    json_object_set_new(o, "lexicon",
                        f->entry && f->entry->lexicon ? json_string(f->entry->lexicon) : json_null());
    json_object_set_new(o, "entry_id",
                        f->entry && f->entry->entry_id ? json_integer(f->entry->entry_id) : json_null());
    const char *src = f->source == (PR_SRC_LOCAL | PR_SRC_EXTERNAL) ? "both"
                      : f->source == PR_SRC_EXTERNAL                ? "external"
                                                                    : "local";
    json_object_set_new(o, "source", json_string(src));
    json_object_set_new(o, "rule", json_string(pr_rule_name(f->rule)));
    json_object_set_new(o, "message", f->message ? json_string(f->message) : json_null());
    if (f->explain)
        json_object_set_new(o, "explain", explain_json(f->explain));
    return o;
}

static void put_u64(sbuf_t *o, uint64_t v)
{
    char b[24];
    int i = 23;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sbuf_append(o, b + i, (size_t)(23 - i));
}

static void put_str(sbuf_t *o, const char *s, size_t n)
{
    if (!s) {
        sbuf_puts(o, "null");
        return;
    }
    sbuf_putc(o, '"');
    sbuf_json_escape(o, s, n);
    sbuf_putc(o, '"');
}

static void put_id(sbuf_t *o, int64_t id)
{
    if (id > 0)
        put_u64(o, (uint64_t)id);
    else
        sbuf_puts(o, "null");
}

void pr_finding_write(sbuf_t *o, const pr_finding_t *f, const char *text)
{
    sbuf_puts(o, "{\"start\":");
    put_u64(o, f->start);
    sbuf_puts(o, ",\"end\":");
    put_u64(o, f->end);
    sbuf_puts(o, ",\"byte_start\":");
    put_u64(o, f->byte_start);
    sbuf_puts(o, ",\"byte_end\":");
    put_u64(o, f->byte_end);
    sbuf_puts(o, ",\"text\":");
    put_str(o, text ? text + f->byte_start : NULL, f->byte_end - f->byte_start);
    sbuf_puts(o, ",\"word\":");
    put_str(o, f->entry ? f->entry->word : NULL, f->entry ? strlen(f->entry->word) : 0);
    sbuf_puts(o, ",\"category\":\"");
    sbuf_puts(o, pr_category_name(f->category));
    sbuf_puts(o, "\",\"severity\":\"");
    sbuf_puts(o, pr_severity_name(f->severity));
    sbuf_puts(o, "\",\"suggestion\":");
    put_str(o, f->suggestion, f->suggestion ? strlen(f->suggestion) : 0);
    sbuf_puts(o, ",\"lexicon_id\":");
    put_id(o, f->entry ? f->entry->lexicon_id : 0);
    sbuf_puts(o, ",\"lexicon\":");
    const char *lex = f->entry ? f->entry->lexicon : NULL;
    put_str(o, lex, lex ? strlen(lex) : 0);
    sbuf_puts(o, ",\"entry_id\":");
    put_id(o, f->entry ? f->entry->entry_id : 0);
    sbuf_puts(o, f->source == (PR_SRC_LOCAL | PR_SRC_EXTERNAL) ? ",\"source\":\"both\""
                 : f->source == PR_SRC_EXTERNAL                ? ",\"source\":\"external\""
                                                               : ",\"source\":\"local\"");
    sbuf_puts(o, ",\"rule\":\"");
    sbuf_puts(o, pr_rule_name(f->rule));
    sbuf_puts(o, "\",\"message\":");
    put_str(o, f->message, f->message ? strlen(f->message) : 0);
    if (f->explain) {
        const pr_explain_t *x = f->explain;
        sbuf_puts(o, ",\"explain\":{\"written\":");
        put_str(o, x->written, strlen(x->written));
        sbuf_printf(o, ",\"written_score\":%.3f,\"corrected\":", round3(x->written_logp));
        put_str(o, x->corrected, strlen(x->corrected));
        sbuf_printf(
            o, ",\"corrected_score\":%.3f,\"difference\":%.3f,\"attached\":%s,\"margin\":%.3f,\"kept\":%s",
            round3(x->corrected_logp), round3(x->corrected_logp - x->written_logp),
            x->attached ? "true" : "false", x->margin, x->kept ? "true" : "false");
        sbuf_puts(o, ",\"model\":");
        put_str(o, x->model ? x->model : "", x->model ? strlen(x->model) : 0);
        sbuf_putc(o, '}');
    }
    sbuf_putc(o, '}');
}

json_t *pr_summary_json(const size_t by_category[PR_NCATEGORIES])
{
    json_t *o = json_object();
    for (int c = 0; c < PR_NCATEGORIES; c++)
        if (c != PR_WHITELIST)
            json_object_set_new(o, CAT_NAME[c], json_integer((json_int_t)by_category[c]));
    return o;
}

json_t *pr_result_json(const pr_result_t *res, const char *text)
{
    json_t *items = json_array();
    for (size_t i = 0; i < res->n; i++)
        json_array_append_new(items, pr_finding_json(&res->items[i], text));
    json_t *o = json_pack("{s:o,s:o,s:s}", "findings", items, "summary", pr_summary_json(res->by_category),
                          "verdict", pr_result_verdict(res));
    if (res->ndropped) {
        json_t *d = json_array();
        for (size_t i = 0; i < res->ndropped; i++)
            json_array_append_new(d, pr_finding_json(&res->dropped[i], text));
        json_object_set_new(o, "dropped", d);
    }
    return o;
}
