/* proofread.c — the proofreading module (校真): wires the lexicon storage,
 * the engine, the HTTP routes, the video job and the CLI command together
 * (see proofread.h). */
#include "modules/proofread/proofread.h"
#include "auth/auth.h"
#include "core/log.h"
#include "text/normalize.h"
#include "text/segment.h"
#include <stdio.h>

static const auth_perm_t PERMS[] = {{"lexicon.read", "查看校真词库"}, {"lexicon.write", "维护校真词库"}};
static const auth_perm_group_t GROUP = {"lexicon", "校真词库", PERMS, 2};

static int proofread_init(zd_app_t *app, char *err, size_t errlen)
{
    auth_register_permissions(&GROUP);
    /* the content side keeps the lexicons; reviewers consult them */
    auth_grant_default("sys_admin", "lexicon.read");
    auth_grant_default("sys_admin", "lexicon.write");
    auth_grant_default("city_reviewer", "lexicon.read");
    auth_grant_default("city_reviewer", "lexicon.write");
    auth_grant_default("district_reviewer", "lexicon.read");
    if (norm_init(err, errlen) != 0)
        return -1;
    if (lexicon_seed(app->db, err, errlen) != 0 ||
        engine_start(app->cfg, app->db, app->http != NULL, err, errlen) != 0)
        return -1;
    if (lexapi_routes(app, err, errlen) != 0 || check_routes(app, err, errlen) != 0 ||
        video_init(app, err, errlen) != 0)
        return -1;
    /* the segmentation dictionary loads on first use; a missing one is
     * only a warning (typo findings are then not confirmed) */
    char serr[256];
    if (app->http && seg_init(NULL, serr, sizeof serr) != 0)
        log_msg(LOG_SYSTEM, LOG_WARN, "proofread.segmenter_missing", "%s", serr);
    return 0;
}

static void proofread_shutdown(void)
{
    engine_stop();
    seg_shutdown();
}

static const zd_command_t commands[] = {
    {"proofread",
     "proofread --text FILE|- | --image FILE | --video FILE [--format json|tsv|summary] [--lexicon FILE] ... "
     "  "
     "check and print findings as JSON",
     prcli_run},
    {NULL, NULL, NULL},
};

const zd_module_t proofread_module = {
    .name = "proofread", .init = proofread_init, .shutdown = proofread_shutdown, .commands = commands};
