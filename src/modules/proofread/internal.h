/* internal.h — what the proofreading module's files share (settings,
 * engine, lexicon storage, routes, CLI). Private to the module: others use
 * proofread.h. */
#ifndef ZD_PROOFREAD_INTERNAL_H
#define ZD_PROOFREAD_INTERNAL_H
#include "auth/resource.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/db.h"
#include "core/embed.h"
#include "http/multipart.h"
#include "modules/module.h"
#include "modules/proofread/proofread.h"

/* ---- module internals ---- */

/* The module's settings (proofread.c: `zhendi config check` lists them). */
typedef struct {
    char external_url[1024]; /* "" → no external service */
    char external_key[512];
    int64_t external_timeout_ms, image_max_mb, video_max_mb, video_interval_s, ocr_concurrency, ocr_timeout_s,
        reload_s, history_keep, document_max_mb;
} proofread_settings_t;
extern proofread_settings_t proofread_cfg;

#define LEXICON_MAX_WORD_CHARS       100
#define LEXICON_MAX_SUGGESTION_CHARS 200
#define LEXICON_MAX_IMPORT_LINES     200000

/* history.c — a user's own checks: saves one in the caller's transaction
 * (kind "text" or "document"; title NULL: the text's first words; result:
 * the check's answer). The id, or -1 on a database error. */
int64_t proofread_history_save(http_req_t *req, db_conn_t *c, const char *kind, const char *title,
                               const char *file_type, const char *text, size_t len, json_t *result);
extern const zd_resource_t PROOFREAD_CHECKS;
/* pass / warn / block with their Chinese names (the proofread_verdict dictionary) */
extern const zd_label_t PROOFREAD_VERDICTS[];
int proofread_history_routes(zd_app_t *app, char *err, size_t errlen);

/* engine.c — the current lexicons, their reload, OCR slots */
int proofread_engine_start(const config_t *cfg, db_t *db, bool poll, char *err, size_t errlen);
void proofread_engine_stop(void);
pr_lexset_t *proofread_engine_acquire(void);
/* Rebuilds from the database when its revision moved (always when force).
 * 0, or -1 with a reason in err (the old lexicons stay in force). */
int proofread_engine_reload(bool force, char *err, size_t errlen);
/* {"entries","invalid","states","slots","alphabet","memory_bytes",
 *  "build_ms","revision","loaded_at"} */
json_t *proofread_engine_stats_json(void);
/* A slot for one image recognition: waits up to wait_ms; false when busy. */
bool proofread_engine_ocr_enter(int wait_ms);
void proofread_engine_ocr_leave(void);
const config_t *proofread_engine_config(void);

/* lexicon.c — built-in lexicons, seeding, loading, word rules */
typedef struct {
    const char *word, *suggestion;
    int severity; /* -1: the lexicon's */
} lexicon_builtin_entry_t;

typedef struct {
    const char *key; /* file name in data/lexicons */
    char name[128];
    char description[600];
    pr_category_t category;
    pr_severity_t severity;
    lexicon_builtin_entry_t *entries; /* strings point into text */
    size_t n;
    char *text; /* owned copy of the file */
    char hash[65];
} lexicon_builtin_t;

/* Parses an embedded .lex file ("# name: …" header lines, then
 * word<TAB>suggestion[<TAB>severity] lines). 0 or -1 with err. */
int proofread_lexicon_builtin_parse(const zd_embedded_t *f, lexicon_builtin_t *out, char *err, size_t errlen);
void proofread_lexicon_builtin_free(lexicon_builtin_t *b);
/* Creates the built-in lexicons on first start and adds entries that new
 * releases bring (entries the customer deleted stay deleted). */
int proofread_lexicon_seed(db_t *db, char *err, size_t errlen);
/* The lexicons' revision: grows with every change. -1 on error. */
int64_t proofread_lexicon_revision(db_conn_t *c);
/* Appends every entry of every enabled lexicon to *v (strings in a). */
int proofread_lexicon_collect(db_conn_t *c, arena_t *a, pr_entry_t **v, size_t *n, size_t *cap);
/* Appends the embedded lexicons' entries (for the CLI without a database). */
int proofread_lexicon_collect_builtin(arena_t *a, pr_entry_t **v, size_t *n, size_t *cap);
int proofread_lexicon_push(pr_entry_t **v, size_t *n, size_t *cap, const pr_entry_t *e);
/* Checks a word as entered: NULL when fine (*norm = its normal form,
 * malloc'd), else a Chinese reason. */
const char *proofread_lexicon_check_word(const char *word, char **norm);
const char *proofread_lexicon_check_suggestion(const char *s);
/* Bumps a lexicon's version and records the change in the lexicon's history
 * and in the audit log (inside the caller's transaction). req is the request
 * that made it (its user is the actor), NULL for the system's own changes.
 * detail may be NULL (borrowed). 0 or -1. */
int proofread_lexicon_record(db_conn_t *c, int64_t lexicon_id, int64_t entry_id, const char *action,
                             const char *word, http_req_t *req, json_t *detail);
int proofread_lexicon_recount(db_conn_t *c, int64_t lexicon_id);

/* lexicon_api.c, check_api.c, video.c */
int proofread_lexicon_routes(zd_app_t *app, char *err, size_t errlen);
int proofread_check_routes(zd_app_t *app, char *err, size_t errlen);
int proofread_video_init(zd_app_t *app, char *err, size_t errlen);

/* cli.c */
int proofread_cli_run(const config_t *cfg, int argc, char **argv);

#endif
