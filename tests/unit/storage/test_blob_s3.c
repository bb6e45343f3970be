/* test_blob_s3.c — what the S3 object store (blob_s3.c) decides without a
 * server: its configuration checks, the key rules before any request, no
 * descriptors and no local paths, and a server that is not there reported
 * as such. The requests themselves are tested against Ceph's RADOS
 * Gateway by `make test-s3` (tests/s3/). */
#include "support/cm.h"

#include "modules/storage/blob.h"
#include "modules/storage/blob_internal.h"
#include "support/testutil.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static blob_s3_config_t good(void)
{
    return (blob_s3_config_t){
        .endpoint = "http://127.0.0.1:1",
        .region = "cn-east-1",
        .bucket = "zhendi-files",
        .prefix = "zhendi/",
        .access_key = "AK",
        .secret_key = "SK",
        .path_style = true,
        .verify_tls = true,
    };
}

static void configuration_is_checked(void **state)
{
    (void)state;
    char err[512];
    blob_s3_config_t c = good();
    blob_store_t *b = blob_s3_new(&c, err, sizeof err);
    assert_non_null(b);
    assert_string_equal(b->ops->name, "s3");
    blob_free(b);
    /* region and prefix may be left out */
    c.region = NULL;
    c.prefix = NULL;
    c.path_style = false;
    b = blob_s3_new(&c, err, sizeof err);
    assert_non_null(b);
    blob_free(b);

    assert_null(blob_s3_new(NULL, err, sizeof err));
    struct {
        const char *field, *value;
    } bad[] = {
        {"endpoint", "s3.example.gov.cn"},
        {"endpoint", "ftp://x"},
        {"endpoint", "https://"},
        {"bucket", "ab"},
        {"bucket", "-zhendi"},
        {"bucket", "a/b"},
        {"bucket", "Upper_Case"},
        {"prefix", "/zhendi/"},
        {"prefix", "../x/"},
        {"access_key", ""},
        {"secret_key", ""},
        {"region", "cn east"},
        {"access_key", NULL},
        {"endpoint", NULL},
        {"bucket", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = good();
        c.path_style = false;
        const char **f = !strcmp(bad[i].field, "endpoint")     ? &c.endpoint
                         : !strcmp(bad[i].field, "bucket")     ? &c.bucket
                         : !strcmp(bad[i].field, "prefix")     ? &c.prefix
                         : !strcmp(bad[i].field, "access_key") ? &c.access_key
                         : !strcmp(bad[i].field, "secret_key") ? &c.secret_key
                                                               : &c.region;
        *f = bad[i].value;
        err[0] = 0;
        b = blob_s3_new(&c, err, sizeof err);
        if (b)
            fail_msg("accepted %s = %s", bad[i].field, bad[i].value ? bad[i].value : "NULL");
        assert_true(err[0] != 0);
    }
    /* legacy bucket names are fine in path style */
    c = good();
    c.bucket = "Legacy_Bucket";
    b = blob_s3_new(&c, err, sizeof err);
    assert_non_null(b);
    blob_free(b);
}

/* a port on which nothing listens */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void no_server_no_descriptors_no_bad_keys(void **state)
{
    (void)state;
    char err[512], ep[64], buf[16], path[256];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", closed_port());
    blob_s3_config_t c = good();
    c.endpoint = ep;
    c.timeout_s = 5;
    blob_store_t *b = blob_s3_new(&c, err, sizeof err);
    assert_non_null(b);
    char s[65];
    memset(s, 'a', 64);
    s[64] = 0;

    int64_t size;
    err[0] = 0;
    assert_int_equal(b->ops->stat(b, s, &size, err, sizeof err), -1);
    assert_non_null(strstr(err, "S3 HEAD"));
    assert_int_equal(b->ops->read_at(b, s, 0, buf, sizeof buf, err, sizeof err), -1);
    assert_non_null(strstr(err, "S3 GET"));
    snprintf(path, sizeof path, "/tmp/zhendi-test-s3-fetch-%d", (int)getpid());
    assert_int_equal(b->ops->fetch(b, s, path, err, sizeof err), -1);
    assert_int_equal(access(path, F_OK), -1); /* not left behind */
    assert_int_equal(b->ops->remove(b, s, false, err, sizeof err), -1);

    errno = 0;
    assert_int_equal(b->ops->open_fd(b, s), -1);
    assert_int_equal(errno, ENOTSUP);
    assert_false(b->ops->local_path(b, s, path, sizeof path));

    /* the key rules, before any request */
    const char *bad[] = {"../etc/passwd", "/abs", "A", "", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = 0;
        assert_int_equal(b->ops->stat(b, bad[i], &size, err, sizeof err), -1);
        assert_null(strstr(err, "S3 HEAD"));
        assert_int_equal(b->ops->put_file(b, bad[i], "/etc/hostname", false, err, sizeof err), -1);
        assert_int_equal(b->ops->remove(b, bad[i], false, err, sizeof err), -1);
    }
    assert_int_equal(b->ops->remove(b, "", true, err, sizeof err), -1);
    assert_int_equal(b->ops->list(b, "d/../", NULL, NULL, err, sizeof err), -1);
    /* a source that is not a file */
    assert_int_equal(b->ops->put_file(b, s, "/tmp", false, err, sizeof err), -1);
    blob_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(configuration_is_checked),
        cmocka_unit_test(no_server_no_descriptors_no_bad_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
