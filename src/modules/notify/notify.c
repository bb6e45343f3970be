/* notify.c — the notify module (消息中心): settings, the permission to send
 * announcements, the labels of message kinds, the unread to-do item, the
 * mail job's registration, the poll of the inbox when serving, and the
 * `zhendi notify send` command. docs/notify.md. */
#include "core/str.h"
#include "modules/identity/identity.h"
#include "modules/notify/internal.h"
#include <stdio.h>
#include <string.h>

notify_settings_t notify_cfg;

// clang-format off
static const config_opt_t SETTINGS[] = {
    CONFIG_STR(notify_smtp_url, notify_cfg.smtp_url, "", 1, "邮件抄送的 SMTP 服务器：smtp://主机:端口 或 smtps://主机:端口；留空：不发邮件"),
    CONFIG_STR(notify_smtp_from, notify_cfg.smtp_from, "", 0, "邮件发件人：地址，或 名称 <地址>"),
    CONFIG_STR(notify_smtp_user, notify_cfg.smtp_user, "", 0, "SMTP 用户名；留空：不认证"),
    CONFIG_STR(notify_smtp_password, notify_cfg.smtp_password, "", 2, "SMTP 密码"),
    CONFIG_BOOL(notify_smtp_starttls, &notify_cfg.smtp_starttls, "true", "smtp:// 服务器必须使用 STARTTLS（只有同主机或同网络的中继才可设为 false）"),
    CONFIG_BOOL(notify_smtp_verify_tls, &notify_cfg.smtp_verify_tls, "true", "校验 SMTP 服务器证书"),
    CONFIG_INT(notify_smtp_timeout_s, &notify_cfg.smtp_timeout_s, 30, 1, 600, "发送一封邮件的最长时间（秒）"),
    CONFIG_STR(notify_console_url, notify_cfg.console_url, "", 0, "控制台地址（https://…），用于邮件中的链接；留空：只写路径"),
    CONFIG_INT(notify_max_streams, &notify_cfg.max_streams, 1000, 0, 100000, "消息推送连接（SSE）的最大数量；0 = 不推送"),
    {NULL},
};
// clang-format on

static const auth_perm_t PERMS[] = {
    {"notify.send", "发送系统通知", AUTH_DUTY_SYSTEM},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"notify", "消息通知", PERMS, 1}, {NULL}};

static const zd_label_t KIND[] = {
    {"review.new", "审核待办", "warning"},     {"review.decision", "审核结果", "success"},
    {"review.override", "豁免申请", "danger"}, {"live.cancelled", "直播取消", "info"},
    {"system", "系统消息", "primary"},         {NULL}};
static const zd_label_t TARGET[] = {{"notification", "消息"}, {NULL}};
/* actions written outside a route (the routes' own are labelled by their summaries) */
static const zd_label_t ACTIONS[] = {{"notify.send", "发送消息（命令行）"}, {NULL}};
static const zd_label_t LOG_EVENT[] = {{"notify.bad_link", "消息链接无效", "warning"},
                                       {"notify.bad_message", "消息内容无效", "danger"},
                                       {"notify.capped", "消息收件人超限", "warning"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"log_event", "日志事件", LOG_EVENT},
                                  {"notify_kind", "消息类型", KIND},
                                  {"audit_target", "审计对象", TARGET},
                                  {"audit_action", "审计操作", ACTIONS},
                                  {NULL}};

const char *notify_kind_title(const char *kind)
{
    for (const zd_label_t *l = KIND; kind && l->value; l++)
        if (!strcmp(l->value, kind))
            return l->label;
    return NULL;
}

static db_t *g_db;
db_t *notify_db(void) { return g_db; }

/* unread messages are a to-do item of everyone */
static int todo(http_req_t *req, db_conn_t *c, json_t *items)
{
    int64_t n = notify_unread_count(c, http_user_id(req));
    if (n < 0)
        return -1;
    if (n)
        json_array_append_new(items, json_pack("{s:s,s:s,s:I,s:s}", "key", "notify_unread", "title",
                                               "未读消息", "count", (json_int_t)n, "link", "/notifications"));
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    g_db = app->db;
    auth_grant_default("sys_admin", "notify.send");
    jobs_register("notify.mail", "发送邮件通知", notify_job_mail);
    return notify_api_routes(app, err, errlen);
}

static int start(zd_app_t *app, char *err, size_t errlen)
{
    if (app->http && notify_poll_start(app->db) != 0) {
        snprintf(err, errlen, "notify: cannot start the inbox poll");
        return -1;
    }
    return 0;
}

static void shutdown_(void) { notify_poll_stop(); }

/* ---- zhendi notify send ---- */

static int usage(void)
{
    fprintf(stderr, "usage: zhendi notify send --user NAME --title TITLE [--body TEXT] [--link /route]\n");
    return 2;
}

int notify_cli_run(const config_t *cfg, int argc, char **argv)
{
    const char *user = NULL, *title = NULL, *body = NULL, *link = NULL;
    if (argc < 1 || strcmp(argv[0], "send") != 0)
        return usage();
    for (int i = 1; i < argc; i++) {
        const char **to = !strcmp(argv[i], "--user")    ? &user
                          : !strcmp(argv[i], "--title") ? &title
                          : !strcmp(argv[i], "--body")  ? &body
                          : !strcmp(argv[i], "--link")  ? &link
                                                        : NULL;
        if (!to || i + 1 >= argc)
            return usage();
        *to = argv[++i];
    }
    if (!user || !title || !title[0])
        return usage();
    zd_app_t app;
    char err[512];
    if (modules_open_app(cfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "zhendi: %s\n", err);
        return 1;
    }
    int ret = 1;
    db_conn_t *c = db_acquire(app.db);
    identity_user_brief_t u;
    int rc = c ? identity_user_by_name(c, user, &u) : -1;
    if (rc == 0 || (rc == 1 && !u.active)) {
        fprintf(stderr, "zhendi: no active user %s\n", user);
        goto out;
    }
    if (rc < 0 || db_begin(c) != 0)
        goto dberr;
    notify_msg_t m = {.user_id = u.id, .kind = "system", .title = title, .body = body, .link = link};
    if (notify_user(c, &m) != 0)
        goto dberr;
    /* an administrator's message from the command line is on the record */
    audit_entry_t ae = {.action = "notify.send",
                        .target_type = "user",
                        .target = u.id,
                        .detail = "命令行发送系统消息",
                        .actor_name = "命令行"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    printf("message sent to %s\n", user);
    ret = 0;
    goto out;
dberr:
    fprintf(stderr, "zhendi: %s\n", c ? db_errmsg(c) : "no database connection");
out:
    db_release(c);
    modules_close_app(&app);
    return ret;
}

static const zd_command_t COMMANDS[] = {
    {"notify", "notify send --user NAME --title T [--body B] [--link L]   a system message to one user",
     notify_cli_run},
    {NULL, NULL, NULL},
};

const zd_module_t notify_module = {.name = "notify",
                                   .title = "消息通知",
                                   .init = init,
                                   .start = start,
                                   .shutdown = shutdown_,
                                   .commands = COMMANDS,
                                   .settings = SETTINGS,
                                   .permissions = PERM_GROUPS,
                                   .todo = todo,
                                   .dicts = DICTS};
