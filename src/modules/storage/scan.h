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
 * Thread-safe: any number of threads scan at once. A reload builds the new
 * engine beside the old one (so for a moment both are in memory: about
 * twice a full freshclam set's ~1 GB) in the thread whose scan noticed the
 * change; the other threads go on with the old engine, and every scan keeps
 * the engine it started with until it ends.
 *
 * Size limit: libclamav 1.4 scans at most 2 GiB - 3 bytes of a file
 * (cl_engine_set_num clamps CL_ENGINE_MAX_FILESIZE to INT_MAX - 2) and
 * silently reports a larger file clean. So max_file_mb above 2047 is taken
 * as that cap, and scan_file answers SCAN_ERROR ("文件过大") for a file
 * above the limit in force instead of passing it unscanned. Inside
 * archives, what is extracted is scanned up to the same total
 * (CL_ENGINE_MAX_SCANSIZE) with libclamav's default recursion (17) and
 * file-count (10000) limits; content beyond them is not scanned and not
 * reported. One scan may take at most 10 minutes (SCAN_ERROR after).
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
 *  "databases":[{"name","signatures","version"?,"built_at"?}],"reloads":N,
 *  "max_file_mb":N,"last_error":"..."|null}
 * for the console's system page (max_file_mb: the limit in force;
 * last_error: why the last reload failed, null after a good one). New
 * reference. */
json_t *scan_info(scan_engine_t *s);

/* Writes the signature databases the binary carries (data/clamav: the
 * EICAR test signature) into dir, created if missing, each replaced
 * atomically and only when its contents differ (so that an unchanged file
 * does not look like a signature update). For a sigdir left at its
 * default. 0, or -1 with a reason in err. */
int scan_write_bundled(const char *dir, char *err, size_t errlen);

#endif
