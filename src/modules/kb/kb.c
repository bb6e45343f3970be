/* kb.c — the knowledge-base module: permissions, labels, the search kind
 * kb_chunk, the job kb.index and start-up (docs/kb.md). */
#include "modules/kb/internal.h"
#include <stdio.h>

static const auth_perm_t PERMS[] = {
    {"kb.read", "查看知识库与召回测试", AUTH_DUTY_BUSINESS},
    {"kb.write", "维护知识库（文档、分段、检索设置）", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"kb", "知识库", PERMS, 2}, {NULL}};

static const zd_label_t DOC_STATUS[] = {{"queued", "排队中", "info"},
                                        {"parsing", "解析中", "primary"},
                                        {"chunking", "分段中", "primary"},
                                        {"embedding", "向量化中", "primary"},
                                        {"done", "已完成", "success"},
                                        {"failed", "失败", "danger"},
                                        {NULL}};
static const zd_label_t DOC_TYPE[] = {{"txt", "文本"},
                                      {"md", "Markdown"},
                                      {"html", "网页"},
                                      {"docx", "Word 文档"},
                                      {"pdf", "PDF"},
                                      {"xlsx", "Excel 表格"},
                                      {NULL}};
static const zd_label_t CHUNK_MODE[] = {
    {"auto", "自动分段"}, {"fixed", "固定长度"}, {"separator", "按分隔符"}, {NULL}};
static const zd_label_t FUSION[] = {{"weighted", "加权融合"}, {"rrf", "倒数排名融合（RRF）"}, {NULL}};
static const zd_label_t EMBEDDING[] = {{"local", "本地模型（TF-IDF + SVD，离线）", "success"},
                                       {"openai", "openai 兼容向量服务", "primary"},
                                       {"none", "不向量化（仅关键词检索）", "info"},
                                       {NULL}};
static const zd_label_t TARGETS[] = {
    {"kb", "知识库"}, {"kb_document", "知识库文档"}, {"kb_chunk", "知识库分段"}, {NULL}};
static const zd_dict_t DICTS[] = {{"kb_document_status", "文档索引状态", DOC_STATUS},
                                  {"kb_doc_type", "文档类型", DOC_TYPE},
                                  {"kb_chunk_mode", "分段方式", CHUNK_MODE},
                                  {"kb_fusion", "融合方式", FUSION},
                                  {"kb_embedding", "向量模型", EMBEDDING},
                                  {"audit_target", "审计对象", TARGETS},
                                  {NULL}};

static int init(zd_app_t *app, char *err, size_t errlen)
{
    static const char *const ALL[] = {"kb.read", "kb.write", NULL};
    for (const char *const *p = ALL; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
        auth_grant_default("sys_admin", *p);
    }
    auth_grant_default("district_reviewer", "kb.read");
    auth_grant_default("city_reviewer", "kb.read");
    if (search_register_kind(&KB_CHUNK_SEARCH) != 0) {
        snprintf(err, errlen, "kb: cannot register the search kind kb_chunk");
        return -1;
    }
    jobs_register("kb.index", "知识库文档索引（解析、分段、写入检索）", kb_job_index);
    return kb_base_routes(app, err, errlen) || kb_doc_routes(app, err, errlen) ||
                   kb_chunk_routes(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t kb_module = {.name = "kb",
                               .title = "知识库",
                               .init = init,
                               .demo = kb_demo,
                               .permissions = PERM_GROUPS,
                               .dicts = DICTS};
