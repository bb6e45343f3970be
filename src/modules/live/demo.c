/* demo.c — demo bookings for the districts of the identity module's demo
 * (浦东 SH-PD, 黄浦 SH-HP): approved streams in the coming days (two of
 * different districts at the same time: districts may overlap each other)
 * and drafts waiting to be submitted. The demo rows carry no review
 * history: the review engine opens items inside a request only, so a demo
 * draft gets its item when it is first submitted. Loading twice changes
 * nothing. */
#include "core/log.h"
#include "core/timeutil.h"
#include "modules/live/internal.h"
#include <stdio.h>
#include <string.h>

static const struct {
    const char *org, *user, *title, *speaker, *audience, *status;
    int day, hour, hours;
    const char *platform, *room;
} DEMO[] = {
    {"SH-PD", "pudong_dangwu", "学习贯彻党的二十届四中全会精神专题党课", "浦东新区委党校 王教授",
     "浦东新区全体党员", "approved", 1, 14, 2, "东方网直播", "PD-2026-01"},
    {"SH-HP", "huangpu_dangwu", "红色足迹·黄浦初心故事分享会", "黄浦区委宣讲团 李老师", "黄浦区各基层党组织",
     "approved", 1, 14, 2, "东方网直播", "HP-2026-01"},
    {"SH-PD", "pudong_dangwu", "新兴领域党建工作经验交流", "陆家嘴综合党委 陈书记", "新兴领域党组织书记",
     "approved", 7, 9, 2, "上海党建直播间", "PD-2026-02"},
    {"SH-PD", "pudong_dangwu", "基层党组织书记履职能力提升直播课", "浦东新区委组织部 赵老师",
     "各街镇党（工）委书记", "draft", 10, 14, 2, "东方网直播", "PD-2026-03"},
    {"SH-HP", "huangpu_dangwu", "党员教育微党课展播", "黄浦区党员教育中心", "黄浦区全体党员", "draft", 12, 10,
     1, "上海党建直播间", "HP-2026-02"},
};

int live_demo(zd_app_t *app, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(app->db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t n = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM live_streams", &n) < 0)
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
        int64_t district = org ? live_district_of(c, org) : 0;
        if (!org || !user || district <= 0)
            goto dberr;
        int64_t starts = day0 + DEMO[i].day * 86400000LL + DEMO[i].hour * 3600000LL;
        db_stmt_t *st = db_prepare(
            c, "INSERT INTO live_streams (org_id, district_id, title, speaker, starts_at, ends_at, audience, "
               "description, source_type, platform, room_id, status, review_level, created_by, created_at, "
               "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'platform', ?, ?, ?, ?, ?, ?, ?)");
        if (!st)
            goto dberr;
        db_bind_int64(st, 1, org);
        db_bind_int64(st, 2, district);
        db_bind_text(st, 3, DEMO[i].title);
        db_bind_text(st, 4, DEMO[i].speaker);
        db_bind_int64(st, 5, starts);
        db_bind_int64(st, 6, starts + DEMO[i].hours * 3600000LL);
        db_bind_text(st, 7, DEMO[i].audience);
        db_bind_text(st, 8, "党员远程教育直播课程（演示数据）");
        db_bind_text(st, 9, DEMO[i].platform);
        db_bind_text(st, 10, DEMO[i].room);
        db_bind_text(st, 11, DEMO[i].status);
        db_bind_int64(st, 12, strcmp(DEMO[i].status, "approved") ? 0 : 1);
        db_bind_int64(st, 13, user);
        db_bind_int64(st, 14, now);
        db_bind_int64(st, 15, now);
        int rc = db_step(st);
        db_done(st);
        if (rc != DB_DONE)
            goto dberr;
    }
    audit_entry_t ae = {.action = "system.demo_load",
                        .detail = "加载演示数据：直播预约（已批准 3 条、草稿 2 条）"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "demo.loaded", "已载入演示直播");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "live demo: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}
