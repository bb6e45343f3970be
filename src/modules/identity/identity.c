/* identity.c — the identity module: start-up (master key, password cost,
 * the authentication hook, built-in roles, the bootstrap administrators),
 * housekeeping jobs, the CLI commands `zhendi user` and `zhendi audit`, and
 * helpers shared by its files. */
#include "auth/password.h"
#include "auth/session.h"
#include "auth/totp.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"
#include "modules/identity/internal.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

identity_t identity_ctx;

/* ---- bootstrap ---- */

static int write_initial_passwords(const char *data, const char *lines, char *err, size_t errlen)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/initial-passwords", data);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, lines, strlen(lines)) != (ssize_t)strlen(lines) || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* First start on an empty database: the city root and the three separated
 * administrators of MLPS level 3. */
static int bootstrap(const config_t *cfg, db_t *db, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t users = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM users", &users) != 1) {
        snprintf(err, errlen, "%s", db_errmsg(c));
        goto out;
    }
    if (users > 0) {
        ret = 0;
        goto out;
    }
    const char *given = getenv("ZHENDI_ADMIN_PASSWORD");
    const char *totp = getenv("ZHENDI_ADMIN_TOTP_SECRET");
    if (given && !*given)
        given = NULL;
    if (totp && *totp && !totp_secret_valid(totp)) {
        snprintf(err, errlen, "ZHENDI_ADMIN_TOTP_SECRET is not a valid base32 secret");
        goto out;
    }
    if (given && password_check(given, NULL, 8, 3))
        log_msg(LOG_SYSTEM, LOG_WARN, "bootstrap.weak_password", "ZHENDI_ADMIN_PASSWORD 不符合默认密码策略");
    if (db_begin(c) != 0)
        goto dberr;
    int64_t root = 0;
    if (db_query_int64(c, "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1", &root) < 0)
        goto dberr;
    if (!root) {
        json_t *extra = json_pack("{s:s}", "short_name", "市委");
        root = identity_org_insert(c, 0, "city", "SH", "中共上海市委员会", extra, 0);
        json_decref(extra);
        if (root < 0)
            goto dberr;
    }
    static const struct {
        const char *username, *name, *role;
    } admins[] = {{"admin", "系统管理员", "sys_admin"},
                  {"secadmin", "安全管理员", "security_admin"},
                  {"auditor", "审计管理员", "audit_admin"}};
    sbuf_t lines;
    sbuf_init(&lines);
    sbuf_puts(&lines, "# Initial passwords of the administrator accounts. Each must be changed at\n"
                      "# first login; delete this file afterwards.\n");
    for (size_t i = 0; i < 3; i++) {
        char pw[40], hash[PASSWORD_HASH_MAX];
        if (given)
            str_lcpy(pw, given, sizeof pw);
        else
            password_generate(pw, 16);
        if (password_hash(given ? given : pw, hash, sizeof hash) != 0) {
            sbuf_free(&lines);
            snprintf(err, errlen, "password hashing failed");
            goto out;
        }
        json_t *roles = json_pack("[s]", admins[i].role);
        int64_t id = identity_user_insert(c, admins[i].username, admins[i].name, root, hash, !given,
                                          given != NULL, NULL, NULL, roles, 0);
        json_decref(roles);
        if (id < 0) {
            sbuf_free(&lines);
            goto dberr;
        }
        if (totp && *totp) {
            char *sealed = crypto_seal(totp);
            db_stmt_t *st = db_prepare(c, "UPDATE users SET totp_enc = ? WHERE id = ?");
            int rc = DB_ERROR;
            if (st && sealed) {
                db_bind_text(st, 1, sealed);
                db_bind_int64(st, 2, id);
                rc = db_step(st);
            }
            db_done(st);
            free(sealed);
            if (rc != DB_DONE) {
                sbuf_free(&lines);
                goto dberr;
            }
        }
        sbuf_printf(&lines, "%s\t%s\n", admins[i].username, pw);
    }
    audit_entry_t ae = {.action = "system.bootstrap",
                        .detail = "创建系统管理员 admin、安全管理员 secadmin、审计管理员 auditor"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0) {
        sbuf_free(&lines);
        goto dberr;
    }
    if (!given && write_initial_passwords(cfg->data, lines.data, err, errlen) != 0) {
        sbuf_free(&lines);
        goto out;
    }
    sbuf_free(&lines);
    log_msg(LOG_SYSTEM, LOG_INFO, "bootstrap.done", "已创建三员账号%s",
            given ? "，密码取自 ZHENDI_ADMIN_PASSWORD" : "，初始密码见 DATA/initial-passwords");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "bootstrap failed: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}

/* ---- housekeeping ---- */

static int job_session_cleanup(job_ctx_t *ctx)
{
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c) {
        job_error(ctx, "no database connection");
        return JOB_RETRY;
    }
    int64_t now = time_now_ms(), n = 0;
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?) OR expires_at < ?",
        "DELETE FROM login_attempts WHERE at < ? OR at < ?",
    };
    int rc = JOB_OK;
    for (size_t i = 0; i < 2 && rc == JOB_OK; i++) {
        db_stmt_t *st = db_prepare(c, sql[i]);
        if (!st) {
            rc = JOB_RETRY;
            break;
        }
        /* sessions: kept 30 days after they end, for the record; attempts: a day */
        int64_t keep = i == 0 ? 30LL * 86400000 : 86400000;
        db_bind_int64(st, 1, now - keep);
        db_bind_int64(st, 2, now - keep);
        if (db_step(st) == DB_DONE)
            n += db_changes(c);
        else
            rc = JOB_RETRY;
        db_done(st);
    }
    if (rc != JOB_OK)
        job_error(ctx, "%s", db_errmsg(c));
    job_items(ctx, n);
    db_release(c);
    return rc;
}

/* ---- CLI ---- */

static int cli_audit(const config_t *cfg, int argc, char **argv)
{
    if (argc != 1 || strcmp(argv[0], "verify") != 0) {
        fprintf(stderr, "zhendi: usage: zhendi audit verify\n");
        return 2;
    }
    zd_app_t app;
    char err[512];
    if (modules_open_app(cfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "zhendi: %s\n", err);
        return 1;
    }
    int64_t checked = 0, broken = 0;
    int rc = audit_verify(app.db, &checked, &broken, err, sizeof err);
    modules_close_app(&app);
    if (rc != 0) {
        fprintf(stderr, "zhendi: audit chain broken at record %lld: %s\n", (long long)broken, err);
        return 1;
    }
    printf("audit chain intact: %lld records verified\n", (long long)checked);
    return 0;
}

/* zhendi user unlock NAME | user reset-password NAME — for the operator who
 * is locked out of the console. */
static int cli_user(const config_t *cfg, int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[0], "unlock") != 0 && strcmp(argv[0], "reset-password") != 0)) {
        fprintf(stderr, "zhendi: usage: zhendi user unlock USERNAME | zhendi user reset-password USERNAME\n");
        return 2;
    }
    zd_app_t app;
    char err[512];
    if (modules_open_app(cfg, &app, err, sizeof err) != 0) {
        fprintf(stderr, "zhendi: %s\n", err);
        return 1;
    }
    int ret = 1;
    db_conn_t *c = db_acquire(app.db);
    db_stmt_t *st = c ? db_prepare(c, "SELECT id FROM users WHERE username = ?") : NULL;
    int64_t id = 0;
    if (st) {
        db_bind_text(st, 1, argv[1]);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (!id) {
        fprintf(stderr, "zhendi: no user %s\n", argv[1]);
        goto out;
    }
    if (db_begin(c) != 0)
        goto dberr;
    char pw[20] = "";
    if (!strcmp(argv[0], "unlock")) {
        st = db_prepare(c, "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?");
        if (!st)
            goto dberr;
        db_bind_int64(st, 1, id);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            goto dberr;
    } else {
        char hash[PASSWORD_HASH_MAX];
        password_generate(pw, 16);
        if (password_hash(pw, hash, sizeof hash) != 0 || identity_set_password(c, id, hash, true) != 0 ||
            session_revoke_user(c, id, "password_reset") != 0)
            goto dberr;
    }
    audit_entry_t ae = {.action = !strcmp(argv[0], "unlock") ? "user.unlock" : "user.reset_password",
                        .target_type = "user",
                        .target = id,
                        .detail = "命令行操作"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    if (pw[0])
        printf("new password for %s (must be changed at next login): %s\n", argv[1], pw);
    else
        printf("%s unlocked\n", argv[1]);
    ret = 0;
    goto out;
dberr:
    fprintf(stderr, "zhendi: %s\n", c ? db_errmsg(c) : "no database connection");
out:
    db_release(c);
    modules_close_app(&app);
    return ret;
}

const zd_command_t identity_commands[] = {
    {"audit", "audit verify              check the audit log's SM3 chain", cli_audit},
    {"user", "user unlock|reset-password USERNAME", cli_user},
    {NULL, NULL, NULL},
};

/* ---- module ---- */

/* ---- settings ---- */

static struct {
    char anchor_file[1024];
    int64_t anchor_s;
} S;

static const config_opt_t SETTINGS[] = {
    CONFIG_STR(audit_anchor_file, S.anchor_file, "", 0,
               "审计链头锚定到数据库之外的文件；留空：DATA/audit-anchor.log"),
    CONFIG_INT(audit_anchor_s, &S.anchor_s, 5, 1, 3600, "审计链头锚定的间隔（秒）"),
    {NULL},
};

/* ---- the audit anchor's thread, which also writes the sessions' touches ----
 * Every second: the touches of last_seen_at queued by the requests
 * (session.c, written behind); every audit_anchor_s: the audit anchor. */

static struct {
    pthread_t th;
    bool running, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *anchor_loop(void *arg)
{
    db_t *db = arg;
    int64_t anchored = 0;
    pthread_mutex_lock(&T.mu);
    while (!T.stop) {
        pthread_mutex_unlock(&T.mu);
        session_touch_flush(db);
        int64_t now = time_now_ms();
        if (now - anchored >= (int64_t)S.anchor_s * 1000) {
            audit_anchor(db);
            anchored = now;
        }
        pthread_mutex_lock(&T.mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (!T.stop)
            pthread_cond_timedwait(&T.cv, &T.mu, &ts);
    }
    pthread_mutex_unlock(&T.mu);
    /* a clean stop: touches from now on are written at once, the queue once more */
    session_touch_behind(false);
    session_touch_flush(db);
    audit_anchor(db); /* the last records before a clean stop */
    return NULL;
}

static void identity_shutdown(void)
{
    if (!T.running)
        return;
    pthread_mutex_lock(&T.mu);
    T.stop = true;
    pthread_cond_signal(&T.cv);
    pthread_mutex_unlock(&T.mu);
    pthread_join(T.th, NULL);
    T.running = false;
}

static int identity_init(zd_app_t *app, char *err, size_t errlen)
{
    identity_ctx.cfg = app->cfg;
    identity_ctx.db = app->db;
    identity_ctx.http = app->http;
    char key[1100];
    config_secret_key_file(app->cfg, key, sizeof key);
    if (crypto_load_master_key(key, err, errlen) != 0)
        return -1;
    char anchor[1100];
    if (S.anchor_file[0])
        str_lcpy(anchor, S.anchor_file, sizeof anchor);
    else
        snprintf(anchor, sizeof anchor, "%s/audit-anchor.log", app->cfg->data);
    audit_configure(anchor);
    if (app->http && !T.running) {
        T.stop = false;
        session_touch_behind(true);
        if (pthread_create(&T.th, NULL, anchor_loop, app->db) != 0) {
            session_touch_behind(false);
            snprintf(err, errlen, "cannot start the audit anchor thread");
            return -1;
        }
        T.running = true;
    }
    if (totp_init() != 0) {
        snprintf(err, errlen, "liboath initialisation failed");
        return -1;
    }
    password_set_cost((uint32_t)app->cfg->argon2_t, (uint32_t)app->cfg->argon2_m_kb,
                      (uint32_t)app->cfg->argon2_p);
    auth_configure(app->db, app->cfg->cookie_secure);
    if (identity_org_pinyin_backfill(app->db) != 0) {
        snprintf(err, errlen, "cannot fill in the pinyin of organisation names");
        return -1;
    }
    if (app->http)
        http_server_set_auth(app->http, auth_middleware);
    if (identity_auth_routes(app, err, errlen) != 0 || identity_org_routes(app, err, errlen) != 0 ||
        identity_user_routes(app, err, errlen) != 0 || identity_role_routes(app, err, errlen) != 0 ||
        identity_audit_routes(app, err, errlen) != 0 || identity_org_import_init(app, err, errlen) != 0)
        return -1;
    jobs_register("identity.session_cleanup", "清理过期会话与登录记录", job_session_cleanup);
    if (jobs_define_schedule(app->db, "identity.session_cleanup", "每小时清理过期会话", "5 * * * *",
                             "identity.session_cleanup", NULL) != 0) {
        snprintf(err, errlen, "cannot define the identity schedules");
        return -1;
    }
    return 0;
}

static int identity_start(zd_app_t *app, char *err, size_t errlen)
{
    if (identity_roles_ensure_builtin(app->db, err, errlen) != 0)
        return -1;
    return bootstrap(app->cfg, app->db, err, errlen);
}

static const auth_perm_t P_ORG[] = {{"org.read", "查看、导出组织机构", AUTH_DUTY_DIRECTORY},
                                    {"org.write", "新建、编辑、移动、停用组织机构", AUTH_DUTY_SYSTEM}};
static const auth_perm_t P_USER[] = {
    {"user.read", "查看用户", AUTH_DUTY_DIRECTORY},
    {"user.write", "新建、编辑、停用用户，重置密码，解锁", AUTH_DUTY_SYSTEM}};
static const auth_perm_t P_ROLE[] = {{"role.read", "查看角色与权限", AUTH_DUTY_SECURITY},
                                     {"role.write", "维护角色，为用户分配任意角色", AUTH_DUTY_SECURITY}};
static const auth_perm_t P_SEC[] = {{"security.read", "查看安全策略", AUTH_DUTY_SECURITY},
                                    {"security.write", "修改安全策略", AUTH_DUTY_SECURITY},
                                    {"session.read", "查看在线会话", AUTH_DUTY_SECURITY},
                                    {"session.write", "强制下线，重置他人的动态口令", AUTH_DUTY_SECURITY}};
static const auth_perm_t P_AUDIT[] = {{"audit.read", "查阅审计日志、校验审计链", AUTH_DUTY_AUDIT},
                                      {"audit.export", "导出审计日志", AUTH_DUTY_AUDIT}};
static const auth_perm_group_t PERM_GROUPS[] = {
    {"org", "组织机构", P_ORG, 2},      {"user", "用户管理", P_USER, 2},   {"role", "角色权限", P_ROLE, 2},
    {"security", "安全管理", P_SEC, 4}, {"audit", "安全审计", P_AUDIT, 2}, {NULL},
};

static const zd_label_t ORG_TYPE[] = {
    {"city", "市"},        {"district", "区"},           {"sector", "大口党委"}, {"street", "街镇"},
    {"committee", "党委"}, {"general_branch", "党总支"}, {"branch", "党支部"},   {NULL}};
static const zd_label_t STATUS[] = {{"active", "正常", "success"}, {"disabled", "已停用", "info"}, {NULL}};
static const zd_label_t SCOPE[] = {
    {"all", "全部数据"}, {"subtree", "本组织及下级"}, {"org", "仅本组织"}, {"self", "仅本人"}, {NULL}};
static const zd_label_t OUTCOME[] = {
    {"success", "成功", "success"}, {"failure", "失败", "danger"}, {"denied", "拒绝", "warning"}, {NULL}};
static const zd_label_t DUTY[] = {{"business", "业务"},
                                  {"directory", "通讯录"},
                                  {"system", "系统管理", "primary"},
                                  {"security", "安全管理", "warning"},
                                  {"audit", "安全审计", "danger"},
                                  {NULL}};
/* actions recorded outside a route of their own (the others are labelled
 * by their route's summary) */
static const zd_label_t ACTIONS[] = {{"auth.login", "登录"},
                                     {"access.denied", "越权访问被拒绝"},
                                     {"user.enable", "启用用户"},
                                     {"user.update_roles", "调整用户角色"},
                                     {"org.disable", "停用组织"},
                                     {"org.enable", "启用组织"},
                                     {NULL}};
static const zd_label_t TARGET[] = {{"user", "用户"},      {"org", "组织"},           {"role", "角色"},
                                    {"session", "会话"},   {"api_token", "API 令牌"}, {"policy", "安全策略"},
                                    {"audit", "审计记录"}, {"log_file", "日志文件"},  {NULL}};
/* why an API token was revoked (api_tokens.revoked_reason, set by
 * session_revoke_user and the administrator's revoke); the owner's own revoke
 * leaves it null */
/* the roles by name with their titles (they live in the database) */
static int identity_role_dict(db_conn_t *c, json_t *dicts)
{
    json_t *items = modules_dict_items(dicts, "role", "角色");
    db_stmt_t *st = db_prepare(c, "SELECT name, title FROM roles ORDER BY id");
    int rc = st ? DB_ROW : DB_ERROR;
    while (st && (rc = db_step(st)) == DB_ROW)
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "value", db_col_text(st, 0), "label",
                                               db_col_text(st, 1), "tag", "info"));
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

static const zd_label_t TOKEN_REVOKE[] = {{"revoked_by_admin", "管理员吊销", "danger"},
                                          {"password_reset", "重置密码", "warning"},
                                          {"disabled", "账号停用", "info"},
                                          {"roles_changed", "角色变更", "info"},
                                          {"forced", "强制下线", "warning"},
                                          {"totp_reset", "重置动态口令", "warning"},
                                          {NULL}};
/* names of fields that audit details and exports show and no route titles */
static const zd_label_t FIELD[] = {{"id", "编号"},
                                   {"role.name", "标识"},
                                   {"role.title", "角色名称"},
                                   {"role.permissions", "功能权限"},
                                   {"username", "用户名"},
                                   {"name", "名称"},
                                   {"org_id", "所属组织"},
                                   {"org_name", "所属组织"},
                                   {"roles", "角色"},
                                   {"status", "状态"},
                                   {"phone", "手机"},
                                   {"email", "电子邮箱"},
                                   {"title", "标题"},
                                   {"code", "编码"},
                                   {"type", "类型"},
                                   {"parent_id", "上级组织"},
                                   {"path", "组织路径"},
                                   {"sort", "排序"},
                                   {"data_scope", "数据范围"},
                                   {"builtin", "内置"},
                                   {"permissions", "权限"},
                                   {"created_at", "创建时间"},
                                   {"updated_at", "更新时间"},
                                   {"created_by", "创建人"},
                                   {"deleted_at", "删除时间"},
                                   {"must_change_password", "须修改密码"},
                                   {"password_changed_at", "密码修改时间"},
                                   {"last_login_at", "最近登录时间"},
                                   {"last_login_ip", "最近登录地址"},
                                   {"previous_login_at", "上次登录时间"},
                                   {"previous_login_ip", "上次登录地址"},
                                   {"locked_until", "锁定至"},
                                   {"totp_enabled", "已绑定动态口令"},
                                   {"failed_logins", "连续失败次数"},
                                   {"user_id", "用户"},
                                   {"ip", "来源地址"},
                                   {"user_agent", "浏览器"},
                                   {"expires_at", "过期时间"},
                                   {"revoked_at", "吊销时间"},
                                   {"last_seen_at", "最近活动"},
                                   {"version", "版本"},
                                   {"action", "操作"},
                                   {"user", "用户"},
                                   {"target", "对象"},
                                   {"kind", "类别"},
                                   {"level", "级别"},
                                   {"q", "关键词"},
                                   {"changes", "变更内容"},
                                   {"reason", "原因"},
                                   {"schedule_id", "调度"},
                                   {"detail", "说明"},
                                   /* a resource's own name of a field ("-": left out of exports) */
                                   {"user.name", "姓名"},
                                   {"session.name", "姓名"},
                                   {"session.current", "当前会话"},
                                   {"session.created_at", "登录时间"},
                                   {NULL}};
static const zd_label_t LOG_EVENT[] = {{"bootstrap.done", "三员账号已创建", "success"},
                                       {"bootstrap.weak_password", "初始密码过弱", "warning"},
                                       {"identity.org_pinyin", "组织名称拼音已补全", "info"},
                                       {"session.touch_failed", "会话活动时间写入失败", "danger"},
                                       {NULL}};
static const zd_dict_t DICTS[] = {{"log_event", "日志事件", LOG_EVENT},
                                  {"field", "字段", FIELD},
                                  {"org_type", "组织类型", ORG_TYPE},
                                  {"user_status", "用户状态", STATUS},
                                  {"org_status", "组织状态", STATUS},
                                  {"data_scope", "数据范围", SCOPE},
                                  {"audit_outcome", "审计结果", OUTCOME},
                                  {"perm_duty", "三员分立", DUTY},
                                  {"audit_action", "审计操作", ACTIONS},
                                  {"audit_target", "审计对象", TARGET},
                                  {"token_revoke_reason", "API 令牌吊销原因", TOKEN_REVOKE},
                                  {NULL}};

const zd_module_t identity_module = {
    .name = "identity",
    .title = "身份与权限",
    .init = identity_init,
    .shutdown = identity_shutdown,
    .commands = identity_commands,
    .settings = SETTINGS,
    .start = identity_start,
    .demo = identity_demo,
    .permissions = PERM_GROUPS,
    .todo = identity_todo,
    .dicts = DICTS,
    .live_dicts = identity_role_dict,
};
