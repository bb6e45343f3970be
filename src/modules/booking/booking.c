/* booking.c — booking of sessions with a guaranteed capacity, shared by the
 * lecture hall and the course matrix (booking.h).
 *
 * Capacity is the database's to guarantee, on both backends: a booking
 * takes its seat with the guarded UPDATE <sessions> SET booked = booked + 1
 * WHERE id = ? AND booked < capacity in the same transaction as its INSERT.
 * On PostgreSQL concurrent UPDATEs of the row queue on its lock and each
 * re-reads booked when it gets it; SQLite's writers take turns (BEGIN
 * IMMEDIATE). The table's CHECK (booked <= capacity) stays the last line,
 * and the partial unique index on (session_id, user_id) refuses a second
 * live booking of one member for one session. A freed seat (cancellation,
 * rejection) moves the first of the waiting list up in the same
 * transaction (booking_promote).
 *
 * The table and column names spliced into the SQL are the kinds' constants,
 * never input; every value is bound. */
#include "modules/booking/booking.h"
#include "auth/resource.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "http/valid.h"
#include "modules/notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_STATES "('pending', 'confirmed', 'waitlisted', 'attended')"

const char *booking_fmt_time(int64_t ms, char *buf, size_t n)
{
    char iso[40];
    time_iso8601(ms, iso, sizeof iso);
    snprintf(buf, n, "%.10s %.5s", iso, iso + 11);
    return buf;
}

bool booking_can_cancel(const char *status, int64_t starts_ms)
{
    bool live = status &&
                (!strcmp(status, "pending") || !strcmp(status, "confirmed") || !strcmp(status, "waitlisted"));
    return live && time_now_ms() < starts_ms;
}

/* runs sql with two bound integers: rows changed, or -1 */
static int exec2(db_conn_t *c, const char *sql, int64_t a, int64_t b)
{
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, a);
    db_bind_int64(st, 2, b);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? (int)db_changes(c) : -1;
}

/* ---- booking ---- */

int64_t booking_book(http_req_t *req, db_conn_t *c, const booking_kind_t *k, int64_t sid, const char **status)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT s.%s, s.starts_at, p.needs_approval, p.waitlist FROM %s s JOIN %s p ON p.id = s.%s "
             "WHERE s.id = ? AND s.deleted_at IS NULL",
             k->parent_col, k->sessions, k->parents, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    int64_t parent = 0, starts = 0;
    bool approval = false, waitlist = false;
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, sid);
        rc = db_step(st);
        if (rc == DB_ROW) {
            parent = db_col_int64(st, 0);
            starts = db_col_int64(st, 1);
            approval = db_col_int64(st, 2) != 0;
            waitlist = db_col_int64(st, 3) != 0;
        }
    }
    db_done(st);
    if (rc == DB_DONE) {
        http_error(req, 404, "not_found", "场次不存在");
        return 0;
    }
    if (rc != DB_ROW) {
        http_db_error(req, c);
        return 0;
    }
    int64_t now = time_now_ms(), me = http_user_id(req);
    if (starts <= now) {
        http_error(req, 409, "conflict", "该场次已开始，不能预约");
        return 0;
    }
    /* the friendly answer; the unique index is the guarantee */
    snprintf(sql, sizeof sql,
             "SELECT status FROM %s WHERE session_id = ? AND user_id = ? AND status IN " LIVE_STATES,
             k->bookings);
    st = db_prepare(c, sql);
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, sid);
        db_bind_int64(st, 2, me);
        rc = db_step(st);
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return 0;
    }
    if (rc == DB_ROW) {
        http_error(req, 409, "already_booked", "您已预约该场次");
        return 0;
    }
    /* take a seat: the guarded update is the capacity's guarantee */
    snprintf(sql, sizeof sql,
             "UPDATE %s SET booked = booked + 1, updated_at = ? WHERE id = ? AND booked < capacity AND "
             "deleted_at IS NULL",
             k->sessions);
    int got = exec2(c, sql, now, sid);
    *status = approval ? "pending" : "confirmed";
    if (got == 0 && waitlist) {
        snprintf(sql, sizeof sql, "UPDATE %s SET waiting = waiting + 1, updated_at = ? WHERE id = ?",
                 k->sessions);
        got = exec2(c, sql, now, sid);
        *status = "waitlisted";
    } else if (got == 0) {
        http_error(req, 409, "full", "该场次名额已满");
        return 0;
    }
    if (got != 1) {
        http_db_error(req, c);
        return 0;
    }
    /* with the session's row held: a parent cancelled while this request
     * waited for it is seen now (each statement reads what is committed) */
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s p WHERE p.id = ? AND %s", k->parents, k->parent_live);
    st = db_prepare(c, sql);
    rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, parent);
        rc = db_step(st);
    }
    db_done(st);
    if (rc != DB_ROW) {
        if (rc == DB_DONE)
            http_error(req, 409, "conflict", "%s已取消或下线", k->noun);
        else
            http_db_error(req, c);
        return 0;
    }
    int64_t id = 0;
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (session_id, %s, user_id, org_id, status, created_at, updated_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
             k->bookings, k->parent_col);
    st = db_prepare(c, sql);
    if (st) {
        db_bind_int64(st, 1, sid);
        db_bind_int64(st, 2, parent);
        db_bind_int64(st, 3, me);
        db_bind_int64(st, 4, http_user_org(req));
        db_bind_text(st, 5, *status);
        db_bind_int64(st, 6, now);
        db_bind_int64(st, 7, now);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    if (id <= 0)
        http_db_error(req, c); /* a second booking at the same moment: 409 from the unique index */
    return id;
}

/* ---- the waiting list ---- */

int booking_promote(db_conn_t *c, const booking_kind_t *k, int64_t sid)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT b.id, b.user_id, p.needs_approval, p.title, s.starts_at, p.org_id FROM %s b "
             "JOIN %s s ON s.id = b.session_id JOIN %s p ON p.id = b.%s "
             "WHERE b.session_id = ? AND b.status = 'waitlisted' AND s.booked < s.capacity "
             "ORDER BY b.id LIMIT 1",
             k->bookings, k->sessions, k->parents, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, sid);
    int rc = db_step(st);
    int64_t booking = 0, user = 0, org = 0, starts = 0;
    bool approval = false;
    char title[512] = "";
    if (rc == DB_ROW) {
        booking = db_col_int64(st, 0);
        user = db_col_int64(st, 1);
        approval = db_col_int64(st, 2) != 0;
        str_lcpy(title, db_col_text(st, 3), sizeof title);
        starts = db_col_int64(st, 4);
        org = db_col_int64(st, 5);
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1;
    int64_t now = time_now_ms();
    snprintf(sql, sizeof sql,
             "UPDATE %s SET booked = booked + 1, waiting = waiting - 1, updated_at = ? "
             "WHERE id = ? AND booked < capacity AND waiting > 0",
             k->sessions);
    int n = exec2(c, sql, now, sid);
    if (n < 0)
        return -1;
    if (n != 1)
        return 0;
    snprintf(sql, sizeof sql,
             "UPDATE %s SET status = ?, updated_at = ? WHERE id = ? AND status = 'waitlisted'", k->bookings);
    st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_text(st, 1, approval ? "pending" : "confirmed");
    db_bind_int64(st, 2, now);
    db_bind_int64(st, 3, booking);
    rc = db_step(st);
    db_done(st);
    if (rc != DB_DONE || db_changes(c) != 1)
        return -1;
    char msg[640], at[32];
    snprintf(msg, sizeof msg, "候补成功：《%.*s》%s 场次%s", (int)utf8_prefix(title, strlen(title), 80),
             title, booking_fmt_time(starts, at, sizeof at), approval ? "，等待主办方审核" : "，预约已确认");
    notify_msg_t m = {
        .user_id = user, .kind = k->notify_kind, .title = msg, .link = "/m/bookings", .org_id = org};
    return notify_user(c, &m) == 0 ? 1 : -1;
}

/* ---- release and decision ---- */

/* the session's row for the transaction: every path takes it before a
 * booking's row */
static bool lock_session(http_req_t *req, db_conn_t *c, const booking_kind_t *k, int64_t sid)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ?" FOR_UPDATE_CLAUSE, k->sessions);
    db_stmt_t *st = db_prepare(c, sql);
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, sid);
        rc = db_step(st);
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

bool booking_release(http_req_t *req, db_conn_t *c, const booking_kind_t *k, json_t *before, const char *to,
                     const char *from_sql, const char *opinion)
{
    int64_t id = jint(before, "id", 0), sid = jint(before, "session_id", 0), now = time_now_ms();
    bool waiting = !strcmp(jstr(before, "status"), "waitlisted");
    /* the session's row first, as a booking and the waiting list's move-up
     * take it: one lock order (session, then booking), no deadlock between a
     * waiter leaving the list and a freed seat moving the list up */
    if (!lock_session(req, c, k, sid))
        return false;
    qb_t q;
    char head[96];
    snprintf(head, sizeof head, "UPDATE %s SET status = ", k->bookings);
    qb_init(&q, head);
    qb_text(&q, to);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    if (!strcmp(to, "cancelled")) {
        qb_sql(&q, ", cancelled_at = ");
        qb_int(&q, now);
    } else {
        qb_sql(&q, ", decided_at = ");
        qb_int(&q, now);
        qb_sql(&q, ", decided_by = ");
        qb_int(&q, http_user_id(req));
        qb_sql(&q, ", opinion = ");
        qb_text(&q, opinion);
    }
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, from_sql);
    if (!res_transition(req, c, &q, "预约状态已变化，请刷新"))
        return false;
    char sql[200];
    snprintf(sql, sizeof sql,
             waiting ? "UPDATE %s SET waiting = waiting - 1, updated_at = ? WHERE id = ? AND waiting > 0"
                     : "UPDATE %s SET booked = booked - 1, updated_at = ? WHERE id = ? AND booked > 0",
             k->sessions);
    int n = exec2(c, sql, now, sid);
    if (n != 1 || (!waiting && booking_promote(c, k, sid) < 0)) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

bool booking_decide(http_req_t *req, db_conn_t *c, const booking_kind_t *k, json_t *before, bool approve,
                    const char *opinion, const char *title)
{
    int64_t id = jint(before, "id", 0);
    if (approve) {
        int64_t now = time_now_ms();
        char head[96];
        snprintf(head, sizeof head, "UPDATE %s SET status = 'confirmed', opinion = ", k->bookings);
        qb_t q;
        qb_init(&q, head);
        qb_text(&q, opinion);
        qb_sql(&q, ", decided_by = ");
        qb_int(&q, http_user_id(req));
        qb_sql(&q, ", decided_at = ");
        qb_int(&q, now);
        qb_sql(&q, ", updated_at = ");
        qb_int(&q, now);
        qb_sql(&q, " WHERE id = ");
        qb_int(&q, id);
        qb_sql(&q, " AND status = 'pending'");
        if (!res_transition(req, c, &q, "只有待审核的预约可以审核"))
            return false;
    } else if (strcmp(jstr(before, "status"), "pending")) {
        http_error(req, 409, "conflict", "只有待审核的预约可以审核");
        return false;
    } else if (!booking_release(req, c, k, before, "rejected", " AND status = 'pending'", opinion))
        return false;
    const char *t = title ? title : "";
    char msg[640], at[32];
    int64_t starts = 0;
    time_parse_iso8601(jstr(before, "starts_at"), &starts);
    snprintf(msg, sizeof msg, "%s预约%s：《%.*s》%s 场次", k->noun, approve ? "已通过" : "未通过",
             (int)utf8_prefix(t, strlen(t), 80), t, booking_fmt_time(starts, at, sizeof at));
    notify_msg_t m = {.user_id = jint(before, "user_id", 0),
                      .kind = k->notify_kind,
                      .title = msg,
                      .body = opinion,
                      .link = "/m/bookings",
                      .created_by = http_user_id(req)};
    if (notify_user(c, &m) != 0) {
        http_db_error(req, c);
        return false;
    }
    return true;
}

/* ---- check-in ---- */

static void token_mac(const booking_kind_t *k, int64_t sid, char mac[33])
{
    char data[96], full[65];
    int n = snprintf(data, sizeof data, "%s.checkin:%lld", k->kind, (long long)sid);
    crypto_ticket_mac_hex(data, (size_t)n, full);
    memcpy(mac, full, 32);
    mac[32] = 0;
}

void booking_checkin_token(const booking_kind_t *k, int64_t sid, char *out, size_t n)
{
    char mac[33];
    token_mac(k, sid, mac);
    snprintf(out, n, "%lld.%s", (long long)sid, mac);
}

int64_t booking_checkin_session(const booking_kind_t *k, const char *token)
{
    if (!token)
        return 0;
    char *end = NULL;
    long long id = strtoll(token, &end, 10);
    if (id <= 0 || !end || *end != '.' || strlen(end + 1) != 32)
        return 0;
    char mac[33];
    token_mac(k, id, mac);
    unsigned diff = 0;
    for (int i = 0; i < 32; i++)
        diff |= (unsigned)(mac[i] ^ end[1 + i]);
    return diff ? 0 : (int64_t)id;
}

int64_t booking_checkin(http_req_t *req, db_conn_t *c, const booking_kind_t *k, const char *token,
                        bool *again)
{
    *again = false;
    int64_t sid = booking_checkin_session(k, token);
    if (!sid) {
        http_error(req, 404, "not_found", "签到码无效");
        return 0;
    }
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT b.id, b.status, s.starts_at, s.ends_at FROM %s b JOIN %s s ON s.id = b.session_id "
             "JOIN %s p ON p.id = b.%s WHERE b.session_id = ? AND b.user_id = ? AND b.status IN " LIVE_STATES
             " AND s.deleted_at IS NULL AND %s",
             k->bookings, k->sessions, k->parents, k->parent_col, k->parent_live);
    db_stmt_t *st = db_prepare(c, sql);
    int64_t id = 0, starts = 0, ends = 0;
    char status[16] = "";
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, sid);
        db_bind_int64(st, 2, http_user_id(req));
        rc = db_step(st);
        if (rc == DB_ROW) {
            id = db_col_int64(st, 0);
            str_lcpy(status, db_col_text(st, 1), sizeof status);
            starts = db_col_int64(st, 2);
            ends = db_col_int64(st, 3);
        }
    }
    db_done(st);
    if (rc == DB_ERROR) {
        http_db_error(req, c);
        return 0;
    }
    if (rc != DB_ROW) {
        http_error(req, 404, "not_booked", "您没有预约该场次，不能签到");
        return 0;
    }
    if (!strcmp(status, "pending") || !strcmp(status, "waitlisted")) {
        http_error(req, 409, "not_confirmed", "您的预约尚未确认，不能签到");
        return 0;
    }
    int64_t now = time_now_ms();
    if (now < starts - BOOKING_CHECKIN_MARGIN_MS || now > ends + BOOKING_CHECKIN_MARGIN_MS) {
        char a[32], b[32];
        http_error(req, 409, "not_open", "签到时间为开场前 30 分钟至散场后 30 分钟（%s 至 %s）",
                   booking_fmt_time(starts, a, sizeof a), booking_fmt_time(ends, b, sizeof b));
        return 0;
    }
    *again = !strcmp(status, "attended");
    return id;
}

bool booking_attend(http_req_t *req, db_conn_t *c, const booking_kind_t *k, int64_t id)
{
    int64_t now = time_now_ms();
    char head[96];
    snprintf(head, sizeof head, "UPDATE %s SET status = 'attended', attended_at = ", k->bookings);
    qb_t q;
    qb_init(&q, head);
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id = ");
    qb_int(&q, id);
    qb_sql(&q, " AND status = 'confirmed'");
    return res_transition(req, c, &q, "预约状态已变化，请刷新");
}

/* ---- calling off (a cancelled lecture, a called-off session) ---- */

int booking_call_off(db_conn_t *c, const booking_kind_t *k, int64_t parent_id, int64_t session_id,
                     const char *notify_kind, const char *title, const char *reason, int64_t org_id,
                     int64_t actor)
{
    const char *col = session_id ? "session_id" : k->parent_col;
    int64_t key = session_id ? session_id : parent_id, now = time_now_ms();
    char sql[400];
    /* who is to be told: each member once */
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT user_id FROM %s WHERE %s = ? AND status IN ('pending', 'confirmed', "
             "'waitlisted') ORDER BY user_id",
             k->bookings, col);
    db_stmt_t *st = db_prepare(c, sql);
    json_t *users = json_array();
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, key);
        while ((rc = db_step(st)) == DB_ROW)
            json_array_append_new(users, json_integer(db_col_int64(st, 0)));
    }
    db_done(st);
    /* every live booking goes, and with them the seats and the waiting lists */
    for (int i = 0; i < 2 && rc == DB_DONE; i++) {
        if (i == 0)
            snprintf(sql, sizeof sql, "UPDATE %s SET booked = 0, waiting = 0, updated_at = ? WHERE %s = ?",
                     k->sessions, session_id ? "id" : k->parent_col);
        else
            snprintf(sql, sizeof sql,
                     "UPDATE %s SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE %s = ? AND "
                     "status IN ('pending', 'confirmed', 'waitlisted')",
                     k->bookings, col);
        st = db_prepare(c, sql);
        rc = DB_ERROR;
        if (st) {
            int n = 1;
            if (i == 1)
                db_bind_int64(st, n++, now);
            db_bind_int64(st, n++, now);
            db_bind_int64(st, n, key);
            rc = db_step(st);
        }
        db_done(st);
    }
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        if (rc != DB_DONE)
            break;
        notify_msg_t m = {.user_id = json_integer_value(u),
                          .kind = notify_kind,
                          .title = title,
                          .body = reason,
                          .link = "/m/bookings",
                          .org_id = org_id,
                          .created_by = actor};
        if (notify_user(c, &m) != 0)
            rc = DB_ERROR;
    }
    int told = (int)json_array_size(users);
    json_decref(users);
    return rc == DB_DONE ? told : -1;
}
