/* demo.c — demo data: Shanghai's 16 districts by their real names, a few
 * streets/towns each, four sector committees, grassroots organisations
 * under the streets, and one account per non-administrator role (the three
 * administrators come from the bootstrap). Demo passwords are in README.md;
 * for demonstrations only. Loading twice changes nothing. */
#include "auth/password.h"
#include "core/log.h"
#include "modules/identity/internal.h"
#include <stdio.h>
#include <string.h>

#define DEMO_PASSWORD "Zhendi@Demo2026"

static const struct {
    const char *code, *name, *streets[4];
} DISTRICTS[] = {
    {"HP", "黄浦区", {"南京东路街道", "外滩街道", "豫园街道", "淮海中路街道"}},
    {"XH", "徐汇区", {"徐家汇街道", "天平路街道", "漕河泾街道", "田林街道"}},
    {"CN", "长宁区", {"华阳路街道", "新华路街道", "虹桥街道", "程家桥街道"}},
    {"JA", "静安区", {"静安寺街道", "南京西路街道", "江宁路街道", "彭浦新村街道"}},
    {"PT", "普陀区", {"长寿路街道", "曹杨新村街道", "真如镇街道", "甘泉路街道"}},
    {"HK", "虹口区", {"四川北路街道", "欧阳路街道", "曲阳路街道", "江湾镇街道"}},
    {"YP", "杨浦区", {"五角场街道", "控江路街道", "平凉路街道", "殷行街道"}},
    {"MH", "闵行区", {"江川路街道", "古美路街道", "莘庄镇", "七宝镇"}},
    {"BS", "宝山区", {"友谊路街道", "吴淞街道", "大场镇", "顾村镇"}},
    {"JD", "嘉定区", {"新成路街道", "真新街道", "安亭镇", "南翔镇"}},
    {"PD", "浦东新区", {"陆家嘴街道", "花木街道", "张江镇", "川沙新镇"}},
    {"JS", "金山区", {"石化街道", "朱泾镇", "枫泾镇", "亭林镇"}},
    {"SJ", "松江区", {"岳阳街道", "方松街道", "泗泾镇", "九亭镇"}},
    {"QP", "青浦区", {"夏阳街道", "盈浦街道", "朱家角镇", "徐泾镇"}},
    {"FX", "奉贤区", {"南桥镇", "奉浦街道", "金汇镇", "庄行镇"}},
    {"CM", "崇明区", {"城桥镇", "堡镇", "陈家镇", "长兴镇"}},
};

static const struct {
    const char *code, *name, *short_name;
} SECTORS[] = {
    {"JW", "中共上海市教育卫生工作委员会", "市教卫工作党委"},
    {"GZ", "中共上海市国有资产监督管理委员会委员会", "市国资委党委"},
    {"JR", "中共上海市金融工作委员会", "市金融工作党委"},
    {"JJ", "中共上海市建设交通工作委员会", "市建设交通工作党委"},
};

static const struct {
    const char *username, *name, *role, *org_code;
} USERS[] = {
    {"shi_shenhe", "市级审核员（演示）", "city_reviewer", "SH"},
    {"pudong_shenhe", "浦东区级审核员（演示）", "district_reviewer", "SH-PD"},
    {"pudong_dangwu", "浦东党务工作者（演示）", "worker", "SH-PD"},
    {"huangpu_dangwu", "黄浦党务工作者（演示）", "worker", "SH-HP"},
    {"ljz_shuji", "陆家嘴综合党委书记（演示）", "secretary", "SH-PD-01-C"},
    {"dangyuan01", "党员（演示）", "member", "SH-PD-01-B"},
    {"jiangshi01", "讲师（演示）", "lecturer", "SH"},
};

static int64_t id_of(db_conn_t *c, const char *code)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM orgs WHERE code = ?");
    int64_t id = 0;
    if (st) {
        db_bind_text(st, 1, code);
        if (db_step(st) == DB_ROW)
            id = db_col_int64(st, 0);
    }
    db_done(st);
    return id;
}

static int64_t add(db_conn_t *c, int64_t parent, const char *type, const char *code, const char *name,
                   const char *short_name, const char *sector, int64_t members)
{
    json_t *extra = json_pack("{s:s?,s:s?,s:I}", "short_name", short_name, "sector", sector, "member_count",
                              (json_int_t)members);
    int64_t id = identity_org_insert(c, parent, type, code, name, extra, 0);
    json_decref(extra);
    return id;
}

int identity_demo(zd_app_t *app, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(app->db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t city = id_of(c, "SH");
    if (!city) {
        snprintf(err, errlen, "demo: the city root organisation (code SH) is missing");
        goto out;
    }
    if (id_of(c, "SH-PD")) {
        ret = 0; /* loaded before */
        goto out;
    }
    if (db_begin(c) != 0)
        goto dberr;
    for (size_t i = 0; i < sizeof SECTORS / sizeof SECTORS[0]; i++) {
        char code[32];
        snprintf(code, sizeof code, "SH-%s", SECTORS[i].code);
        if (add(c, city, "sector", code, SECTORS[i].name, SECTORS[i].short_name, NULL, 0) < 0)
            goto dberr;
    }
    for (size_t d = 0; d < sizeof DISTRICTS / sizeof DISTRICTS[0]; d++) {
        char code[32], name[128];
        snprintf(code, sizeof code, "SH-%s", DISTRICTS[d].code);
        snprintf(name, sizeof name, "中共上海市%s委员会", DISTRICTS[d].name);
        int64_t dist = add(c, city, "district", code, name, DISTRICTS[d].name, NULL, 0);
        if (dist < 0)
            goto dberr;
        for (int s = 0; s < 4; s++) {
            const char *street = DISTRICTS[d].streets[s];
            char scode[40], sname[160], cname[160], bname[160], ccode[48], bcode[48];
            snprintf(scode, sizeof scode, "%s-%02d", code, s + 1);
            snprintf(sname, sizeof sname, "%s%s党（工）委", DISTRICTS[d].name, street);
            int64_t st_id = add(c, dist, "street", scode, sname, street, NULL, 0);
            if (st_id < 0)
                goto dberr;
            /* the new economic sectors: a joint committee and a branch under it */
            snprintf(ccode, sizeof ccode, "%s-C", scode);
            snprintf(cname, sizeof cname, "%s新兴领域综合党委", street);
            int64_t com =
                add(c, st_id, "committee", ccode, cname, NULL, "新兴领域", 120 + (int64_t)(d * 7 + s * 3));
            snprintf(bcode, sizeof bcode, "%s-B", scode);
            snprintf(bname, sizeof bname, "%s楼宇联合党支部", street);
            if (com < 0 || add(c, com, "branch", bcode, bname, NULL, "新兴领域", 20 + (int64_t)(s * 5)) < 0)
                goto dberr;
        }
    }
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(DEMO_PASSWORD, hash, sizeof hash) != 0) {
        snprintf(err, errlen, "password hashing failed");
        goto out;
    }
    for (size_t i = 0; i < sizeof USERS / sizeof USERS[0]; i++) {
        json_t *roles = json_pack("[s]", USERS[i].role);
        /* demo accounts are provisioned: no forced change, so the demo works at once */
        int64_t id = identity_user_insert(c, USERS[i].username, USERS[i].name, id_of(c, USERS[i].org_code),
                                          hash, false, true, "13800138000", NULL, roles, 0);
        json_decref(roles);
        if (id < 0)
            goto dberr;
    }
    audit_entry_t ae = {.action = "system.demo_load",
                        .detail = "加载演示数据：16 个区、64 个街镇、4 个大口党委、演示账号"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "demo.loaded", "已载入演示组织与账号");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "demo: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}
