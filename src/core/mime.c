/* mime.c — libmagic behind a mutex; see mime.h. */
#include "core/mime.h"
#include "core/str.h"
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t g_magic;
static bool g_failed;

/* UTF-8 text without control characters (the sample may end inside a character). */
static bool utf8_text(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f') || p[i] == 0x7f)
            return false;
    for (size_t cut = 0; cut < 4 && cut <= n; cut++)
        if (utf8_valid((const char *)p, n - cut))
            return true;
    return false;
}

int mime_sniff(const void *buf, size_t len, char *out, size_t outsz)
{
    int rc = -1;
    str_lcpy(out, "application/octet-stream", outsz);
    pthread_mutex_lock(&g_lock);
    if (!g_magic && !g_failed) {
        g_magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
        if (g_magic && magic_load(g_magic, NULL) != 0) {
            magic_close(g_magic);
            g_magic = NULL;
        }
        g_failed = !g_magic;
    }
    if (g_magic) {
        const char *t = magic_buffer(g_magic, buf, len);
        if (t) {
            str_lcpy(out, t, outsz);
            rc = 0;
        }
        /* a DOS .COM program has no header: libmagic calls anything that
         * starts with the byte 0xE9 (a near jump) one, and so every UTF-8
         * text whose first character is in U+9000..U+9FFF (阵, 需, 院 …) */
        const unsigned char *b = buf;
        if (rc == 0 && !strcmp(out, "application/x-dosexec") && !(len >= 2 && b[0] == 'M' && b[1] == 'Z') &&
            utf8_text(b, len))
            str_lcpy(out, "text/plain", outsz);
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

int mime_sniff_file(const char *path, char *out, size_t outsz)
{
    unsigned char head[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        str_lcpy(out, "application/octet-stream", outsz);
        return -1;
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n < 0) {
        str_lcpy(out, "application/octet-stream", outsz);
        return -1;
    }
    return mime_sniff(head, (size_t)n, out, outsz);
}

bool mime_in(const char *type, const char *const *allowed)
{
    for (; allowed && *allowed; allowed++)
        if (!strcmp(type, *allowed))
            return true;
    return false;
}
