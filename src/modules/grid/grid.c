/* grid.c — the grid module (网格阵地, M6/M7): grids with their boundaries
 * and the spatial index; permissions, labels and the demo grids. */
#include "http/server.h"
#include "modules/grid/internal.h"
#include <stdio.h>
#include <string.h>

static const auth_perm_t PERMS[] = {
    {"grid.read", "查看网格与地图", AUTH_DUTY_BUSINESS},
    {"grid.write", "维护网格（新建、修改、导入、删除）", AUTH_DUTY_BUSINESS},
    {"site.read", "查看党群服务阵地", AUTH_DUTY_BUSINESS},
    {"site.write", "维护党群服务阵地", AUTH_DUTY_BUSINESS},
    {"bigdata.read", "查看大数据中心同步（设置、记录、推送队列）", AUTH_DUTY_BUSINESS},
    {"bigdata.write", "管理大数据中心同步（连接设置、立即同步、重新推送）", AUTH_DUTY_BUSINESS},
};
static const auth_perm_group_t PERM_GROUPS[] = {{"grid", "网格阵地", PERMS, 6}, {NULL}};

static const zd_label_t SOURCE[] = {{"manual", "手工录入", "info"},
                                    {"import", "GeoJSON 导入", "primary"},
                                    {"bigdata", "大数据中心", "success"},
                                    {NULL}};
static const zd_label_t IMPORT_RESULT[] = {{"created", "新建", "success"},
                                           {"updated", "更新", "primary"},
                                           {"unchanged", "未变化", "info"},
                                           {"refused", "拒绝", "danger"},
                                           {NULL}};
static const zd_label_t SITE_TYPE[] = {{"center", "党群服务中心", "danger"},
                                       {"station", "党群服务站", "primary"},
                                       {"point", "党群服务点", "success"},
                                       {"building", "楼宇党建阵地", "warning"},
                                       {NULL}};
static const zd_label_t LOCATION_FLAG[] = {{"outside", "位置不在所属网格内（待核查）", "danger"},
                                           {"grid_deleted", "所属网格已被大数据中心撤销（待核查）", "danger"},
                                           {NULL}};
static const zd_label_t SIGN_METHOD[] = {
    {"HMAC-SM3", "HMAC-SM3（国密）", "success"}, {"HMAC-SHA256", "HMAC-SHA256（备选）", "warning"}, {NULL}};
static const zd_label_t CRS[] = {{"EPSG:4326", "WGS84 经纬度（EPSG:4326）", "primary"},
                                 {"EPSG:4490", "CGCS2000 经纬度（EPSG:4490）", "primary"},
                                 {"EPSG:4549", "CGCS2000 3 度带 120°E 平面坐标（EPSG:4549）", "warning"},
                                 {"EPSG:3857", "Web 墨卡托（EPSG:3857）", "info"},
                                 {NULL}};
static const zd_label_t RUN_KIND[] = {
    {"schedule", "定时", "info"}, {"manual", "手动", "primary"}, {"full", "全量", "warning"}, {NULL}};
static const zd_label_t RUN_STATUS[] = {{"queued", "排队中", "info"},
                                        {"running", "进行中", "primary"},
                                        {"ok", "成功", "success"},
                                        {"failed", "失败", "danger"},
                                        {NULL}};
static const zd_label_t OUTBOX_STATUS[] = {
    {"pending", "待推送", "warning"}, {"sent", "已送达", "success"}, {"failed", "被拒绝", "danger"}, {NULL}};
static const zd_label_t NOTIFY_KINDS[] = {{"bigdata.unreachable", "大数据中心连接中断"}, {NULL}};
static const zd_label_t AUDIT_ACTIONS[] = {{"grid.bigdata_pull", "大数据中心同步网格"}, {NULL}};
static const zd_label_t CATEGORY[] = {{"fulltime", "专职", "danger"},
                                      {"parttime", "兼职", "primary"},
                                      {"volunteer", "志愿者", "success"},
                                      {"other", "其他", "info"},
                                      {NULL}};
const zd_label_t GRID_ACTIVITY_TYPE[] = {{"political", "政治活动", "danger"},
                                         {"governance", "治理活动", "primary"},
                                         {"service", "服务活动", "success"},
                                         {NULL}};
/* the names of fields in the activities' and the coverage's exports */
static const zd_label_t FIELD[] = {{"site_activity.type", "活动类型"},
                                   {"site_activity.title", "活动名称"},
                                   {"site_activity.held_at", "活动日期"},
                                   {"site_activity.site_name", "阵地"},
                                   {"site_activity.organisers", "组织者"},
                                   {"site_activity.org_names", "参与的包干组织"},
                                   {"site_activity.orgs", "-"},
                                   {"site_activity.org_ids", "-"},
                                   {"site_activity.people_reached", "服务人数"},
                                   {"site_activity.summary", "活动小结"},
                                   {"site_activity.photo_file_ids", "-"},
                                   {"site_activity.photo_urls", "-"},
                                   {"site_contract.org_name", "包干组织"},
                                   {"site_contract.site_name", "阵地"},
                                   {"site_contract.activities", "参与活动次数"},
                                   {"site_contract.last_held_at", "最近一次参与"},
                                   {"site_contract.took_part", "期间内参与过"},
                                   {NULL}};
static const zd_label_t STATS_BY[] = {
    {"district", "按区"}, {"street", "按街道"}, {"category", "按专员类别"}, {NULL}};
static const zd_label_t TARGETS[] = {{"grid", "网格"},
                                     {"site", "阵地"},
                                     {"commissioner", "党建服务专员"},
                                     {"site_activity", "阵地活动"},
                                     {"site_contract", "阵地包干组织"},
                                     {"bigdata", "大数据中心连接"},
                                     {"bigdata_run", "同步记录"},
                                     {"bigdata_outbox", "阵地推送队列"},
                                     {"district_outline", "区界"},
                                     {NULL}};
static const zd_label_t LOG_EVENT[] = {{"grid.bad_geometry", "网格边界无效", "warning"}, {NULL}};
static const zd_dict_t DICTS[] = {{"log_event", "日志事件", LOG_EVENT},
                                  {"field", "字段", FIELD},
                                  {"grid_source", "网格来源", SOURCE},
                                  {"grid_import_result", "网格导入结果", IMPORT_RESULT},
                                  {"site_type", "阵地类型", SITE_TYPE},
                                  {"site_location_flag", "阵地位置核查", LOCATION_FLAG},
                                  {"commissioner_category", "专员类别", CATEGORY},
                                  {"site_activity_type", "阵地活动类型", GRID_ACTIVITY_TYPE},
                                  {"contracting_stats_by", "包干统计分组", STATS_BY},
                                  {"audit_target", "审计对象", TARGETS},
                                  {"bigdata_sign_method", "签名算法", SIGN_METHOD},
                                  {"bigdata_crs", "坐标系", CRS},
                                  {"bigdata_run_kind", "同步触发方式", RUN_KIND},
                                  {"bigdata_run_status", "同步状态", RUN_STATUS},
                                  {"bigdata_outbox_status", "推送状态", OUTBOX_STATUS},
                                  {"notify_kind", "消息类型", NOTIFY_KINDS},
                                  {"audit_action", "审计操作", AUDIT_ACTIONS},
                                  {NULL}};

char grid_tile_url[512], grid_tile_attribution[256], grid_tile_crs[16];
static const config_opt_t SETTINGS[] = {
    CONFIG_STR(
        grid_tile_url, grid_tile_url, "", 0,
        "控制台地图的底图瓦片：XYZ 地址，如 "
        "https://tiles.example.cn/{z}/{x}/{y}.png（市“一张图”服务；WGS84/CGCS2000 "
        "瓦片），其源加入内容安全策略。留空（默认）：无底图，不向外发出请求，地图在素色背景上显示网格和区界"),
    CONFIG_STR(grid_tile_attribution, grid_tile_attribution, "", 0, "底图的版权说明（显示在地图角落）"),
    CONFIG_STR(
        grid_tile_crs, grid_tile_crs, "EPSG:3857", 0,
        "底图瓦片的坐标系：EPSG:3857（Web 墨卡托，默认，常见 XYZ 瓦片）或 EPSG:4326（经纬度等角瓦片）。"
        "控制台地图（Leaflet）只支持这两种；CGCS2000 平面坐标（如 EPSG:4549）的瓦片不支持，请用其 "
        "Web 墨卡托或经纬度发布"),
    {NULL},
};

/* the origin of the tile URL for the policy, a {s} subdomain as a wildcard:
 * https://{s}.tiles.example.cn/{z}/{x}/{y}.png gives https://(star).tiles.example.cn */
static int allow_tiles(char *err, size_t errlen)
{
    if (strcmp(grid_tile_crs, "EPSG:3857") != 0 && strcmp(grid_tile_crs, "EPSG:4326") != 0) {
        snprintf(err, errlen,
                 "grid_tile_crs: %s is not supported by the console's map (EPSG:3857 or EPSG:4326)",
                 grid_tile_crs);
        return -1;
    }
    if (!grid_tile_url[0])
        return 0;
    const char *p = strstr(grid_tile_url, "://");
    if (!p || (strncmp(grid_tile_url, "https://", 8) && strncmp(grid_tile_url, "http://", 7))) {
        snprintf(err, errlen, "grid_tile_url must be an http(s) URL");
        return -1;
    }
    char origin[512];
    size_t n = (size_t)(p + 3 - grid_tile_url), k = 0;
    memcpy(origin, grid_tile_url, n);
    for (const char *h = p + 3; *h && *h != '/' && n + 2 < sizeof origin; h++) {
        if (!strncmp(h, "{s}", 3)) {
            origin[n++] = '*';
            h += 2;
        } else {
            origin[n++] = *h;
        }
        k++;
    }
    origin[n] = 0;
    if (!k || http_csp_allow("img-src", origin) != 0) {
        snprintf(err, errlen, "grid_tile_url: cannot allow %s in the console's policy", origin);
        return -1;
    }
    return 0;
}

static int init(zd_app_t *app, char *err, size_t errlen)
{
    if (allow_tiles(err, errlen) != 0)
        return -1;
    static const char *const ALL[] = {"grid.read", "grid.write", "site.read", "site.write", NULL};
    for (const char *const *p = ALL; *p; p++) {
        auth_grant_default("worker", *p);
        auth_grant_default("secretary", *p);
        auth_grant_default("sys_admin", *p);
    }
    auth_grant_default("district_reviewer", "grid.read");
    auth_grant_default("city_reviewer", "grid.read");
    auth_grant_default("district_reviewer", "site.read");
    auth_grant_default("city_reviewer", "site.read");
    auth_grant_default("sys_admin", "bigdata.read");
    auth_grant_default("sys_admin", "bigdata.write");
    return grid_grid_routes(app, err, errlen) || grid_outline_init(app, err, errlen) ||
                   grid_site_routes(app, err, errlen) || grid_contract_routes(app, err, errlen) ||
                   grid_activity_routes(app, err, errlen) || grid_portrait_routes(app, err, errlen) ||
                   grid_bigdata_init(app, err, errlen)
               ? -1
               : 0;
}

const zd_module_t grid_module = {.name = "grid",
                                 .title = "网格阵地",
                                 .init = init,
                                 .demo = grid_demo,
                                 .permissions = PERM_GROUPS,
                                 .settings = SETTINGS,
                                 .dicts = DICTS};
