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
#include "core/jsonutil.h"
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

bool booking_answer(http_req_t *req, db_conn_t *c, const audit_entry_t *e, json_t *body)
{
    if (audit_write(c, req, e) != 0) {
        json_decref(body);
        http_db_error(req, c);
        return false;
    }
    http_json(req, 201, body);
    return true;
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

/* ---- revision (修订) of a published parent's sessions ---- */

#define SESSION_MAX_MS (24 * 3600000LL)

static const vfield_t REVISED_SESSION[] = {
    {"starts_at", V_TIME, true, .title = "开始时间（须晚于现在）"},
    {"ends_at", V_TIME, true, .title = "结束时间（晚于开始，最长 24 小时）"},
    {"capacity", V_INT, true, 1, 100000, .title = "名额"},
    {"place", V_STR, true, 1, 200, .title = "地点"},
};

static int64_t time_of(json_t *o, const char *key)
{
    const char *s = jstr(o, key);
    int64_t ms = 0;
    return s && time_parse_iso8601(s, &ms) ? ms : 0;
}

static json_t *session_by_id(json_t *sessions, int64_t sid)
{
    size_t i;
    json_t *s;
    json_array_foreach(sessions, i, s) if (jint(s, "id", 0) == sid) return s;
    return NULL;
}

static bool same_text(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }

json_t *booking_revise_sessions(http_req_t *req, const booking_kind_t *k, json_t *have, json_t *given,
                                size_t max, json_t *fields)
{
    json_t *out = json_array(), *s;
    size_t i, added = 0, nf = k->session_place ? VN(REVISED_SESSION) : VN(REVISED_SESSION) - 1;
    int64_t now = time_now_ms();
    json_array_foreach(given, i, s)
    {
        char key[48];
        snprintf(key, sizeof key, "sessions[%zu]", i);
        if (!json_is_object(s)) {
            json_object_set_new(fields, key,
                                json_string(k->session_place
                                                ? "须为对象 {id?, starts_at, ends_at, place, capacity}"
                                                : "须为对象 {id?, starts_at, ends_at, capacity}"));
            continue;
        }
        const char *why = NULL;
        for (size_t f = 0; f < nf && !why; f++) {
            why = valid_value(&REVISED_SESSION[f], json_object_get(s, REVISED_SESSION[f].name));
            if (why)
                snprintf(key, sizeof key, "sessions[%zu].%s", i, REVISED_SESSION[f].name);
        }
        int64_t sid = jint(s, "id", 0), starts = time_of(s, "starts_at"), ends = time_of(s, "ends_at"),
                cap = jint(s, "capacity", 0);
        json_t *old = sid ? session_by_id(have, sid) : NULL;
        if (!why && sid && !old) {
            snprintf(key, sizeof key, "sessions[%zu].id", i);
            why = http_printf(req, "不是本%s的场次", k->noun);
        }
        bool moved = !old || starts != time_of(old, "starts_at") || ends != time_of(old, "ends_at");
        bool placed = k->session_place && old && !same_text(jstr(s, "place"), jstr(old, "place"));
        if (!why && ends <= starts) {
            snprintf(key, sizeof key, "sessions[%zu].ends_at", i);
            why = "结束时间须晚于开始时间";
        } else if (!why && ends - starts > SESSION_MAX_MS) {
            snprintf(key, sizeof key, "sessions[%zu].ends_at", i);
            why = "一场最长 24 小时";
        } else if (!why && moved && old && time_of(old, "starts_at") <= now) {
            snprintf(key, sizeof key, "sessions[%zu].starts_at", i);
            why = "该场次已开始，时间不能再改";
        } else if (!why && moved && starts <= now) {
            snprintf(key, sizeof key, "sessions[%zu].starts_at", i);
            why = "开始时间须晚于现在";
        } else if (!why && placed && time_of(old, "starts_at") <= now) {
            snprintf(key, sizeof key, "sessions[%zu].place", i);
            why = "该场次已开始，地点不能再改";
        }
        if (!why && old && cap < jint(old, "booked", 0)) {
            snprintf(key, sizeof key, "sessions[%zu].capacity", i);
            why = http_printf(req, "名额不能少于已预约的 %lld 人", (long long)jint(old, "booked", 0));
        }
        if (why) {
            json_object_set_new(fields, key, json_string(why));
            continue;
        }
        if (old && !moved && !placed && cap == jint(old, "capacity", 0))
            continue; /* unchanged */
        added += !old;
        json_t *o = json_pack("{s:s,s:s,s:I}", "starts_at", jstr(s, "starts_at"), "ends_at",
                              jstr(s, "ends_at"), "capacity", (json_int_t)cap);
        if (k->session_place)
            json_object_set_new(o, "place", json_string(jstr(s, "place")));
        if (old)
            json_object_set_new(o, "id", json_integer(sid));
        json_array_append_new(out, o);
    }
    if (json_array_size(have) + added > max)
        json_object_set_new(fields, "sessions", json_sprintf("一个%s至多 %zu 场", k->noun, max));
    return out;
}

static const char *session_text(http_req_t *req, const booking_kind_t *k, json_t *s)
{
    char a[32], b[32];
    const char *t =
        http_printf(req, "%s 至 %s，名额 %lld", booking_fmt_time(time_of(s, "starts_at"), a, sizeof a),
                    booking_fmt_time(time_of(s, "ends_at"), b, sizeof b), (long long)jint(s, "capacity", 0));
    return k->session_place ? http_printf(req, "%s，%s", t, jstr(s, "place") ? jstr(s, "place") : "") : t;
}

void booking_sessions_diff(http_req_t *req, const booking_kind_t *k, json_t *have, json_t *changes,
                           json_t *diff)
{
    size_t i;
    json_t *s;
    json_array_foreach(changes, i, s)
    {
        json_t *old = session_by_id(have, jint(s, "id", 0));
        json_array_append_new(diff, json_pack("{s:s,s:s,s:o,s:s}", "field", "sessions", "title",
                                              old ? "场次" : "新增场次", "before",
                                              old ? json_string(session_text(req, k, old)) : json_null(),
                                              "after", session_text(req, k, s)));
    }
}

int booking_lock_sessions(db_conn_t *c, const booking_kind_t *k, int64_t parent_id)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ? ORDER BY id" FOR_UPDATE_CLAUSE, k->sessions,
             k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, parent_id);
        while ((rc = db_step(st)) == DB_ROW)
            ;
    }
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* The members with a live booking of session sid are told it changed. */
static int tell_session(db_conn_t *c, const booking_kind_t *k, const booking_revision_t *r, int64_t sid,
                        const char *body)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT user_id FROM %s WHERE session_id = ? AND status IN ('pending', 'confirmed', "
             "'waitlisted') ORDER BY user_id",
             k->bookings);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, sid);
    json_t *users = json_array(), *u;
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(users, json_integer(db_col_int64(st, 0)));
    db_done(st);
    size_t i;
    json_array_foreach(users, i, u)
    {
        notify_msg_t m = {.user_id = json_integer_value(u),
                          .kind = r->notify_kind,
                          .title = r->title,
                          .body = body,
                          .link = "/m/bookings",
                          .org_id = r->org_id,
                          .created_by = r->actor};
        if (rc == DB_DONE && notify_user(c, &m) != 0)
            rc = DB_ERROR;
    }
    json_decref(users);
    return rc == DB_DONE ? 0 : -1;
}

static int insert_session(db_conn_t *c, const booking_kind_t *k, int64_t parent, json_t *s, int64_t now)
{
    char sql[300];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO %s (%s, starts_at, ends_at, capacity, created_at, updated_at%s) VALUES (?, ?, ?, ?, "
        "?, ?%s)",
        k->sessions, k->parent_col, k->session_place ? ", place" : "", k->session_place ? ", ?" : "");
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, parent);
    db_bind_int64(st, 2, time_of(s, "starts_at"));
    db_bind_int64(st, 3, time_of(s, "ends_at"));
    db_bind_int64(st, 4, jint(s, "capacity", 1));
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, now);
    if (k->session_place)
        db_bind_text(st, 7, jstr(s, "place"));
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* One changed session: its old time and place, NULL when it left meanwhile. */
static int update_session(db_conn_t *c, const booking_kind_t *k, const booking_revision_t *r, json_t *s,
                          int64_t now, json_t **was, char *conflict, size_t n)
{
    int64_t sid = jint(s, "id", 0), cap = jint(s, "capacity", 1);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT booked, starts_at, ends_at%s FROM %s WHERE id = ? AND %s = ? AND deleted_at IS NULL",
             k->session_place ? ", place" : "", k->sessions, k->parent_col);
    db_stmt_t *st = db_prepare(c, sql);
    if (!st)
        return -1;
    db_bind_int64(st, 1, sid);
    db_bind_int64(st, 2, r->parent_id);
    int64_t booked = -1, ws = 0;
    *was = NULL;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        booked = db_col_int64(st, 0);
        ws = db_col_int64(st, 1);
        *was = json_pack("{s:I,s:I,s:I}", "id", (json_int_t)sid, "s", (json_int_t)ws, "e",
                         (json_int_t)db_col_int64(st, 2));
        if (k->session_place)
            json_object_set_new(*was, "place", json_col_text(st, 3));
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : -1; /* deleted meanwhile: nothing to change */
    if (booked > cap) {
        char at[32];
        snprintf(conflict, n, "%s 的场次已有 %lld 人预约，名额不能改为 %lld；请退回修订",
                 booking_fmt_time(ws, at, sizeof at), (long long)booked, (long long)cap);
        return -2;
    }
    snprintf(sql, sizeof sql,
             "UPDATE %s SET starts_at = ?, ends_at = ?, capacity = ?, updated_at = ?%s WHERE id = ? AND "
             "booked <= ?",
             k->sessions, k->session_place ? ", place = ?" : "");
    st = db_prepare(c, sql);
    if (!st)
        return -1;
    int p = 1;
    db_bind_int64(st, p++, time_of(s, "starts_at"));
    db_bind_int64(st, p++, time_of(s, "ends_at"));
    db_bind_int64(st, p++, cap);
    db_bind_int64(st, p++, now);
    if (k->session_place)
        db_bind_text(st, p++, jstr(s, "place"));
    db_bind_int64(st, p++, sid);
    db_bind_int64(st, p, cap);
    rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int booking_apply_sessions(db_conn_t *c, const booking_kind_t *k, const booking_revision_t *r, char *conflict,
                           size_t n)
{
    int64_t now = time_now_ms();
    json_t *told = json_array(); /* [{id, body}] */
    size_t i;
    json_t *s;
    int out = 0;
    json_array_foreach(r->changes, i, s)
    {
        if (!jint(s, "id", 0)) {
            if (insert_session(c, k, r->parent_id, s, now) != 0)
                out = -1;
            continue;
        }
        json_t *was = NULL;
        int u = update_session(c, k, r, s, now, &was, conflict, n);
        if (u != 0) {
            json_decref(was);
            out = u;
            break;
        }
        if (!was)
            continue;
        int64_t st_ = time_of(s, "starts_at"), en = time_of(s, "ends_at");
        bool moved = st_ != jint(was, "s", 0) || en != jint(was, "e", 0);
        bool placed = k->session_place && !same_text(jstr(s, "place"), jstr(was, "place"));
        if (moved || placed) {
            char a[32], b[32], wa[32], wb[32];
            sbuf_t sb;
            sbuf_init(&sb);
            if (moved)
                sbuf_printf(&sb, "时间由 %s 至 %s 改为 %s 至 %s。",
                            booking_fmt_time(jint(was, "s", 0), wa, sizeof wa),
                            booking_fmt_time(jint(was, "e", 0), wb, sizeof wb),
                            booking_fmt_time(st_, a, sizeof a), booking_fmt_time(en, b, sizeof b));
            if (placed)
                sbuf_printf(&sb, "地点由 %s 改为 %s。", jstr(was, "place"), jstr(s, "place"));
            char *body = sbuf_detach(&sb);
            json_array_append_new(told,
                                  json_pack("{s:I,s:s}", "id", (json_int_t)jint(s, "id", 0), "body", body));
            free(body);
        }
        json_decref(was);
    }
    if (out == 0 && r->parent_place) {
        /* the parent's place moved: every live session's members, once each */
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT id, starts_at, ends_at FROM %s WHERE %s = ? AND deleted_at IS NULL ORDER BY "
                 "starts_at, id",
                 k->sessions, k->parent_col);
        db_stmt_t *st = db_prepare(c, sql);
        int rc = DB_ERROR;
        if (st) {
            db_bind_int64(st, 1, r->parent_id);
            while ((rc = db_step(st)) == DB_ROW) {
                int64_t sid = db_col_int64(st, 0);
                json_t *t = NULL, *x;
                size_t j;
                json_array_foreach(told, j, x) if (jint(x, "id", 0) == sid) t = x;
                char a[32], b[32], body[1200];
                if (t)
                    snprintf(body, sizeof body, "%s地点改为：%s。", jstr(t, "body"), r->parent_place);
                else
                    snprintf(body, sizeof body, "场次时间 %s 至 %s 不变。地点改为：%s。",
                             booking_fmt_time(db_col_int64(st, 1), a, sizeof a),
                             booking_fmt_time(db_col_int64(st, 2), b, sizeof b), r->parent_place);
                if (t)
                    json_object_set_new(t, "body", json_string(body));
                else
                    json_array_append_new(told, json_pack("{s:I,s:s}", "id", (json_int_t)sid, "body", body));
            }
        }
        db_done(st);
        if (rc != DB_DONE)
            out = -1;
    }
    json_array_foreach(told, i, s) if (out == 0 && tell_session(c, k, r, jint(s, "id", 0), jstr(s, "body")) !=
                                                       0) out = -1;
    json_decref(told);
    return out;
}
