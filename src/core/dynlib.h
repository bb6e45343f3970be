/* dynlib.h — libraries opened with dlopen() on first use instead of being
 * linked (issue 16): every linked library costs every start of the binary
 * in the dynamic loader, also the commands that never need it (`zhendi
 * proofread --text` needs neither libcurl nor libpq, which bring some thirty
 * libraries with them: GnuTLS, Kerberos, LDAP …). libvips, poppler-glib and
 * libclamav are opened the same way by their only users (media/image.c,
 * text/docparse.c, modules/storage/scan.c).
 *
 * The first call of zd_dl_open() loads the library and looks up every
 * function (thread-safe); a missing library is a broken installation
 * (deps/apt.txt): the process says so and exits with status 70. */
#ifndef ZD_DYNLIB_H
#define ZD_DYNLIB_H

/* Opens soname (RTLD_NOW | RTLD_LOCAL) and fills ptrs[i] with names[i]
 * (n of them); exits the process on failure. */
void zd_dl_open(const char *soname, const char *const *names, void **ptrs, int n);

#endif
