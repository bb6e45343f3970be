/* scan.h — virus scanning of uploaded files with libclamav.
 *
 * The engine is loaded once from a signature directory (every database
 * format ClamAV reads: .cvd/.cld from freshclam, .hdb/.hsb/.ndb/.ldb ...)
 * and reloaded, without stopping scans in flight, when the directory's
 * contents change (checked at most every reload_check_s seconds, on the
 * next scan). Production points it at freshclam's directory
 * (/var/lib/clamav) or a local mirror; the project ships
 * data/clamav/zhendi-test.ndb (the EICAR test signature), which tests and
 * the demo use.
 *
 * Thread-safe: any number of threads scan at once.
 */
#ifndef ZD_STORAGE_SCAN_H
#define ZD_STORAGE_SCAN_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct scan_engine scan_engine_t;

typedef struct {
    const char *sigdir;  /* signature directory; must hold at least one database */
    int reload_check_s;  /* 0: 60 */
    int64_t max_file_mb; /* files up to this size are scanned whole; 0: 4096 */
} scan_options_t;

enum { SCAN_CLEAN = 0, SCAN_INFECTED = 1, SCAN_ERROR = -1 };

/* NULL with a reason in err when libclamav cannot start or no signature
 * loads. */
scan_engine_t *scan_new(const scan_options_t *opt, char *err, size_t errlen);
void scan_free(scan_engine_t *s); /* NULL is fine */
/* SCAN_CLEAN; SCAN_INFECTED with the signature's name in virus; SCAN_ERROR
 * with a reason in err (unreadable file, engine failure: the caller must
 * not accept the file). */
int scan_file(scan_engine_t *s, const char *path, char *virus, size_t virussz, char *err, size_t errlen);
/* Re-reads the signatures now if the directory changed: 1 reloaded, 0
 * unchanged, -1 failed (the old engine stays in service). */
int scan_reload_if_changed(scan_engine_t *s, char *err, size_t errlen);
/* {"engine":"ClamAV 1.4.6","signatures":N,"sigdir":"...","loaded_at":ISO,
 *  "databases":[{"name","signatures","version"?,"built_at"?}],"reloads":N}
 * for the console's system page. New reference. */
json_t *scan_info(scan_engine_t *s);

#endif
