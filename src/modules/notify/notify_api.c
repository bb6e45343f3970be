/* notify_api.c — the inbox over HTTP: list, unread count, read, read all,
 * delete, the event stream (stream.c) and announcements to an
 * organisation's users.
 *
 * Whose messages: every inbox route is open to any logged-in user and the
 * descriptor names no permission, so its scope is the caller's own rows
 * (SCOPE_SELF) with the recipient column as the owner: a user sees, marks
 * and deletes only messages addressed to them, and another user's message
 * is simply not found (404). Nothing here writes a scope condition. */
#include "auth/resource.h"
#include "core/timeutil.h"
#include "http/events.h"
#include "http/valid.h"
#include "modules/identity/identity.h"
#include "modules/notify/internal.h"
#include <stdlib.h>
#include <string.h>

static const res_sort_t NOTE_SORTS[] = {{"id", "n.id"}, {"created_at", "n.created_at"}, {NULL, NULL}};
static const zd_resource_t NOTES = {.name = "notification",
                                    .title = "消息",
                                    .table = "notifications",
                                    .alias = "n",
                                    .where = "n.deleted_at IS NULL",
                                    .org_col = "n.org_id",
                                    .creator_col = "n.user_id", /* the recipient owns it */
                                    .keyset = "n.id",
                                    .sorts = NOTE_SORTS};

#define NOTE_COLS "n.id, n.kind, n.title, n.body, n.link, n.org_id, n.read_at, n.created_at, n.created_by"

static json_t *note_json(db_stmt_t *st, void *ud)
{
    (void)ud;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
    json_object_set_new(o, "kind", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "title", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "body", json_col_text(st, 3));
    json_object_set_new(o, "link", json_col_text(st, 4));
    json_object_set_new(o, "org_id", json_integer(db_col_int64(st, 5)));
    json_object_set_new(o, "read", json_boolean(!db_col_is_null(st, 6)));
    json_object_set_new(o, "read_at", json_time(db_col_int64(st, 6)));
    json_object_set_new(o, "created_at", json_time(db_col_int64(st, 7)));
    json_object_set_new(o, "created_by", json_col_id(st, 8));
    return o;
}

/* ---- the documented shapes ---- */

static const vfield_t NOTE_QUERY[] = {
    {"unread", V_BOOL, .title = "只看未读"},
    {"kind", V_STR, .max = 50, .title = "消息类型（notify_kind）"},
};
static const vfield_t NOTE_OUT[] = {
    {"id", V_ID},
    {"kind", V_STR, .title = "消息类型（字典 notify_kind）"},
    {"title", V_STR, .title = "标题"},
    {"body", V_TEXT, .title = "正文"},
    {"link", V_STR, .title = "点击后打开的控制台页面"},
    {"org_id", V_ID, .title = "消息所涉组织"},
    {"read", V_BOOL, .title = "已读"},
    {"read_at", V_TIME},
    {"created_at", V_TIME},
    {"created_by", V_ID, .title = "由谁引起（空：系统）"},
};
static const vfield_t COUNT_OUT[] = {{"count", V_INT, .title = "未读条数"}};
static const vfield_t MARKED_OUT[] = {{"count", V_INT, .title = "标为已读的条数"}};

static const char *check_link(json_t *v)
{
    const char *s = json_string_value(v);
    return s && s[0] == '/' && s[1] != '/' && s[1] != '\\' && !strpbrk(s, " \r\n\t")
               ? NULL
               : "应为控制台内的页面地址，以 / 开头";
}
static const vfield_t BROADCAST[] = {
    {"org_id", V_ID, true, 0, 0, NULL, NULL, "发给哪个组织（含下级组织）的用户"},
    {"title", V_STR, true, 1, 200, NULL, NULL, "标题"},
    {"body", V_TEXT, false, 0, 4000, NULL, NULL, "正文"},
    {"link", V_STR, false, 0, 500, NULL, check_link, "点击后打开的控制台页面"},
};
static const vfield_t BROADCAST_OUT[] = {
    {"count", V_INT, .title = "收到的用户数"},
    {"capped", V_BOOL, .title = "用户数超过上限（500），只发给了前 500 位"},
};

/* ---- the inbox ---- */

static void list_notes(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    qb_t w;
    res_from(req, &NOTES, &w);
    if (http_query_bool(req, "unread"))
        qb_sql(&w, " AND n.read_at IS NULL");
    const char *kind = http_query(req, "kind");
    if (kind) {
        qb_sql(&w, " AND n.kind = ");
        qb_text(&w, kind);
    }
    res_list(req, c, &NOTES, NOTE_COLS, &w, "n.id DESC", note_json, NULL);
    qb_free(&w);
}

static void get_note(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_id(req, &id);
    if (!c)
        return;
    json_t *o = res_load(req, c, &NOTES, NOTE_COLS, id, note_json, NULL, RES_PLAIN);
    if (o)
        http_json(req, 200, o);
}

static void unread_count(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c)
        return;
    /* the scope is the caller's own messages (see the top of the file) */
    qb_t w, q;
    res_from(req, &NOTES, &w);
    qb_sql(&w, " AND n.read_at IS NULL");
    qb_init(&q, "SELECT COUNT(*)");
    qb_append(&q, &w);
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    int64_t n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_done(st);
    qb_free(&q);
    if (rc != DB_ROW) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:I}", "count", (json_int_t)n));
}

static void wake_self(void *ud) { http_events_wake(NOTIFY_TOPIC, (int64_t)(intptr_t)ud); }

/* Marking read is not audited (HTTP_NO_AUDIT): it changes nothing but the
 * reader's own inbox — no one else's data, no business record, no right —
 * and happens at every click on the bell; a record of each would bury the
 * audit log's real events. The row keeps when it was read (read_at). */
static void read_note(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c || !res_visible(req, c, &NOTES, id))
        return;
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(
        c, "UPDATE notifications SET read_at = ?, updated_at = ? WHERE id = ? AND read_at IS NULL");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, id);
        rc = db_step(st);
    }
    db_done(st);
    json_t *o = rc == DB_DONE ? res_load(req, c, &NOTES, NOTE_COLS, id, note_json, NULL, RES_PLAIN) : NULL;
    if (rc == DB_DONE && !o)
        return;
    db_after_commit(c, wake_self, (void *)(intptr_t)http_user_id(req));
    if (!o || db_commit(c) != 0) {
        json_decref(o);
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, o);
}

static void read_all(http_req_t *req)
{
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    /* the caller's own unread messages, chosen by the descriptor's scope */
    qb_t w, q;
    res_from(req, &NOTES, &w);
    qb_sql(&w, " AND n.read_at IS NULL");
    int64_t now = time_now_ms();
    qb_init(&q, "UPDATE notifications SET read_at = ");
    qb_int(&q, now);
    qb_sql(&q, ", updated_at = ");
    qb_int(&q, now);
    qb_sql(&q, " WHERE id IN (SELECT n.id");
    qb_append(&q, &w);
    qb_sql(&q, ")");
    qb_free(&w);
    db_stmt_t *st = qb_prepare(c, &q);
    int rc = st ? db_step(st) : DB_ERROR;
    db_done(st);
    qb_free(&q);
    int64_t n = rc == DB_DONE ? db_changes(c) : 0;
    if (rc == DB_DONE)
        db_after_commit(c, wake_self, (void *)(intptr_t)http_user_id(req));
    if (rc != DB_DONE || db_commit(c) != 0) {
        http_db_error(req, c);
        return;
    }
    http_json(req, 200, json_pack("{s:I}", "count", (json_int_t)n));
}

/* Deleting is audited: a message leaves the inbox (it stays in the table,
 * deleted_at set, for the record). */
static void delete_note(http_req_t *req)
{
    int64_t id;
    db_conn_t *c = http_db_change(req, &id);
    if (!c)
        return;
    json_t *before =
        http_defer_json(req, res_load(req, c, &NOTES, NOTE_COLS, id, note_json, NULL, RES_PLAIN));
    if (!before)
        return;
    int64_t now = time_now_ms();
    db_stmt_t *st = db_prepare(c, "UPDATE notifications SET deleted_at = ?, updated_at = ? WHERE id = ? "
                                  "AND deleted_at IS NULL");
    int rc = DB_ERROR;
    if (st) {
        db_bind_int64(st, 1, now);
        db_bind_int64(st, 2, now);
        db_bind_int64(st, 3, id);
        rc = db_step(st);
    }
    db_done(st);
    if (rc == DB_DONE)
        db_after_commit(c, wake_self, (void *)(intptr_t)http_user_id(req));
    audit_entry_t ae = {.target = id, .before = before};
    audit_reply(req, c, rc == DB_DONE, &ae, 204, NULL);
}

/* ---- announcements ---- */

static void broadcast(http_req_t *req)
{
    json_t *b = http_json_body(req);
    db_conn_t *c = http_db(req);
    if (!c || !http_begin(req, c))
        return;
    int64_t org = jint(b, "org_id", 0);
    if (!auth_org_in_scope(req, c, org)) {
        http_error_fields(req, json_pack("{s:s}", "org_id", "组织不存在或不在您的管理范围内"));
        return;
    }
    int64_t ids[NOTIFY_MAX_RECIPIENTS];
    int n = 0;
    if (identity_users_in_subtree(c, org, NOTIFY_MAX_RECIPIENTS, ids, &n) != 0) {
        http_db_error(req, c);
        return;
    }
    notify_msg_t m = {.kind = "system",
                      .title = jstr(b, "title"),
                      .body = jstr(b, "body"),
                      .link = jstr(b, "link"),
                      .org_id = org,
                      .created_by = http_user_id(req)};
    int sent = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] == http_user_id(req))
            continue; /* the sender knows */
        m.user_id = ids[i];
        if (notify_user(c, &m) != 0) {
            http_db_error(req, c);
            return;
        }
        sent++;
    }
    json_t *o = json_pack("{s:i,s:b}", "count", sent, "capped", n == NOTIFY_MAX_RECIPIENTS);
    const char *title = jstr(b, "title");
    int cut = (int)utf8_prefix(title, strlen(title), 40);
    audit_entry_t ae = {.target_type = "org",
                        .target = org,
                        .detail = http_printf(req, "系统消息「%.*s」发给 %d 位用户", cut, title, sent),
                        .after = o};
    audit_reply(req, c, true, &ae, 200, o);
}

// clang-format off
static const http_route_t routes[] = {
    {.method = "GET", .pattern = "/api/v1/notifications", .handler = list_notes, .perm = HTTP_LOGIN,
     .flags = HTTP_LIST, .summary = "我的消息", .resource = &NOTES, HTTP_QUERY(NOTE_QUERY), HTTP_OUT(NOTE_OUT),
     .notes = "只含发给调用者本人的消息，新的在前；?after= 按编号翻页"},
    {.method = "GET", .pattern = "/api/v1/notifications/unread-count", .handler = unread_count,
     .perm = HTTP_LOGIN, .flags = HTTP_PASSIVE, .summary = "未读消息数", .resource = &NOTES, HTTP_OUT(COUNT_OUT),
     .notes = "控制台的后台轮询，不计为用户活动（不延长会话）"},
    {.method = "GET", .pattern = "/api/v1/notifications/stream", .handler = notify_stream, .perm = HTTP_LOGIN,
     .flags = HTTP_PASSIVE | HTTP_EVENTS, .summary = "消息推送（Server-Sent Events）",
     .notes = "text/event-stream：连接时及未读数变化时发送 event: unread，data: {\"count\":N}；每 20 秒一行 "
              "\": ping\"；会话失效时发送 event: end 后结束。同时打开的连接数超过 notify_max_streams 时 503 "
              "too_many_streams"},
    {.method = "GET", .pattern = "/api/v1/notifications/{id}", .handler = get_note, .perm = HTTP_LOGIN,
     .summary = "消息详情", .resource = &NOTES, HTTP_OUT(NOTE_OUT)},
    {.method = "POST", .pattern = "/api/v1/notifications/{id}/read", .handler = read_note, .perm = HTTP_LOGIN,
     .flags = HTTP_NO_AUDIT, .summary = "标为已读", .resource = &NOTES, HTTP_OUT(NOTE_OUT),
     .notes = "只改变调用者本人的收件箱，不记审计日志（已读时间记在消息上）"},
    {.method = "POST", .pattern = "/api/v1/notifications/read-all", .handler = read_all, .perm = HTTP_LOGIN,
     .flags = HTTP_NO_AUDIT, .summary = "全部标为已读", .resource = &NOTES, HTTP_OUT(MARKED_OUT),
     .notes = "只改变调用者本人的收件箱，不记审计日志"},
    {.method = "DELETE", .pattern = "/api/v1/notifications/{id}", .handler = delete_note, .perm = HTTP_LOGIN,
     .summary = "删除消息", .audit = "notify.delete", .resource = &NOTES, .status = 204},
    {.method = "POST", .pattern = "/api/v1/notifications/broadcast", .handler = broadcast, .perm = "notify.send",
     .summary = "发送系统通知", .audit = "notify.broadcast", HTTP_BODY(BROADCAST), HTTP_OUT(BROADCAST_OUT),
     .example = "{\"org_id\":\"{org}\",\"title\":\"契约测试通知{n}\",\"body\":\"系统将于今晚维护。\"}",
     .notes = "发给该组织及其下级组织的全部在用用户（发送者除外，至多 500 位），类型为系统消息"},
};
// clang-format on

int notify_api_routes(zd_app_t *app, char *err, size_t errlen)
{
    return module_routes(app, routes, VN(routes), err, errlen);
}
