/* proofread.h — the proofreading engine (校真): lexicons compiled into one
 * automaton, checked against text with normalisation, and the findings
 * mapped back to the original text.
 *
 * Pieces:
 *   pr_lexset_t  an immutable, reference-counted compiled lexicon set (all
 *                entries of all lexicons, whitelist included). Built off to
 *                the side, then published.
 *   pr_engine_t  the holder of the current set: pr_engine_swap() publishes a
 *                new set atomically, pr_engine_acquire() hands a reader a
 *                reference to whichever set is current. A check runs wholly on
 *                the set it acquired, so it sees the old or the new lexicon,
 *                never a mix; the old set is freed when its last reader
 *                releases it.
 *   pr_check()   normalises the text as it scans it (normalize.h), reports
 *                every occurrence of every entry, then applies the rules:
 *                  - interference characters: typo entries do not match
 *                    across punctuation (only across spaces and invisible
 *                    characters); other categories skip both;
 *                  - words of spaced scripts (Latin, digits) only match as
 *                    whole words;
 *                  - whitelist: a finding inside (or equal to) an occurrence
 *                    of a whitelisted word is dropped;
 *                  - overlaps: a finding contained in a longer finding of the
 *                    same category is dropped (the longer, more specific entry
 *                    wins; on equal spans the higher severity wins); findings
 *                    of different categories, and partly overlapping
 *                    findings, are all reported;
 *                  - typo findings are confirmed with a language model
 *                    (langmodel.h): the text around the hit is scored as
 *                    written and as corrected with the entry's suggestion,
 *                    and the finding is kept only when the corrected reading
 *                    is more probable by PR_LM_MARGIN (以经 in 以经济建设 is
 *                    dropped, 按装 in 我们要按装设备 is kept). Without the
 *                    model, the older segmentation rule decides (a hit
 *                    whose start or end cuts through a friso word is
 *                    dropped).
 *
 * Offsets: start/end are Unicode code point indices into the ORIGINAL text
 * (end exclusive); byte_start/byte_end are the same span in UTF-8 bytes. A
 * finding never starts or ends in the middle of a character.
 *
 * Thread-safety: a lexset and the engine may be used by any number of
 * threads; a pr_result_t belongs to one thread.
 */
#ifndef ZD_PROOFREAD_H
#define ZD_PROOFREAD_H
#include "core/arena.h"
#include "core/str.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PR_SENSITIVE, PR_FORMULATION, PR_TYPO, PR_CUSTOM, PR_WHITELIST } pr_category_t;
#define PR_NCATEGORIES 5
typedef enum { PR_INFO, PR_WARN, PR_BLOCK } pr_severity_t;
#define PR_NSEVERITIES 3

/* Codes ("sensitive", "formulation", "typo", "custom", "whitelist";
 * "info", "warn", "block") and Chinese titles. Parsers return false for
 * unknown codes. */
const char *pr_category_name(pr_category_t c);
const char *pr_category_title(pr_category_t c);
bool pr_category_parse(const char *s, pr_category_t *out);
const char *pr_severity_name(pr_severity_t s);
const char *pr_severity_title(pr_severity_t s);
bool pr_severity_parse(const char *s, pr_severity_t *out);

/* Whether a run of one repeated character in the text matches that
 * character once (法法轮轮功 → 法轮功): by default for sensitive words only;
 * never for typo entries, where 谢谢 and 天天 are real words. */
typedef enum { PR_REPEATS_DEFAULT = 0, PR_REPEATS_ON, PR_REPEATS_OFF } pr_repeats_t;

/* One lexicon entry as handed to the builder (strings are copied). */
typedef struct {
    const char *word;       /* as entered; normalised for matching */
    const char *suggestion; /* NULL: none */
    const char *lexicon;    /* lexicon name for display; NULL is fine */
    int64_t lexicon_id, entry_id;
    pr_category_t category;
    pr_severity_t severity;
    pr_repeats_t repeats; /* (the lexicon's option) */
    /* (the lexicon's option, off by default) also match the word written in
     * pinyin — full syllables (falungong, fa lun gong, 法lun功) or initials
     * (flg) — and in homophones (发轮功): Chinese words of two or more
     * characters with readings in the pinyin table (pinyin.h), in
     * sensitive, formulation and custom lexicons (never typo or whitelist);
     * such findings have rule PR_RULE_PINYIN */
    bool pinyin;
} pr_entry_t;

typedef struct {
    size_t entries;  /* compiled */
    size_t invalid;  /* skipped: nothing left after normalisation, or too long */
    size_t states;   /* automaton states */
    size_t slots;    /* double-array slots */
    size_t alphabet; /* distinct normalised characters */
    size_t memory;   /* bytes: automaton, character table, entries */
    double build_ms; /* wall time of pr_lexset_build */
    size_t pinyin;   /* patterns of the entries matching by pinyin (spellings and initials) */
    int64_t revision;
} pr_stats_t;

#define PR_MAX_WORD_CHARS 128 /* longer words are invalid */

typedef struct pr_lexset pr_lexset_t;

/* Compiles entries. revision is an opaque tag kept in the stats (the
 * module stores its database revision there). Returns a set with one
 * reference, or NULL with a reason in err (normalisation tables
 * unavailable, out of memory). Entries that normalise to nothing are
 * counted in stats.invalid, not an error. */
pr_lexset_t *pr_lexset_build(const pr_entry_t *entries, size_t n, int64_t revision, char *err, size_t errlen);
void pr_lexset_retain(pr_lexset_t *ls);
void pr_lexset_release(pr_lexset_t *ls); /* NULL is fine */
const pr_stats_t *pr_lexset_stats(const pr_lexset_t *ls);

/* The normalised form of a lexicon word ("" when nothing is left), as
 * matched: malloc'd, caller frees; NULL on malformed UTF-8. Two words with
 * the same normal form are duplicates. */
char *pr_normalize_word(const char *word);

typedef struct pr_engine pr_engine_t;
pr_engine_t *pr_engine_new(void);
void pr_engine_free(pr_engine_t *e); /* NULL is fine; releases the current set */
/* Publishes ls (the caller's reference passes to the engine). */
void pr_engine_swap(pr_engine_t *e, pr_lexset_t *ls);
/* A new reference to the current set (release it), or NULL when none. */
pr_lexset_t *pr_engine_acquire(pr_engine_t *e);

enum { PR_SRC_LOCAL = 1, PR_SRC_EXTERNAL = 2 };

/* The rule that produced (or confirmed) a finding. */
typedef enum {
    PR_RULE_LEXICON,  /* a lexicon entry matched; no confirmation applies (or none was possible) */
    PR_RULE_LM,       /* a typo entry matched and the language model confirmed it */
    PR_RULE_SEGMENT,  /* a typo entry matched and word segmentation did not veto it */
    PR_RULE_EXTERNAL, /* the external proofreading service reported it */
    PR_RULE_PINYIN,   /* an entry of a lexicon matching by pinyin, written in pinyin or homophones */
} pr_rule_t;
#define PR_NRULES 5
/* "lexicon", "language_model", "segmentation", "external", "pinyin";
 * Chinese titles */
const char *pr_rule_name(pr_rule_t r);
const char *pr_rule_title(pr_rule_t r);

/* The margin, in natural-log units of probability, by which the corrected
 * reading must beat the text as written for a typo finding to be kept
 * (tuned on tests/data/proofread-eval, docs/text-engine.md): when the most
 * probable reading as written keeps the hit's characters to themselves
 * (按/装/设备), and when it joins one of them to a neighbour in a word
 * (以/经济, 检查/院落: probably no misspelling, so it takes more). */
#define PR_LM_MARGIN          2.0
#define PR_LM_MARGIN_ATTACHED 3.5
/* The same for the word bigram (lmb_segment(), libpinyin's model) joined
 * to the unigram, used whenever the bigram's file is there: a reading
 * scores its bigram log-probability + PR_LM_UNIGRAM_WEIGHT × its unigram
 * one. Tuned on the same set (docs/text-engine.md): every alone margin from
 * 0.5 to 3.0 and attached 6.5 to 7.0 give the same figures. */
#define PR_LM_BIGRAM_MARGIN          2.0
#define PR_LM_BIGRAM_MARGIN_ATTACHED 6.5
#define PR_LM_UNIGRAM_WEIGHT         0.5
/* A lexicon's suggestion counts as a word of at least this many
 * occurrences in the model's dictionary (the lexicon vouches for it: 踔厉
 * and 纪检监察 are rare or missing in jieba's counts). */
#define PR_LM_VOUCH_COUNT 100
/* Characters of context on each side of a hit that the model scores. */
#define PR_LM_CONTEXT        8
#define PR_LM_BIGRAM_CONTEXT 4 /* with the bigram (≤ PR_LM_CONTEXT) */

/* Why the language model kept or dropped a typo hit (options.explain). */
typedef struct {
    const char *written, *corrected; /* the two readings, segmented: "我们/要/按/装/设备" */
    double written_logp, corrected_logp;
    double margin; /* required: corrected_logp - written_logp >= margin to keep */
    bool attached; /* the written reading joins a character of the hit to a neighbour */
    bool kept;
    const char
        *model; /* "bigram" (libpinyin's, lmbigram.h) or "unigram" (jieba's fallback); NULL: a fixed rule */
} pr_explain_t;

typedef struct {
    size_t start, end;           /* code points in the original text, [start, end) */
    size_t byte_start, byte_end; /* bytes, [byte_start, byte_end) */
    pr_category_t category;
    pr_severity_t severity;
    const pr_entry_t *entry; /* the lexicon entry (inside the result's set); NULL for external findings */
    const char *suggestion;  /* NULL: none */
    const char *message;     /* external findings may explain themselves; NULL otherwise */
    unsigned source;         /* PR_SRC_* bits */
    pr_rule_t rule;
    const pr_explain_t *explain; /* options.explain and the model judged it; NULL otherwise */
} pr_finding_t;

typedef struct {
    pr_finding_t *items; /* sorted by start, then longer first */
    size_t n, cap;
    size_t by_category[PR_NCATEGORIES];
    int worst;       /* highest severity found, -1 when there are no findings */
    size_t nchars;   /* code points in the text checked */
    pr_lexset_t *ls; /* the set the findings point into (held) */
    arena_t *arena;  /* strings of merged findings and explanations */
    /* options.explain: the typo hits the language model dropped, with
     * their explanation (not counted in the summary) */
    pr_finding_t *dropped;
    size_t ndropped, capdropped;
} pr_result_t;

typedef enum {
    PR_VERIFY_LM = 0,  /* language model (segmentation when the model cannot be loaded) */
    PR_VERIFY_SEGMENT, /* the older rule: veto when a friso word straddles the hit's start or end */
    PR_VERIFY_NONE,    /* every typo hit is reported */
} pr_verify_t;

typedef struct {
    bool no_verify;            /* report every typo hit (same as verify = PR_VERIFY_NONE) */
    pr_verify_t verify;        /* how typo hits are confirmed */
    bool explain;              /* attach pr_explain_t to findings, keep dropped hits in res->dropped */
    double lm_margin;          /* 0: PR_LM_BIGRAM_MARGIN, or PR_LM_MARGIN with the unigram */
    double lm_margin_attached; /* 0: PR_LM_BIGRAM_MARGIN_ATTACHED, or PR_LM_MARGIN_ATTACHED */
    unsigned categories;       /* bit (1u << category) to report; 0: all */
    bool char_level;           /* traditional text converted character by character only, without
                                  OpenCC's phrase level (measurements: bench/bench_phrase.c) */
    size_t cp_base, byte_base; /* added to every offset (checking a long text in chunks) */
} pr_options_t;

/* Checks text[0..len). opt may be NULL. 0 with res filled (free it with
 * pr_result_free, also on error); -1 on malformed UTF-8 with *bad_offset
 * (may be NULL) set to the byte offset of the first bad sequence. */
int pr_check(pr_lexset_t *ls, const char *text, size_t len, const pr_options_t *opt, pr_result_t *res,
             size_t *bad_offset);
void pr_result_free(pr_result_t *res); /* leaves *res zeroed */

/* Merges findings from another source (start/end in code points of the same
 * text; category, severity, suggestion, message set; strings copied). A
 * finding with the same span and category as an existing one marks it as
 * found by both instead. Invalid spans are skipped; returns how many were
 * skipped. */
size_t pr_result_merge(pr_result_t *res, const char *text, size_t len, const pr_finding_t *extra, size_t n);

/* "pass", "warn" or "block" (info findings alone pass). */
const char *pr_result_verdict(const pr_result_t *res);

/* {"start","end","byte_start","byte_end","text","word","category",
 *  "severity","suggestion","lexicon_id","lexicon","entry_id","source","rule",
 *  "message"} and, with an explanation, "explain":{"written",
 *  "written_score","corrected","corrected_score","difference","attached",
 *  "margin","kept"} */
json_t *pr_finding_json(const pr_finding_t *f, const char *text);
/* Appends the same JSON object as pr_finding_json() without building it
 * (fast, for long outputs). */
void pr_finding_write(sbuf_t *out, const pr_finding_t *f, const char *text);
/* {"sensitive":n,"formulation":n,"typo":n,"custom":n} */
json_t *pr_summary_json(const size_t by_category[PR_NCATEGORIES]);
/* {"findings":[...],"summary":{...},"verdict":"..."} for text, and
 * "dropped":[...] when the check explained itself */
json_t *pr_result_json(const pr_result_t *res, const char *text);

#endif
