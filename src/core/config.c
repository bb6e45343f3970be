/* config.c — table-driven configuration; see config.h. */
#include "core/config.h"
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef config_opt_t copt_t;

#define S(k, d, sec, h)                                                                                      \
    {                                                                                                        \
        .key = #k, .type = CT_STR, .off = offsetof(config_t, k), .size = sizeof(((config_t *)0)->k),         \
        .def = d, .secret = sec, .help = h                                                                   \
    }
#define I(k, d, lo, hi, h)                                                                                   \
    {                                                                                                        \
        .key = #k, .type = CT_INT, .off = offsetof(config_t, k), .def = #d, .min = lo, .max = hi, .help = h  \
    }
#define B(k, d, h)                                                                                           \
    {                                                                                                        \
        .key = #k, .type = CT_BOOL, .off = offsetof(config_t, k), .def = d, .max = 1, .help = h              \
    }

static const copt_t opts[] = {
    S(listen, "127.0.0.1:8080", false, "监听地址，HOST:PORT"),
    S(data, "./var", false, "数据目录（数据库、文件、日志）"),
    S(db, "", true, "SQLite 文件或 postgresql:// 地址；留空：DATA/zhendi.db"),
    S(config, "", false, "配置文件"),
    S(web_root, "", false, "控制台前端构建目录；留空：程序旁的 web/dist"),
    S(timezone, "Asia/Shanghai", false, "显示和定时任务使用的时区"),
    S(log_level, "info", false, "日志级别：debug、info、warn 或 error"),
    I(log_max_mb, 64, 1, 4096, "日志文件超过此大小即轮转（MB）"),
    I(log_keep_days, 180, 1, 3650, "轮转后的日志保留天数（等保要求至少 180 天）"),
    I(threads, 0, 0, 256, "HTTP 线程数；0 = 自动"),
    I(workers, 2, 0, 64, "后台任务工作线程数"),
    I(db_pool, 0, 0, 512, "数据库连接数；0 = 自动"),
    I(slow_query_ms, 200, 1, 600000, "记录执行慢于此值（毫秒）的查询"),
    I(db_statement_timeout_s, 30, 1, 86400, "PostgreSQL 取消运行超过此时长（秒）的语句"),
    I(db_lock_timeout_ms, 5000, 100, 600000,
      "等待锁的最长时间（毫秒；SQLite busy timeout、PostgreSQL lock_timeout）"),
    I(db_cache_mb, 64, 2, 4096,
      "SQLite 每个连接的页缓存上限（MB，按需占用）：检索的排序表应能放下（100 万分段约 37 MB）"),
    I(max_connections, 2000, 16, 100000, "最多同时打开的 HTTP 连接数"),
    I(per_ip_connections, 256, 0, 100000,
      "每个客户端地址最多的连接数（单位出口 NAT 算一个；可信代理不限）；0 = 不限"),
    I(header_timeout_s, 15, 1, 3600,
      "请求行和请求头须在此时间（秒）内到达，无论发送多慢（长连接等待下一个请求也以此为限）"),
    I(body_min_rate, 512, 0, 1048576, "请求内容须保持的最低速率（字节/秒，10 秒后起算）；0 = 不限"),
    I(idle_timeout_s, 30, 1, 3600, "空闲或停滞的连接在此时间（秒）后关闭"),
    I(max_header_kb, 32, 4, 1024, "请求行和请求头的最大大小（KB）"),
    I(json_limit_kb, 1024, 1, 65536, "JSON 请求内容的最大大小（KB）"),
    I(spool_kb, 1024, 1, 1048576, "超过此大小（KB）的请求内容暂存到 DATA/tmp，不放在内存"),
    I(shutdown_timeout_s, 10, 0, 600, "正常停止时等待进行中请求的最长时间（秒）"),
    I(job_lease_s, 60, 5, 86400, "领取的任务超过此时间（秒）无心跳即退回队列"),
    I(job_max_attempts, 5, 1, 100, "任务最多尝试次数，之后判为失败"),
    I(job_backoff_s, 10, 1, 86400, "首次重试的等待时间（秒），每次加倍"),
    I(job_keep_days, 30, 1, 3650, "已完成的任务保留天数"),
    S(backup_dir, "", false, "定时备份目录；留空：DATA/backups"),
    I(backup_keep, 7, 1, 1000, "保留的定时备份份数"),
    B(demo, "false", "新数据库时载入演示数据"),
    B(cookie_secure, "false", "会话 Cookie 加 Secure 标记；通过 HTTPS 提供服务时设为 true"),
    S(trusted_proxies, "", 0, "可信反向代理地址（逗号分隔），只采信它们的 X-Forwarded-For"),
    S(secret_key_file, "", 0, "字段加密（SM4）的 32 字节主密钥文件；留空：DATA/secret.key"),
    I(argon2_t, 2, 1, 20, "新密码哈希的 argon2id 迭代次数"),
    I(argon2_m_kb, 32768, 1024, 1048576, "新密码哈希的 argon2id 内存（KiB）"),
    I(argon2_p, 1, 1, 16, "新密码哈希的 argon2id 并行度"),
    B(fault_injection, "false",
      "仅测试用（ASan 构建）：响应 X-Zhendi-Fault 请求头，使请求的第 N 次数据库调用失败"),
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* the core table and the modules' tables (config_register) */
#define MAX_TABLES 32
static struct {
    const char *group;
    const copt_t *opts;
    size_t n;
} tables[MAX_TABLES] = {{"core", opts, NOPTS}};
static int ntables = 1;

/* Walks every option: for (it = 0; (o = next(&it));) */
static const copt_t *next(size_t *it)
{
    size_t k = *it;
    for (int t = 0; t < ntables; t++) {
        if (k < tables[t].n) {
            (*it)++;
            return &tables[t].opts[k];
        }
        k -= tables[t].n;
    }
    return NULL;
}

static const copt_t *find(const char *key, size_t keylen)
{
    size_t it = 0;
    for (const copt_t *o; (o = next(&it));) {
        if (strlen(o->key) != keylen)
            continue;
        bool eq = true;
        for (size_t j = 0; j < keylen; j++) {
            char c = key[j] == '-' ? '_' : (char)tolower((unsigned char)key[j]);
            if (c != o->key[j]) {
                eq = false;
                break;
            }
        }
        if (eq)
            return o;
    }
    return NULL;
}

int config_register(const char *group, const config_opt_t *o)
{
    size_t n = 0;
    while (o && o[n].key)
        n++;
    for (int t = 0; t < ntables; t++)
        if (tables[t].opts == o || !strcmp(tables[t].group, group))
            return 0; /* once per process */
    if (ntables == MAX_TABLES)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (find(o[i].key, strlen(o[i].key)) || !o[i].ptr)
            return -1;
    tables[ntables].group = group;
    tables[ntables].opts = o;
    tables[ntables++].n = n;
    return 0;
}

static void *target(const config_t *cfg, const copt_t *o)
{
    return o->ptr ? o->ptr : (char *)(uintptr_t)cfg + o->off;
}

static int set(config_t *cfg, const copt_t *o, const char *val, const char *src, char *err, size_t errlen)
{
    char *base = target(cfg, o);
    switch (o->type) {
    case CT_STR:
        if (strlen(val) >= o->size) {
            snprintf(err, errlen, "%s: value of %s is too long", src, o->key);
            return -1;
        }
        strcpy(base, val);
        return 0;
    case CT_INT: {
        int64_t v;
        if (!str_to_int64(val, &v) || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: %s must be an integer from %lld to %lld, got \"%s\"", src, o->key,
                     (long long)o->min, (long long)o->max, val);
            return -1;
        }
        *(int64_t *)(void *)base = v;
        return 0;
    }
    case CT_BOOL:
        if (!strcmp(val, "true") || !strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "on"))
            *(bool *)(void *)base = true;
        else if (!strcmp(val, "false") || !strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "off"))
            *(bool *)(void *)base = false;
        else {
            snprintf(err, errlen, "%s: %s must be true or false, got \"%s\"", src, o->key, val);
            return -1;
        }
        return 0;
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int load_file(config_t *cfg, const char *path, bool must_exist, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096], src[1200];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        snprintf(src, sizeof src, "%s:%d", path, lineno);
        if (!eq) {
            snprintf(err, errlen, "%s: expected key = value", src);
            rc = -1;
            break;
        }
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = 0;
            v++;
        }
        const copt_t *o = find(k, strlen(k));
        if (!o || !strcmp(o->key, "config")) {
            snprintf(err, errlen, "%s: unknown setting \"%s\"", src, k);
            rc = -1;
            break;
        }
        if (set(cfg, o, v, src, err, errlen) != 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

int config_load(config_t *cfg, int argc, char **argv, char **pos, int max_pos, int *npos, bool pass_unknown,
                char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    *npos = 0;
    size_t it = 0;
    for (const copt_t *o; (o = next(&it));)
        if (set(cfg, o, o->def, "default", err, errlen) != 0)
            return -1;

    /* Flags are parsed first into a list so that --config and --data are
     * known before the file is read; they are applied last. */
    const copt_t *fl_opt[128];
    const char *fl_val[128];
    int nfl = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
            if (*npos >= max_pos) {
                snprintf(err, errlen, "unexpected argument \"%s\"", a);
                return -1;
            }
            pos[(*npos)++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const copt_t *o = find(name, nlen);
        if (!o && pass_unknown && *npos < max_pos) {
            pos[(*npos)++] = a; /* a subcommand's own option */
            continue;
        }
        if (!o) {
            snprintf(err, errlen, "unknown option --%.*s", (int)nlen, name);
            return -1;
        }
        const char *val;
        if (eq)
            val = eq + 1;
        else if (o->type == CT_BOOL)
            val = "true";
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            snprintf(err, errlen, "option --%s needs a value", o->key);
            return -1;
        }
        if (nfl >= 128) {
            snprintf(err, errlen, "too many options");
            return -1;
        }
        fl_opt[nfl] = o;
        fl_val[nfl++] = val;
    }

    /* where is the config file? flag > env > DATA/zhendi.conf */
    const char *cfile = getenv("ZHENDI_CONFIG");
    const char *data = getenv("ZHENDI_DATA");
    for (int i = 0; i < nfl; i++) {
        if (!strcmp(fl_opt[i]->key, "config"))
            cfile = fl_val[i];
        if (!strcmp(fl_opt[i]->key, "data"))
            data = fl_val[i];
    }
    char defpath[1100];
    if (cfile && *cfile) {
        if (load_file(cfg, cfile, true, err, errlen) != 0)
            return -1;
        str_lcpy(cfg->config, cfile, sizeof cfg->config);
    } else {
        snprintf(defpath, sizeof defpath, "%s/zhendi.conf", data && *data ? data : cfg->data);
        FILE *f = fopen(defpath, "r");
        if (f) {
            fclose(f);
            if (load_file(cfg, defpath, true, err, errlen) != 0)
                return -1;
            str_lcpy(cfg->config, defpath, sizeof cfg->config);
        }
    }

    it = 0;
    for (const copt_t *o; (o = next(&it));) {
        char env[80] = "ZHENDI_", src[100];
        size_t j = 0;
        for (; o->key[j] && 7 + j < sizeof env - 1; j++)
            env[7 + j] = (char)toupper((unsigned char)o->key[j]);
        env[7 + j] = 0;
        const char *v = getenv(env);
        snprintf(src, sizeof src, "environment %s", env);
        if (v && strcmp(o->key, "config") != 0 && set(cfg, o, v, src, err, errlen) != 0)
            return -1;
    }
    for (int i = 0; i < nfl; i++) {
        char src[100];
        snprintf(src, sizeof src, "option --%s", fl_opt[i]->key);
        if (set(cfg, fl_opt[i], fl_val[i], src, err, errlen) != 0)
            return -1;
    }

    /* cross-field checks */
    const char *colon = strrchr(cfg->listen, ':');
    int64_t port;
    if (!colon || !str_to_int64(colon + 1, &port) || port < 0 || port > 65535) {
        snprintf(err, errlen, "listen must be HOST:PORT, got \"%s\"", cfg->listen);
        return -1;
    }
    if (!cfg->data[0]) {
        snprintf(err, errlen, "data directory must not be empty");
        return -1;
    }
    static const char *levels[] = {"debug", "info", "warn", "error"};
    bool lvl_ok = false;
    for (int i = 0; i < 4; i++)
        lvl_ok |= !strcmp(cfg->log_level, levels[i]);
    if (!lvl_ok) {
        snprintf(err, errlen, "log_level must be debug, info, warn or error, got \"%s\"", cfg->log_level);
        return -1;
    }
    return 0;
}

/* postgresql://user:secret@host/db → postgresql://user:***@host/db */
static void mask_url(const char *in, char *out, size_t outsz)
{
    const char *scheme = strstr(in, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!colon) {
        str_lcpy(out, in, outsz);
        /* key=value form: mask password=... */
        char *p = strstr(out, "password=");
        if (p)
            for (p += 9; *p && *p != ' '; p++)
                *p = '*';
        return;
    }
    snprintf(out, outsz, "%.*s***%s", (int)(colon + 1 - in), in, at);
}

void config_dump(const config_t *cfg, sbuf_t *out)
{
    size_t it = 0;
    const char *group = "core";
    for (const copt_t *o; (o = next(&it));) {
        const char *base = target(cfg, o);
        for (int t = 1; t < ntables; t++)
            if (o == tables[t].opts && strcmp(group, tables[t].group) != 0) {
                group = tables[t].group;
                sbuf_printf(out, "\n# ---- 模块 %s ----\n", group);
            }
        sbuf_printf(out, "# %s\n%s = ", o->help, o->key);
        switch (o->type) {
        case CT_STR:
            if (o->secret == 2) {
                sbuf_printf(out, "\"%s\"\n", *base ? "***" : "");
            } else if (o->secret) {
                char m[1100];
                mask_url(base, m, sizeof m);
                sbuf_printf(out, "\"%s\"\n", m);
            } else {
                sbuf_printf(out, "\"%s\"\n", base);
            }
            break;
        case CT_INT: sbuf_printf(out, "%lld\n", (long long)*(const int64_t *)(const void *)base); break;
        case CT_BOOL: sbuf_printf(out, "%s\n", *(const bool *)(const void *)base ? "true" : "false"); break;
        }
    }
}

/* A path setting: its value, or DATA/<name> when empty. */
static void in_data(const config_t *cfg, const char *value, const char *name, char *out, size_t outsz)
{
    if (value && value[0])
        str_lcpy(out, value, outsz);
    else
        snprintf(out, outsz, "%s/%s", cfg->data, name);
}

void config_db_url(const config_t *cfg, char *out, size_t outsz)
{
    in_data(cfg, cfg->db, "zhendi.db", out, outsz);
}
void config_secret_key_file(const config_t *cfg, char *out, size_t outsz)
{
    in_data(cfg, cfg->secret_key_file, "secret.key", out, outsz);
}
void config_backup_dir(const config_t *cfg, char *out, size_t outsz)
{
    in_data(cfg, cfg->backup_dir, "backups", out, outsz);
}
void config_tmp_dir(const config_t *cfg, char *out, size_t outsz) { in_data(cfg, NULL, "tmp", out, outsz); }
