/* grid.h — the grid module (网格阵地): what other modules may call. */
#ifndef ZD_MOD_GRID_H
#define ZD_MOD_GRID_H
#include "core/db.h"
#include "modules/module.h"

extern const zd_module_t grid_module;

/* The grid a point falls in among all live grids (no data scope): its id,
 * code and name (code/name may be NULL), and whether the point is on its
 * border. 1 found, 0 none, -1 on a database error. The rule for a point
 * on a border shared by several grids is in docs/grid.md. */
int grid_locate_any(db_conn_t *c, double lon, double lat, int64_t *id, char *code, size_t code_len,
                    char *name, size_t name_len, bool *on_border);

#endif
