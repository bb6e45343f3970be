/* dynlib.h — libraries opened with dlopen() on first use instead of being
 * linked (issue 16): every linked library costs every start of the binary
 * in the dynamic loader, also the commands that never need it (`zhendi
 * proofread --text` needs neither libcurl nor libpq, which bring some thirty
 * libraries with them: GnuTLS, Kerberos, LDAP …). libvips, poppler-glib and
 * libclamav are opened the same way by their only users (media/image.c,
 * text/docparse.c, modules/storage/scan.c).
 *
 * A user lists the functions it needs as an X-macro, FUNCS(X), declares its
 * table of pointers with ZD_DL_TABLE(FUNCS) and fills it once with
 * ZD_DL_LOAD (a reason on failure) or ZD_DL_REQUIRE (a missing library is a
 * broken installation, deps/apt.txt: the process says so and exits with
 * status 70); the caller makes that once (pthread_once). */
#ifndef ZD_DYNLIB_H
#define ZD_DYNLIB_H
#include <stddef.h>

/* Opens soname (RTLD_NOW | flags) and fills ptrs[i] with names[i] (n of
 * them). 0, or -1 with the reason in err (dlerror, or the missing name). */
int zd_dl_try(const char *soname, int flags, const char *const *names, void **ptrs, int n, char *err,
              size_t errlen);

/* zd_dl_try with RTLD_LOCAL; logs and exits the process on failure. */
void zd_dl_open(const char *soname, const char *const *names, void **ptrs, int n);

#define ZD_DL_FIELD_(f) __typeof__(f) *f;
#define ZD_DL_NAME_(f)  #f,
#define ZD_DL_SET_(f)   zd_dl_tab_->f = (__typeof__(zd_dl_tab_->f))zd_dl_p_[zd_dl_i_++];

/* struct { <pointer to f> f; … } for every f of FUNCS */
#define ZD_DL_TABLE(FUNCS)                                                                                   \
    struct {                                                                                                 \
        FUNCS(ZD_DL_FIELD_)                                                                                  \
    }

/* Fills tab (a ZD_DL_TABLE(FUNCS)) from soname through OPEN, a call of
 * zd_dl_try or zd_dl_open whose trailing arguments follow; rc gets 0 or -1 */
#define ZD_DL_FILL_(rc, tab, FUNCS, OPEN, ...)                                                               \
    do {                                                                                                     \
        static const char *const zd_dl_names_[] = {FUNCS(ZD_DL_NAME_)};                                      \
        enum { zd_dl_n_ = sizeof zd_dl_names_ / sizeof *zd_dl_names_ };                                      \
        void *zd_dl_p_[zd_dl_n_];                                                                            \
        __typeof__(tab) *zd_dl_tab_ = &(tab);                                                                \
        int zd_dl_i_ = 0;                                                                                    \
        (rc) = OPEN(__VA_ARGS__, zd_dl_names_, zd_dl_p_, zd_dl_n_);                                          \
        if ((rc) == 0) {                                                                                     \
            FUNCS(ZD_DL_SET_)                                                                                \
        }                                                                                                    \
    } while (0)

#define ZD_DL_TRY_(soname, flags, err, errlen, names, p, n) zd_dl_try(soname, flags, names, p, n, err, errlen)
#define ZD_DL_OPEN_(soname, names, p, n)                    (zd_dl_open(soname, names, p, n), 0)

/* rc = 0 with tab filled from soname (opened RTLD_NOW | flags), or -1 with
 * the reason in err */
#define ZD_DL_LOAD(rc, tab, FUNCS, soname, flags, err, errlen)                                               \
    ZD_DL_FILL_(rc, tab, FUNCS, ZD_DL_TRY_, soname, flags, err, errlen)

/* tab filled from soname, or the process exits (zd_dl_open) */
#define ZD_DL_REQUIRE(tab, FUNCS, soname)                                                                    \
    do {                                                                                                     \
        int zd_dl_rc_;                                                                                       \
        ZD_DL_FILL_(zd_dl_rc_, tab, FUNCS, ZD_DL_OPEN_, soname);                                             \
        (void)zd_dl_rc_;                                                                                     \
    } while (0)

#endif
