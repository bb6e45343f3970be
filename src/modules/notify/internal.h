/* internal.h — what the notify module's files share (notify.c, inbox.c,
 * notify_api.c, stream.c, mail.c). Other modules use notify.h. */
#ifndef ZD_NOTIFY_INTERNAL_H
#define ZD_NOTIFY_INTERNAL_H
#include "auth/auth.h"
#include "jobs/jobs.h"
#include "modules/module.h"
#include "modules/notify/notify.h"

/* the module's settings (notify.c) */
typedef struct {
    char smtp_url[512];      /* smtp://host:port or smtps://…; "" = no e-mail */
    char smtp_from[256];     /* "阵地管理平台 <noreply@example.org>" or a bare address */
    char smtp_user[256];     /* "" = no authentication */
    char smtp_password[256]; /* secret */
    bool smtp_starttls;      /* require STARTTLS on smtp:// */
    bool smtp_verify_tls;    /* check the server's certificate */
    int64_t smtp_timeout_s;
    char console_url[512]; /* https://zhendi.example.org: links in e-mails; "" = the path alone */
    int64_t max_streams;
} notify_settings_t;
extern notify_settings_t notify_cfg;

/* The Chinese label of a message kind (notify_kind), or NULL. */
const char *notify_kind_title(const char *kind);
/* the database of the process (set in init) */
db_t *notify_db(void);

/* The topic of the event streams (http/events.h), keyed by user id. */
#define NOTIFY_TOPIC "notify"

/* Unread messages of a user: >= 0, or -1 on a database error. */
int64_t notify_unread_count(db_conn_t *c, int64_t user_id);
/* The 1-second poll that wakes consoles for messages other nodes, jobs
 * and CLI commands wrote (inbox.c): started when serving. */
int notify_poll_start(db_t *db);
void notify_poll_stop(void);

/* routes (notify_api.c); the event stream's handler (stream.c) */
int notify_api_routes(zd_app_t *app, char *err, size_t errlen);
void notify_stream(http_req_t *req);
/* the "notify.mail" job (mail.c) */
int notify_job_mail(job_ctx_t *ctx);
/* "zhendi notify send …" (notify.c) */
int notify_cli_run(const config_t *cfg, int argc, char **argv);

#endif
