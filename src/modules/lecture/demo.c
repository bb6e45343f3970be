/* demo.c — demo lectures for the identity module's demo districts (浦东
 * SH-PD, 黄浦 SH-HP): published lectures in the coming days with one or two
 * sessions each (one needs the organiser's approval, one keeps a waiting
 * list) and a draft. Like the live module's demo rows they carry no review
 * history (the engine opens items inside a request only): the draft gets
 * its item when first submitted. Loading twice changes nothing. */
#include "core/log.h"
#include "core/timeutil.h"
#include "modules/lecture/internal.h"
#include <stdio.h>
#include <string.h>

static const struct {
    const char *org, *user, *title, *speaker, *place, *status;
    int approval, waitlist, day, hour, capacity, second_day;
} DEMO[] = {
    {"SH-PD", "pudong_dangwu", "学习贯彻党的二十届四中全会精神专题讲座", "浦东新区委党校 王教授",
     "浦东新区党群服务中心 2 楼报告厅", "approved", 0, 1, 2, 14, 120, 9},
    {"SH-PD", "pudong_dangwu", "初心讲堂·陆家嘴金融城党建故事", "陆家嘴综合党委 陈书记",
     "陆家嘴金融城党群服务中心", "approved", 1, 0, 4, 19, 60, 0},
    {"SH-HP", "huangpu_dangwu", "红色足迹·一大会址里的初心故事", "黄浦区委宣讲团 李老师",
     "黄浦区党群服务中心多功能厅", "approved", 0, 1, 6, 10, 80, 13},
    {"SH-PD", "pudong_dangwu", "新时代基层党组织书记履职能力提升", "浦东新区委组织部 赵老师",
     "浦东新区党群服务中心", "draft", 0, 0, 15, 14, 100, 0},
};

static int add_session(db_conn_t *c, int64_t lecture, int64_t starts, int capacity, int64_t now)
{
    db_stmt_t *st = db_prepare(c, "INSERT INTO lecture_sessions (lecture_id, starts_at, ends_at, capacity, "
                                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    db_bind_int64(st, 1, lecture);
    db_bind_int64(st, 2, starts);
    db_bind_int64(st, 3, starts + 2 * 3600000LL);
    db_bind_int64(st, 4, capacity);
    db_bind_int64(st, 5, now);
    db_bind_int64(st, 6, now);
    int rc = db_step(st);
    db_done(st);
    return rc == DB_DONE ? 0 : -1;
}

int lecture_demo(zd_app_t *app, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(app->db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t n = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM lectures", &n) < 0)
        goto dberr;
    if (n > 0 || !db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", "SH-PD")) {
        ret = 0; /* loaded before, or no demo organisations */
        goto out;
    }
    if (db_begin(c) != 0)
        goto dberr;
    int64_t now = time_now_ms();
    int64_t day0 = time_shanghai_day_start(now);
    for (size_t i = 0; i < sizeof DEMO / sizeof DEMO[0]; i++) {
        int64_t org = db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", DEMO[i].org);
        int64_t user = db_query_id_by_text(c, "SELECT id FROM users WHERE username = ?", DEMO[i].user);
        if (!org || !user)
            goto dberr;
        db_stmt_t *st = db_prepare(
            c, "INSERT INTO lectures (org_id, title, speaker, place, description, needs_approval, waitlist, "
               "status, "
               "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        if (!st)
            goto dberr;
        db_bind_int64(st, 1, org);
        db_bind_text(st, 2, DEMO[i].title);
        db_bind_text(st, 3, DEMO[i].speaker);
        db_bind_text(st, 4, DEMO[i].place);
        db_bind_text(st, 5, "初心讲堂线下党课（演示数据）");
        db_bind_int64(st, 6, DEMO[i].approval);
        db_bind_int64(st, 7, DEMO[i].waitlist);
        db_bind_text(st, 8, DEMO[i].status);
        db_bind_int64(st, 9, user);
        db_bind_int64(st, 10, now);
        db_bind_int64(st, 11, now);
        int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
        db_done(st);
        if (id <= 0 ||
            add_session(c, id, day0 + DEMO[i].day * 86400000LL + DEMO[i].hour * 3600000LL, DEMO[i].capacity,
                        now) ||
            (DEMO[i].second_day &&
             add_session(c, id, day0 + DEMO[i].second_day * 86400000LL + DEMO[i].hour * 3600000LL,
                         DEMO[i].capacity, now)) ||
            lecture_index(c, id) != 0)
            goto dberr;
    }
    audit_entry_t ae = {.action = "system.demo_load",
                        .detail = "加载演示数据：初心讲堂（已发布 3 个、草稿 1 个）"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "demo.loaded", "已载入演示讲堂");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "lecture demo: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}
