/* Videos: probe, the rendition ladder, the transcode to HLS + MP4 +
 * poster (checked with ffprobe), progress, cancel, stall and timeout, and
 * broken or foreign input. The clips are made here with ffmpeg's lavfi
 * test sources: a few seconds, small sizes. */
#include "support/cm.h"
#include "support/testutil.h"

#include "core/proc.h"
#include "core/timeutil.h"
#include "media/video.h"
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static void path_of(char *out, size_t outsz, const char *name) { snprintf(out, outsz, "%s/%s", dir, name); }

/* ffmpeg -f lavfi ... to make a clip; fails the test when it cannot */
static void ffmpeg(const char *const *args)
{
    const char *argv[64] = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"};
    int n = 6;
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    proc_result_t r;
    if (proc_run(argv, &(proc_opts_t){.timeout_ms = 120000}, &r) != 0 || r.status != 0)
        fail_msg("ffmpeg: %s", r.err);
    proc_result_free(&r);
}

/* ffprobe's JSON of a file (format and streams); caller decrefs */
static json_t *ffprobe(const char *path)
{
    const char *argv[] = {"ffprobe",       "-v", "error", "-of", "json", "-show_format",
                          "-show_streams", path, NULL};
    proc_result_t r;
    if (proc_run(argv, &(proc_opts_t){.timeout_ms = 30000}, &r) != 0 || r.status != 0)
        fail_msg("ffprobe %s: %s", path, r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    proc_result_free(&r);
    assert_non_null(j);
    return j;
}

static json_t *stream_of(json_t *probe, const char *type)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(probe, "streams"), i, s)
    {
        if (!strcmp(json_string_value(json_object_get(s, "codec_type")), type))
            return s;
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir();
    char p[1100];
    /* 640 × 360, MPEG-4 part 2 (never copied), with sound and a location */
    path_of(p, sizeof p, "mpeg4.mp4");
    ffmpeg((const char *[]){"-f",        "lavfi",
                            "-i",        "testsrc=size=640x360:rate=25:duration=2",
                            "-f",        "lavfi",
                            "-i",        "sine=frequency=440:duration=2",
                            "-c:v",      "mpeg4",
                            "-q:v",      "5",
                            "-c:a",      "aac",
                            "-metadata", "location=+31.2304+121.4737/",
                            "-metadata", "title=secret-title",
                            "-shortest", p,
                            NULL});
    /* 320 × 240 H.264, small: fits the 240p rung as it is */
    path_of(p, sizeof p, "h264.mp4");
    ffmpeg((const char *[]){"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f", "lavfi",
                            "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "veryfast",
                            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", p, NULL});
    /* the same turned a quarter by its display matrix, no sound */
    char src[1100];
    path_of(src, sizeof src, "h264.mp4");
    path_of(p, sizeof p, "rotated.mp4");
    ffmpeg((const char *[]){"-i", src, "-map", "0:v", "-c", "copy", "-metadata:s:v", "rotate=90", p, NULL});
    /* 20 s of 640 × 480 for cancel and timeout */
    path_of(p, sizeof p, "long.mp4");
    ffmpeg((const char *[]){"-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=20", "-c:v",
                            "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", p, NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("ZD_KEEP")) /* ZD_KEEP=1: keep the clips and outputs to look at */
        tu_rmrf(dir);
    free(dir);
    return 0;
}

/* ---- probe ---- */

static void probe_reads_container_streams_and_rotation(void **state)
{
    (void)state;
    char p[1100], err[256];
    int kind = -1;
    media_video_info_t in;
    path_of(p, sizeof p, "mpeg4.mp4");
    if (media_video_probe(p, &in, &kind, err, sizeof err) != 0)
        fail_msg("probe: %s", err);
    assert_int_equal(kind, MEDIA_E_OK);
    assert_string_equal(in.format, "mov,mp4,m4a,3gp,3g2,mj2");
    assert_true(in.duration_ms >= 1900 && in.duration_ms <= 2200);
    assert_true(in.bitrate > 0);
    assert_true(in.has_video);
    assert_true(in.has_audio);
    assert_string_equal(in.vcodec, "mpeg4");
    assert_string_equal(in.pix_fmt, "yuv420p");
    assert_int_equal(in.width, 640);
    assert_int_equal(in.height, 360);
    assert_int_equal(in.rotation, 0);
    assert_true(fabs(in.fps - 25) < 0.01);
    assert_true(in.vbitrate > 0);
    assert_string_equal(in.acodec, "aac");
    assert_int_equal(in.asample_rate, 44100);
    assert_int_equal(in.achannels, 1);
    assert_true(fabs(in.sar - 1) < 1e-9);
    assert_false(in.interlaced);

    path_of(p, sizeof p, "rotated.mp4");
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    assert_true(in.rotation == 90 || in.rotation == 270);
    assert_int_equal(in.width, 240); /* as displayed */
    assert_int_equal(in.height, 320);
    assert_false(in.has_audio);
    assert_string_equal(in.acodec, "");
    assert_string_equal(in.vcodec, "h264");
}

static void broken_or_foreign_input_is_refused_clearly(void **state)
{
    (void)state;
    char p[1100], err[256], out[1100];
    int kind;
    media_video_info_t in;
    path_of(out, sizeof out, "out-broken");
    mkdir(out, 0755);

    /* random bytes */
    path_of(p, sizeof p, "noise.mp4");
    FILE *f = fopen(p, "wb");
    srand(7);
    for (int i = 0; i < 50000; i++)
        fputc(rand() & 0xFF, f);
    fclose(f);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_CORRUPT);
    assert_non_null(strstr(err, "无法读取视频文件"));
    json_t *res = (json_t *)1;
    assert_int_equal(media_video_transcode(p, NULL, out, NULL, NULL, NULL, &res, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_CORRUPT);
    assert_null(res);

    /* the first half of an MP4 whose index is at the end */
    char whole[1100];
    path_of(whole, sizeof whole, "mpeg4.mp4");
    path_of(p, sizeof p, "half.mp4");
    struct stat st;
    stat(whole, &st);
    FILE *a = fopen(whole, "rb"), *b = fopen(p, "wb");
    char *buf = malloc((size_t)st.st_size);
    assert_int_equal(fread(buf, 1, (size_t)st.st_size, a), (size_t)st.st_size);
    fwrite(buf, 1, (size_t)st.st_size / 2, b);
    fclose(a);
    fclose(b);
    free(buf);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_CORRUPT);
    if (!strstr(err, "moov atom not found"))
        fail_msg("%s", err);

    /* ffmpeg told to read it anyway (a probe that was right a moment ago) */
    media_video_info_t fake = {.format = "mov,mp4,m4a,3gp,3g2,mj2",
                               .duration_ms = 2000,
                               .has_video = true,
                               .vcodec = "mpeg4",
                               .pix_fmt = "yuv420p",
                               .width = 640,
                               .height = 360,
                               .fps = 25,
                               .sar = 1};
    assert_int_equal(media_video_transcode(p, &fake, out, NULL, NULL, NULL, &res, &kind, err, sizeof err),
                     -1);
    assert_int_equal(kind, MEDIA_E_CORRUPT);
    assert_non_null(strstr(err, "失败"));
    assert_null(res);

    /* sound only */
    path_of(p, sizeof p, "sound.m4a");
    ffmpeg((const char *[]){"-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", p, NULL});
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_UNSUPPORTED);
    assert_non_null(strstr(err, "没有视频画面"));

    /* a playlist posing as a video: ffmpeg would go and read what it names */
    path_of(p, sizeof p, "playlist.mp4");
    f = fopen(p, "w");
    fprintf(f, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n");
    fclose(f);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), -1);
    assert_true(kind == MEDIA_E_UNSUPPORTED || kind == MEDIA_E_CORRUPT);

    /* a caller's info naming a playlist demuxer */
    snprintf(fake.format, sizeof fake.format, "hls");
    path_of(out, sizeof out, "out-hls");
    mkdir(out, 0755);
    assert_int_equal(media_video_transcode(p, &fake, out, NULL, NULL, NULL, NULL, &kind, err, sizeof err),
                     -1);
    assert_int_equal(kind, MEDIA_E_UNSUPPORTED);

    /* nothing there; a directory */
    path_of(p, sizeof p, "missing.mp4");
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_IO);
    assert_int_equal(media_video_probe(dir, &in, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_IO);

    /* no ffprobe on PATH */
    char *path = strdup(getenv("PATH"));
    setenv("PATH", "/nonexistent", 1);
    path_of(p, sizeof p, "mpeg4.mp4");
    int rc = media_video_probe(p, &in, &kind, err, sizeof err);
    setenv("PATH", path, 1);
    free(path);
    assert_int_equal(rc, -1);
    assert_int_equal(kind, MEDIA_E_TOOL);
    assert_non_null(strstr(err, "ffprobe"));
}

/* ---- plan ---- */

static media_video_info_t src(int w, int h, const char *codec, int64_t vbps)
{
    media_video_info_t in = {
        .has_video = true, .has_audio = true, .width = w, .height = h, .fps = 30, .sar = 1};
    snprintf(in.vcodec, sizeof in.vcodec, "%s", codec);
    snprintf(in.pix_fmt, sizeof in.pix_fmt, "yuv420p");
    in.vbitrate = vbps;
    return in;
}

static void check_ladder(const media_video_info_t *in, const media_rendition_t *r, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(r[i].width % 2, 0);
        assert_int_equal(r[i].height % 2, 0);
        assert_true(r[i].width <= in->width && r[i].height <= in->height); /* never enlarged */
        double a = (double)in->width / in->height, b = (double)r[i].width / r[i].height;
        assert_true(fabs(a - b) / a < 0.02); /* aspect kept */
        if (i > 0) {
            assert_true(r[i].height * r[i].width > r[i - 1].height * r[i - 1].width);
            assert_true(r[i].video_bps > r[i - 1].video_bps);
        }
        assert_true(r[i].audio_bps == (in->has_audio ? r[i].audio_bps : 0));
    }
}

static void plan_follows_the_ladder_and_never_enlarges(void **state)
{
    (void)state;
    media_rendition_t r[8];
    media_video_info_t in = src(1920, 1080, "h264", 20000000);
    int n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 5);
    check_ladder(&in, r, n);
    static const int W[] = {426, 640, 854, 1280, 1920}, H[] = {240, 360, 480, 720, 1080};
    static const char *const NAMES[] = {"240p", "360p", "480p", "720p", "1080p"};
    for (int i = 0; i < n; i++) {
        assert_string_equal(r[i].name, NAMES[i]);
        assert_int_equal(r[i].width, W[i]);
        assert_int_equal(r[i].height, H[i]);
        assert_false(r[i].copy_video);
    }
    /* pixels × fps × bits per pixel: 1920 × 1080 × 30 × 0.10 */
    assert_int_equal(r[4].video_bps, 6220800);
    assert_true(r[0].audio_bps > 0);

    in = src(3840, 2160, "hevc", 0); /* 4K: 1080p at most */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 5);
    assert_string_equal(r[4].name, "1080p");
    assert_int_equal(r[4].width, 1920);

    in = src(1280, 720, "h264", 1500000); /* fits the 720p rung: copied */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 4);
    check_ladder(&in, r, n);
    assert_true(r[3].copy_video);
    assert_int_equal(r[3].video_bps, 1500000);
    assert_false(r[2].copy_video);
    in.rotation = 90; /* a player would have to turn it: encoded */
    assert_int_equal(media_video_plan(&in, r, 8), 4);
    assert_false(r[3].copy_video);
    in = src(1280, 720, "h264", 9000000); /* too many bits: encoded */
    assert_int_equal(media_video_plan(&in, r, 8), 4);
    assert_false(r[3].copy_video);

    in = src(1080, 1920, "h264", 20000000); /* portrait: named by the width */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 5);
    check_ladder(&in, r, n);
    assert_string_equal(r[0].name, "240p");
    assert_int_equal(r[0].width, 240);
    assert_int_equal(r[0].height, 426);

    in = src(320, 180, "vp9", 0); /* below the first rung: its own size */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].name, "180p");
    assert_int_equal(r[0].width, 320);
    assert_int_equal(r[0].height, 180);

    in = src(321, 241, "vp9", 0); /* odd: even sizes, never larger */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].width, 320);
    assert_int_equal(r[0].height, 240);

    in = src(1280, 544, "h264", 20000000); /* just above 480p: 480p is enough */
    assert_int_equal(media_video_plan(&in, r, 8), 3);
    assert_string_equal(r[2].name, "480p");
    in = src(1440, 600, "h264", 20000000); /* well above: its own size on top */
    n = media_video_plan(&in, r, 8);
    assert_int_equal(n, 4);
    check_ladder(&in, r, n);
    assert_string_equal(r[3].name, "600p");
    assert_int_equal(r[3].width, 1440);

    in = src(1920, 1080, "h264", 20000000); /* room for two: the largest two */
    assert_int_equal(media_video_plan(&in, r, 2), 2);
    assert_string_equal(r[0].name, "720p");
    assert_string_equal(r[1].name, "1080p");

    in.has_audio = false;
    assert_int_equal(media_video_plan(&in, r, 8), 5);
    assert_int_equal(r[0].audio_bps, 0);
    in.has_video = false;
    assert_int_equal(media_video_plan(&in, r, 8), 0);
    assert_int_equal(media_video_plan(NULL, r, 8), 0);
}

/* ---- transcode ---- */

typedef struct {
    double last;
    int calls;
    bool monotonic, saw_note;
    int cancel_after; /* return false on this call; 0: never */
    int64_t cancelled_at;
} prog_t;

static bool on_progress(void *ud, double pct, const char *note)
{
    prog_t *p = ud;
    if (pct < p->last || pct < 0 || pct > 100)
        p->monotonic = false;
    p->last = pct;
    p->calls++;
    if (note && strstr(note, "转码"))
        p->saw_note = true;
    if (p->cancel_after && p->calls >= p->cancel_after) {
        p->cancelled_at = time_mono_ns();
        return false;
    }
    return true;
}

static void check_variant(const char *out, const char *name, int w, int h, bool audio)
{
    char p[1300];
    snprintf(p, sizeof p, "%s/hls/%s/index.m3u8", out, name);
    json_t *j = ffprobe(p);
    json_t *v = stream_of(j, "video");
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "codec_name")), "h264");
    assert_int_equal(json_integer_value(json_object_get(v, "width")), w);
    assert_int_equal(json_integer_value(json_object_get(v, "height")), h);
    assert_null(json_object_get(v, "side_data_list")); /* upright: no display matrix */
    assert_true((stream_of(j, "audio") != NULL) == audio);
    double d = strtod(json_string_value(json_object_get(json_object_get(j, "format"), "duration")), NULL);
    assert_true(d > 1.8 && d < 2.3);
    json_decref(j);
    snprintf(p, sizeof p, "%s/hls/%s/init.mp4", out, name);
    assert_int_equal(access(p, R_OK), 0);
    snprintf(p, sizeof p, "%s/hls/%s/seg_0.m4s", out, name);
    assert_int_equal(access(p, R_OK), 0);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void transcode_writes_hls_ladder_mp4_and_poster(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    int kind;
    media_video_info_t in;
    path_of(p, sizeof p, "mpeg4.mp4");
    path_of(out, sizeof out, "out-mpeg4");
    mkdir(out, 0755);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    prog_t pg = {.last = -1, .monotonic = true};
    json_t *res = NULL;
    media_transcode_opts_t o = {.timeout_s = 120, .stall_s = 30};
    if (media_video_transcode(p, &in, out, &o, on_progress, &pg, &res, &kind, err, sizeof err) != 0)
        fail_msg("transcode (%d): %s", kind, err);
    assert_int_equal(kind, MEDIA_E_OK);
    assert_true(pg.calls >= 3);
    assert_true(pg.monotonic);
    assert_true(pg.saw_note);
    assert_true(fabs(pg.last - 100) < 1e-9);

    /* result */
    json_t *rs = json_object_get(res, "renditions");
    assert_int_equal(json_array_size(rs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 0), "name")), "240p");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "name")), "360p");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rs, 0), "width")), 426);
    assert_false(json_boolean_value(json_object_get(json_array_get(rs, 1), "copied")));
    assert_true(json_integer_value(json_object_get(res, "duration_ms")) >= 1900);
    assert_true(json_integer_value(json_object_get(res, "elapsed_ms")) > 0);
    assert_true(json_real_value(json_object_get(res, "speed")) > 0);
    json_decref(res);

    /* master playlist */
    char mp[1300];
    snprintf(mp, sizeof mp, "%s/hls/master.m3u8", out);
    size_t len;
    char *m = slurp(mp, &len);
    assert_true(strncmp(m, "#EXTM3U\n", 8) == 0);
    assert_non_null(strstr(m, "RESOLUTION=426x240,"));
    assert_non_null(strstr(m, "RESOLUTION=640x360,"));
    assert_non_null(strstr(m, "\n240p/index.m3u8\n"));
    assert_non_null(strstr(m, "\n360p/index.m3u8\n"));
    int with_codecs = 0;
    for (const char *c = m; (c = strstr(c, "CODECS=\"avc1.")); c++) {
        assert_true(strncmp(c + 19, ",mp4a.40.2\"", 11) == 0);
        with_codecs++;
    }
    assert_int_equal(with_codecs, 2);
    assert_non_null(strstr(m, "BANDWIDTH="));
    free(m);
    check_variant(out, "240p", 426, 240, true);
    check_variant(out, "360p", 640, 360, true);

    /* video.mp4: H.264/AAC at the largest size, index first, no metadata */
    snprintf(mp, sizeof mp, "%s/video.mp4", out);
    json_t *j = ffprobe(mp);
    json_t *v = stream_of(j, "video");
    assert_string_equal(json_string_value(json_object_get(v, "codec_name")), "h264");
    assert_int_equal(json_integer_value(json_object_get(v, "width")), 640);
    assert_string_equal(json_string_value(json_object_get(stream_of(j, "audio"), "codec_name")), "aac");
    json_t *tags = json_object_get(json_object_get(j, "format"), "tags");
    assert_null(json_object_get(tags, "location"));
    assert_null(json_object_get(tags, "title"));
    double d = strtod(json_string_value(json_object_get(json_object_get(j, "format"), "duration")), NULL);
    assert_true(d > 1.8 && d < 2.3);
    json_decref(j);
    char *b = slurp(mp, &len);
    char *moov = memmem(b, len, "moov", 4), *mdat = memmem(b, len, "mdat", 4);
    assert_non_null(moov);
    assert_non_null(mdat);
    assert_true(moov < mdat); /* faststart */
    assert_null(memmem(b, len, "secret-title", 12));
    assert_null(memmem(b, len, "+31.2304", 8));
    free(b);

    /* poster */
    snprintf(mp, sizeof mp, "%s/poster.jpg", out);
    j = ffprobe(mp);
    v = stream_of(j, "video");
    assert_string_equal(json_string_value(json_object_get(v, "codec_name")), "mjpeg");
    assert_int_equal(json_integer_value(json_object_get(v, "width")), 640);
    assert_int_equal(json_integer_value(json_object_get(v, "height")), 360);
    json_decref(j);

    /* no temporary files left */
    snprintf(mp, sizeof mp, "%s/.video-frag.mp4", out);
    assert_int_equal(access(mp, F_OK), -1);
    snprintf(mp, sizeof mp, "%s/hls/master.m3u8.tmp", out);
    assert_int_equal(access(mp, F_OK), -1);
}

static void transcode_copies_a_fitting_stream_and_turns_a_rotated_one(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    int kind;
    media_video_info_t in;
    json_t *res = NULL;
    path_of(p, sizeof p, "h264.mp4");
    path_of(out, sizeof out, "out-h264");
    mkdir(out, 0755);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    if (media_video_transcode(p, &in, out, NULL, NULL, NULL, &res, &kind, err, sizeof err) != 0)
        fail_msg("transcode: %s", err);
    json_t *r0 = json_array_get(json_object_get(res, "renditions"), 0);
    assert_int_equal(json_array_size(json_object_get(res, "renditions")), 1);
    assert_true(json_boolean_value(json_object_get(r0, "copied")));
    json_decref(res);
    check_variant(out, "240p", 320, 240, true);
    char mp[1300];
    snprintf(mp, sizeof mp, "%s/hls/master.m3u8", out);
    size_t len;
    char *m = slurp(mp, &len);
    assert_non_null(strstr(m, "CODECS=\"avc1.64")); /* High profile, read from the copied stream */
    free(m);

    path_of(p, sizeof p, "rotated.mp4");
    path_of(out, sizeof out, "out-rotated");
    mkdir(out, 0755);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    if (media_video_transcode(p, &in, out, NULL, NULL, NULL, &res, &kind, err, sizeof err) != 0)
        fail_msg("transcode: %s", err);
    r0 = json_array_get(json_object_get(res, "renditions"), 0);
    assert_false(json_boolean_value(json_object_get(r0, "copied")));
    assert_int_equal(json_integer_value(json_object_get(r0, "width")), 240);
    assert_int_equal(json_integer_value(json_object_get(r0, "height")), 320);
    json_decref(res);
    check_variant(out, "240p", 240, 320, false);
    snprintf(mp, sizeof mp, "%s/hls/master.m3u8", out);
    m = slurp(mp, &len);
    assert_non_null(strstr(m, "RESOLUTION=240x320,"));
    assert_null(strstr(m, "mp4a"));
    free(m);
    snprintf(mp, sizeof mp, "%s/poster.jpg", out);
    json_t *j = ffprobe(mp);
    assert_int_equal(json_integer_value(json_object_get(stream_of(j, "video"), "width")), 240);
    assert_int_equal(json_integer_value(json_object_get(stream_of(j, "video"), "height")), 320);
    json_decref(j);
}

/* true while a process (not a zombie) has input in its command line */
static bool ffmpeg_reading(const char *input)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "pgrep -f -- '[f]ile:%s' >/dev/null", input); /* [f]: not this shell */
    return system(cmd) == 0;
}

static void cancel_stops_ffmpeg_at_once(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    int kind;
    media_video_info_t in;
    path_of(p, sizeof p, "long.mp4");
    path_of(out, sizeof out, "out-cancel");
    mkdir(out, 0755);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    prog_t pg = {.last = -1, .monotonic = true, .cancel_after = 3}; /* 0 %, then two reports of ffmpeg's */
    json_t *res = NULL;
    int64_t t0 = time_mono_ns();
    assert_int_equal(media_video_transcode(p, &in, out, NULL, on_progress, &pg, &res, &kind, err, sizeof err),
                     -1);
    int64_t end = time_mono_ns();
    assert_int_equal(kind, MEDIA_E_CANCELLED);
    assert_non_null(strstr(err, "取消"));
    assert_null(res);
    assert_int_equal(pg.calls, 3);
    assert_true(pg.last < 90);
    assert_true((end - pg.cancelled_at) / 1000000 < 500);
    assert_true((end - t0) / 1000000 < 10000);
    assert_false(ffmpeg_reading(p));
}

static void timeout_and_stall_kill_ffmpeg(void **state)
{
    (void)state;
    char p[1100], out[1100], err[256];
    int kind;
    media_video_info_t in;
    path_of(p, sizeof p, "long.mp4");
    path_of(out, sizeof out, "out-timeout");
    mkdir(out, 0755);
    assert_int_equal(media_video_probe(p, &in, &kind, err, sizeof err), 0);
    media_transcode_opts_t o = {.timeout_s = 1, .stall_s = 30};
    int64_t t0 = time_mono_ns();
    assert_int_equal(media_video_transcode(p, &in, out, &o, NULL, NULL, NULL, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_TIMEOUT);
    assert_non_null(strstr(err, "超时"));
    assert_true((time_mono_ns() - t0) / 1000000 < 3000);

    /* a source that never delivers a byte (a pipe nobody writes to) */
    path_of(p, sizeof p, "never.ts");
    assert_int_equal(mkfifo(p, 0600), 0);
    path_of(out, sizeof out, "out-stall");
    mkdir(out, 0755);
    media_video_info_t fake = {.format = "mpegts",
                               .duration_ms = 2000,
                               .has_video = true,
                               .vcodec = "h264",
                               .pix_fmt = "yuv420p",
                               .width = 320,
                               .height = 240,
                               .fps = 25,
                               .sar = 1};
    o = (media_transcode_opts_t){.timeout_s = 60, .stall_s = 1};
    t0 = time_mono_ns();
    assert_int_equal(media_video_transcode(p, &fake, out, &o, NULL, NULL, NULL, &kind, err, sizeof err), -1);
    int64_t ms = (time_mono_ns() - t0) / 1000000;
    assert_int_equal(kind, MEDIA_E_TIMEOUT);
    assert_non_null(strstr(err, "停滞"));
    assert_true(ms >= 900 && ms < 4000);
    assert_false(ffmpeg_reading(p));

    /* no output directory */
    path_of(p, sizeof p, "h264.mp4");
    path_of(out, sizeof out, "no-such-dir");
    assert_int_equal(media_video_transcode(p, NULL, out, NULL, NULL, NULL, NULL, &kind, err, sizeof err), -1);
    assert_int_equal(kind, MEDIA_E_IO);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_reads_container_streams_and_rotation),
        cmocka_unit_test(broken_or_foreign_input_is_refused_clearly),
        cmocka_unit_test(plan_follows_the_ladder_and_never_enlarges),
        cmocka_unit_test(transcode_writes_hls_ladder_mp4_and_poster),
        cmocka_unit_test(transcode_copies_a_fitting_stream_and_turns_a_rotated_one),
        cmocka_unit_test(cancel_stops_ffmpeg_at_once),
        cmocka_unit_test(timeout_and_stall_kill_ffmpeg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
