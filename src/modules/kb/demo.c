/* demo.c — demo knowledge bases for the identity module's demo districts
 * (浦东 SH-PD, 黄浦 SH-HP), each with a document queued for indexing (the
 * job kb.index runs when the server serves). Loading twice changes nothing. */
#include "core/log.h"
#include "core/timeutil.h"
#include "modules/kb/internal.h"
#include <stdio.h>
#include <string.h>

#define RULE "{\"mode\":\"auto\",\"overlap\":50,\"separator\":\"\\\\n\\\\n\",\"size\":1024,\"xlsx\":\"row\"}"
#define RETRIEVAL                                                                                            \
    "{\"fusion\":\"weighted\",\"keyword_weight\":0.3,\"score_threshold\":0.0,\"semantic_weight\":0.7,\"top_" \
    "k\":5}"

static const struct {
    const char *org, *user, *name, *desc, *doc, *text;
} DEMO[] = {
    {"SH-PD", "pudong_dangwu", "党建政策知识库", "党章党规、党员发展与组织生活的政策解读", "党员发展工作要点",
     "# "
     "入党申请\n\n年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，承认党的纲领和章程，愿"
     "意参加党的"
     "一个组织并在其中积极工作、执行党的决议和按期交纳党费的，可以申请加入中国共产党。\n\n# "
     "入党积极分子的确定和培养\n\n"
     "党组织应当从入党申请人中确定入党积极分子，指定一至两名正式党员作培养联系人，进行一年以上的培养教育和考"
     "察。\n\n"
     "# 组织生活\n\n党支部应当严格执行“三会一课”制度，每月相对固定一天开展主题党日活动。"},
    {"SH-HP", "huangpu_dangwu", "红色文化知识库", "黄浦区红色场馆与革命史料", "一大会址简介",
     "# 中共一大会址\n\n中共一大会址位于上海市黄浦区兴业路，是中国共产党第一次全国代表大会召开的地方。\n\n"
     "# 参观须知\n\n参观实行预约制，团体参观请提前三个工作日预约。"},
};

int kb_demo(zd_app_t *app, char *err, size_t errlen)
{
    db_conn_t *c = db_acquire(app->db);
    if (!c) {
        snprintf(err, errlen, "no database connection");
        return -1;
    }
    int ret = -1;
    int64_t n = 0;
    if (db_query_int64(c, "SELECT COUNT(*) FROM kbs", &n) < 0)
        goto dberr;
    if (n > 0 || !db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", "SH-PD")) {
        ret = 0; /* loaded before, or no demo organisations */
        goto out;
    }
    if (db_begin(c) != 0)
        goto dberr;
    int64_t now = time_now_ms();
    for (size_t i = 0; i < sizeof DEMO / sizeof DEMO[0]; i++) {
        int64_t org = db_query_id_by_text(c, "SELECT id FROM orgs WHERE code = ?", DEMO[i].org);
        int64_t user = db_query_id_by_text(c, "SELECT id FROM users WHERE username = ?", DEMO[i].user);
        if (org <= 0 || user <= 0)
            continue;
        int64_t kb = 0, doc = 0;
        db_stmt_t *st =
            db_prepare(c, "INSERT INTO kbs (org_id, name, description, chunk_rule, retrieval, "
                          "created_by, created_at, updated_at, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                          "'local') RETURNING id");
        if (st) {
            db_bind_int64(st, 1, org);
            db_bind_text(st, 2, DEMO[i].name);
            db_bind_text(st, 3, DEMO[i].desc);
            db_bind_text(st, 4, RULE);
            db_bind_text(st, 5, RETRIEVAL);
            db_bind_int64(st, 6, user);
            db_bind_int64(st, 7, now);
            db_bind_int64(st, 8, now);
            if (db_step(st) == DB_ROW)
                kb = db_col_int64(st, 0);
        }
        db_done(st);
        st = kb > 0 ? db_prepare(
                          c, "INSERT INTO kb_documents (kb_id, org_id, title, doc_type, mime, size, content, "
                             "char_count, created_by, created_at, updated_at) VALUES (?, ?, ?, 'txt', "
                             "'text/plain', ?, ?, ?, ?, ?, ?) RETURNING id")
                    : NULL;
        if (st) {
            db_bind_int64(st, 1, kb);
            db_bind_int64(st, 2, org);
            db_bind_text(st, 3, DEMO[i].doc);
            db_bind_int64(st, 4, (int64_t)strlen(DEMO[i].text));
            db_bind_text(st, 5, DEMO[i].text);
            db_bind_int64(st, 6, (int64_t)utf8_count(DEMO[i].text, strlen(DEMO[i].text)));
            db_bind_int64(st, 7, user);
            db_bind_int64(st, 8, now);
            db_bind_int64(st, 9, now);
            if (db_step(st) == DB_ROW)
                doc = db_col_int64(st, 0);
        }
        db_done(st);
        if (doc <= 0 || kb_doc_enqueue(c, doc, org, user) < 0)
            goto dberr;
    }
    audit_entry_t ae = {.action = "system.demo_load",
                        .detail = "加载演示数据：知识库 2 个（各含 1 篇待索引文档）"};
    if (audit_write(c, NULL, &ae) != 0 || db_commit(c) != 0)
        goto dberr;
    log_msg(LOG_APP, LOG_INFO, "demo.loaded", "已载入演示知识库");
    ret = 0;
    goto out;
dberr:
    snprintf(err, errlen, "kb demo: %s", db_errmsg(c));
out:
    db_release(c);
    return ret;
}
