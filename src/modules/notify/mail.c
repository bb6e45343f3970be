/* mail.c — the "notify.mail" job: the e-mail copy of one message, sent with
 * libcurl's SMTP client (settings notify_smtp_*).
 *
 * The payload names the message ({"notification_id":N}), never the address:
 * the recipient's current address is looked up when the job runs, so the
 * queue (which operators can read) holds no e-mail addresses. The message
 * is RFC 5322 with a UTF-8 plain-text body in base64 and an RFC 2047
 * encoded subject. A failure fails the attempt with the server's reason and
 * the job system retries it with backoff; a message already mailed (a crash
 * between sending and recording) is not sent twice once recorded. */
#include "core/crypto.h"
#include "core/curldl.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/identity/identity.h"
#include "modules/notify/internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- building the message ---- */

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static bool header_safe(const char *s) { return !strpbrk(s, "\r\n"); }

/* s as RFC 2047 encoded words ("=?UTF-8?B?…?="), each at most 75
 * characters and holding whole characters, folded onto continuation lines. */
static void encoded_words(sbuf_t *b, const char *s)
{
    size_t n = strlen(s), off = 0;
    bool first = true;
    while (off < n || first) {
        /* whole characters, at most 45 bytes: 60 base64 characters + 12 of framing = 72 */
        size_t bytes = 0;
        while (off + bytes < n) {
            uint32_t cp;
            size_t l = utf8_decode(s + off + bytes, n - off - bytes, &cp);
            if (!l)
                l = 1; /* not UTF-8 (titles are checked): never loop forever */
            if (bytes + l > 45)
                break;
            bytes += l;
        }
        char *enc = crypto_base64((const unsigned char *)s + off, bytes);
        sbuf_printf(b, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", enc ? enc : "");
        free(enc);
        off += bytes;
        first = false;
    }
}

/* The address inside "name <addr>" (or the whole of a bare address) into
 * addr, and the display name into name (may be ""). */
static void split_from(const char *from, char *name, size_t namesz, char *addr, size_t addrsz)
{
    const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    name[0] = 0;
    if (!lt || !gt) {
        str_lcpy(addr, from, addrsz);
        return;
    }
    size_t al = (size_t)(gt - lt - 1);
    snprintf(addr, addrsz, "%.*s", (int)al, lt + 1);
    const char *p = from, *e = lt;
    while (p < e && (*p == ' ' || *p == '"'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '"'))
        e--;
    snprintf(name, namesz, "%.*s", (int)(e - p), p);
}

static void rfc5322_date(sbuf_t *b, int64_t ms)
{
    static const char *const DAY[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sbuf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", DAY[tm.tm_wday], tm.tm_mday, MON[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

typedef struct {
    int64_t id, user_id, created_at, mailed_at, deleted_at;
    char *kind, *title, *body, *link;
} note_t;

static void note_free(note_t *n)
{
    free(n->kind);
    free(n->title);
    free(n->body);
    free(n->link);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* 1 found, 0 none, -1 */
static int note_load(db_conn_t *c, int64_t id, note_t *n)
{
    memset(n, 0, sizeof *n);
    db_stmt_t *st =
        db_prepare(c, "SELECT user_id, kind, title, body, link, created_at, mailed_at, deleted_at "
                      "FROM notifications WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        n->id = id;
        n->user_id = db_col_int64(st, 0);
        n->kind = dup_or_null(db_col_text(st, 1));
        n->title = dup_or_null(db_col_text(st, 2));
        n->body = dup_or_null(db_col_text(st, 3));
        n->link = dup_or_null(db_col_text(st, 4));
        n->created_at = db_col_int64(st, 5);
        n->mailed_at = db_col_int64(st, 6);
        n->deleted_at = db_col_int64(st, 7);
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* The whole message (headers and base64 body) into b. */
static void build(sbuf_t *b, const note_t *n, const char *to, const char *from_name, const char *from_addr)
{
    const char *at = strrchr(from_addr, '@');
    char rnd[17];
    crypto_random_hex(8, rnd);
    sbuf_puts(b, "Date: ");
    rfc5322_date(b, time_now_ms());
    sbuf_puts(b, "\r\nFrom: ");
    if (from_name[0] && ascii_only(from_name))
        sbuf_printf(b, "\"%s\" ", from_name);
    else if (from_name[0]) {
        encoded_words(b, from_name);
        sbuf_puts(b, " ");
    }
    sbuf_printf(b, "<%s>\r\nTo: <%s>\r\nSubject: ", from_addr, to);
    encoded_words(b, n->title);
    sbuf_printf(b,
                "\r\nMessage-ID: <notify.%lld.%s@%s>\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"
                "Auto-Submitted: auto-generated\r\n\r\n",
                (long long)n->id, rnd, at && at[1] ? at + 1 : "zhendi.localhost");
    sbuf_t text;
    sbuf_init(&text);
    const char *kind = notify_kind_title(n->kind);
    sbuf_printf(&text, "%s\r\n\r\n", n->title);
    if (n->body && n->body[0]) {
        for (const char *p = n->body; *p; p++) /* CRLF line ends */
            if (*p == '\n')
                sbuf_puts(&text, "\r\n");
            else if (*p != '\r')
                sbuf_putc(&text, *p);
        sbuf_puts(&text, "\r\n\r\n");
    }
    sbuf_printf(&text, "类型：%s\r\n", kind ? kind : n->kind);
    if (n->link)
        sbuf_printf(&text, "查看详情：%s%s\r\n", notify_cfg.console_url, n->link);
    sbuf_puts(&text, "\r\n--\r\n此邮件由阵地管理平台自动发送，请勿直接回复。\r\n");
    char *enc = crypto_base64((const unsigned char *)text.data, text.len);
    sbuf_free(&text);
    for (size_t i = 0, len = enc ? strlen(enc) : 0; i < len; i += 76)
        sbuf_printf(b, "%.76s\r\n", enc + i);
    free(enc);
}

/* ---- sending ---- */

typedef struct {
    const char *data;
    size_t len, off;
} upload_t;

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    upload_t *u = ud;
    size_t n = size * nitems, left = u->len - u->off;
    if (n > left)
        n = left;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

/* 0 sent, else -1 with the reason in err */
static int smtp_send(const char *to, const char *from_addr, const sbuf_t *msg, char *err, size_t errlen)
{
    pthread_once(&g_once, curl_init);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char mail_from[300], rcpt[300], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(mail_from, sizeof mail_from, "<%s>", from_addr);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    upload_t up = {msg->data, msg->len, 0};
    curl_easy_setopt(h, CURLOPT_URL, notify_cfg.smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)notify_cfg.smtp_timeout_s);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                     notify_cfg.smtp_timeout_s < 10 ? (long)notify_cfg.smtp_timeout_s : 10L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
    if (notify_cfg.smtp_starttls)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, notify_cfg.smtp_verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, notify_cfg.smtp_verify_tls ? 2L : 0L);
    if (notify_cfg.smtp_user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, notify_cfg.smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, notify_cfg.smtp_password);
    }
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK)
        snprintf(err, errlen, "%s%s%s (SMTP %ld)", curl_easy_strerror(cc), errbuf[0] ? ": " : "", errbuf,
                 code);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(h);
    return cc == CURLE_OK ? 0 : -1;
}

/* "z***@example.org": the result shows where it went without the address */
static void mask(const char *email, char *out, size_t outsz)
{
    const char *at = strchr(email, '@');
    snprintf(out, outsz, "%.1s***%s", email, at ? at : "");
}

int notify_job_mail(job_ctx_t *ctx)
{
    int64_t id = jint(job_payload(ctx), "notification_id", 0);
    if (id <= 0) {
        job_error(ctx, "payload without notification_id");
        return JOB_FATAL;
    }
    if (!notify_cfg.smtp_url[0]) {
        job_result(ctx, json_pack("{s:s}", "skipped", "notify_smtp_url is not set"));
        return JOB_OK;
    }
    char from_name[200], from_addr[256];
    split_from(notify_cfg.smtp_from, from_name, sizeof from_name, from_addr, sizeof from_addr);
    if (!strchr(from_addr, '@') || !header_safe(notify_cfg.smtp_from) || strpbrk(from_addr, "<> ")) {
        job_error(ctx, "notify_smtp_from is not a mail address: \"%s\"", notify_cfg.smtp_from);
        return JOB_FATAL;
    }
    db_conn_t *c = db_acquire(job_db(ctx));
    if (!c) {
        job_error(ctx, "no database connection");
        return JOB_RETRY;
    }
    int ret = JOB_RETRY;
    note_t n;
    identity_user_brief_t u;
    int rc = note_load(c, id, &n);
    if (rc < 0 || (rc == 1 && identity_user_brief(c, n.user_id, &u) < 0)) {
        job_error(ctx, "%s", db_errmsg(c));
        goto out;
    }
    const char *skip = rc == 0                                            ? "message not found"
                       : n.mailed_at                                      ? "already mailed"
                       : n.deleted_at                                     ? "message deleted by its recipient"
                       : !u.active                                        ? "recipient disabled"
                       : !u.email[0]                                      ? "recipient has no e-mail address"
                       : !header_safe(u.email) || strpbrk(u.email, "<> ") ? "recipient's address is malformed"
                                                                          : NULL;
    if (skip) {
        job_result(ctx, json_pack("{s:s}", "skipped", skip));
        ret = JOB_OK;
        goto out;
    }
    sbuf_t msg;
    sbuf_init(&msg);
    build(&msg, &n, u.email, from_name, from_addr);
    /* no connection is held while the server talks */
    db_release(c);
    c = NULL;
    char err[CURL_ERROR_SIZE + 120];
    rc = smtp_send(u.email, from_addr, &msg, err, sizeof err);
    size_t bytes = msg.len;
    sbuf_free(&msg);
    if (rc != 0) {
        job_error(ctx, "SMTP: %s", err);
        goto out;
    }
    char to[300];
    mask(u.email, to, sizeof to);
    c = db_acquire(job_db(ctx));
    db_stmt_t *st = c ? db_prepare(c, "UPDATE notifications SET mailed_at = ? WHERE id = ?") : NULL;
    if (st) {
        db_bind_int64(st, 1, time_now_ms());
        db_bind_int64(st, 2, id);
        db_step(st);
    }
    db_done(st);
    job_items(ctx, 1);
    job_result(ctx, json_pack("{s:s,s:I}", "to", to, "bytes", (json_int_t)bytes));
    ret = JOB_OK;
out:
    note_free(&n);
    db_release(c);
    return ret;
}
