/* video.c — ffprobe and ffmpeg as child processes; see video.h.
 *
 * The input is untrusted. ffmpeg gets it as "file:PATH" with
 * -protocol_whitelist file (never a URL or another protocol), only the
 * containers of real video files are accepted (not HLS or concat
 * playlists, which would make ffmpeg open other files or URLs), and the
 * transcode names the demuxer the probe found (-f), so a file changed in
 * between is not sniffed again as something else. Metadata (a phone's
 * location among it) is not copied to the outputs.
 *
 * The ladder is one ffmpeg run: the source is decoded once and split into
 * every rendition, each encoded by its own libx264 in parallel, all
 * written by the HLS muxer (fMP4 segments, one playlist per rendition).
 * Then: the init segments renamed to init.mp4, the master playlist written
 * here with BANDWIDTH measured from the segments (the peak) and CODECS
 * from each init segment's avcC (ffmpeg leaves CODECS out for a copied
 * stream); video.mp4 is the largest rendition's segments remuxed with
 * faststart (no second encode); the poster is one frame of the source.
 */
#include "media/video.h"
#include "core/fileio.h"
#include "core/proc.h"
#include "core/str.h"
#include "core/timeutil.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MS 60000
#define MAX_SIDE         8192 /* larger sources are refused (8K UHD is 7680 × 4320) */
#define MAX_RENDITIONS   8
#define HLS_SEGMENT_S    4
#define KEYFRAME_S       2

/* PeerTube's rungs (by the shorter side, so that a portrait video gets
 * the same ladder) with its average bits per pixel and an audio bitrate */
static const struct {
    int p;
    double bpp;
    int64_t audio_bps;
} LADDER[] = {
    {240, 0.17, 64000}, {360, 0.15, 96000}, {480, 0.12, 128000}, {720, 0.11, 128000}, {1080, 0.10, 128000},
};
#define LADDER_N ((int)(sizeof LADDER / sizeof LADDER[0]))

/* ffprobe's format_name of the containers accepted */
static const char *const CONTAINERS[] = {
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "flv",
    "mpegts",
    "mpeg",
    "asf",
    "ogg",
    "mxf",
    "rm",
    "dv",
    "h264",
    "hevc",
    "m4v",
    "mpegvideo",
};

static bool container_known(const char *format)
{
    for (size_t i = 0; i < sizeof CONTAINERS / sizeof CONTAINERS[0]; i++)
        if (!strcmp(format, CONTAINERS[i]))
            return true;
    return false;
}

/* for every ffmpeg: a glibc arena per thread would eat the address-space
 * limit of a many-threaded encoder without using the memory */
static const char *const FF_ENV[] = {"MALLOC_ARENA_MAX=2", NULL};

static void fail(int *kind, int k, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void fail(int *kind, int k, char *err, size_t errlen, const char *fmt, ...)
{
    *kind = k;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* What ffmpeg said, for a person: the last two lines of its stderr,
 * without the "[mov,mp4,... @ 0x55d0...] " and "file:/path: " prefixes
 * (the server's paths are nobody's business) */
static void tool_reason(const char *msg, char *out, size_t outsz)
{
    const char *lines[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    const char *end = msg + strlen(msg);
    int found = 0;
    while (end > msg && found < 2) {
        while (end > msg && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
            end--;
        const char *s = end;
        while (s > msg && s[-1] != '\n')
            s--;
        if (end > s) {
            lines[found] = s;
            lens[found++] = (size_t)(end - s);
        }
        end = s;
    }
    out[0] = 0;
    for (int i = found - 1; i >= 0; i--) {
        const char *s = lines[i];
        size_t n = lens[i];
        if (n > 2 && s[0] == '[') { /* "[demuxer @ 0x...] " */
            const char *close = memchr(s, ']', n);
            if (close && close + 2 <= s + n && close[1] == ' ') {
                n -= (size_t)(close + 2 - s);
                s = close + 2;
            }
        }
        if (n > 5 && !strncmp(s, "file:", 5)) { /* "file:/path: reason" */
            const char *colon = memmem(s + 5, n - 5, ": ", 2);
            if (colon) {
                n -= (size_t)(colon + 2 - s);
                s = colon + 2;
            }
        }
        size_t have = strlen(out);
        snprintf(out + have, outsz - have, "%s%.*s", have ? "；" : "", (int)(n < 200 ? n : 200), s);
    }
}

/* What a failed ffmpeg/ffprobe said, as an error kind */
static int classify(const char *msg)
{
    static const struct {
        const char *says;
        int kind;
    } KINDS[] = {
        {"No space left on device", MEDIA_E_IO},
        {"Disk quota exceeded", MEDIA_E_IO},
        {"Read-only file system", MEDIA_E_IO},
        {"Permission denied", MEDIA_E_IO},
        {"Error opening output", MEDIA_E_IO},
        {"Cannot allocate memory", MEDIA_E_TOOL},
        {"Decoder (codec", MEDIA_E_UNSUPPORTED},
        {"decoder not found", MEDIA_E_UNSUPPORTED},
        {"not supported", MEDIA_E_UNSUPPORTED},
        {"Invalid data found", MEDIA_E_CORRUPT},
        {"moov atom not found", MEDIA_E_CORRUPT},
        {"could not find codec parameters", MEDIA_E_CORRUPT},
        {"Error while decoding", MEDIA_E_CORRUPT},
        {"corrupt", MEDIA_E_CORRUPT},
        {"Invalid argument", MEDIA_E_CORRUPT},
        {"End of file", MEDIA_E_CORRUPT},
        {"No such file", MEDIA_E_IO},
    };
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcasestr(msg, KINDS[i].says))
            return KINDS[i].kind;
    return MEDIA_E_TOOL;
}

/* "file:" + the absolute path of path, for ffmpeg: never read as a URL */
static bool file_url(const char *path, char *out, size_t outsz)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        return false;
    return (size_t)snprintf(out, outsz, "file:%s", abs) < outsz;
}

/* ---- probe ---- */

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* ffprobe writes numbers as strings ("bit_rate": "128000") */
static int64_t jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    int64_t n;
    return json_is_string(v) && str_to_int64(json_string_value(v), &n) && n > 0 ? n : 0;
}

/* "30000/1001" → 29.97; 0 for "0/0" and the like */
static double ratio(const char *s, char sep)
{
    char *end;
    double a = strtod(s, &end);
    if (end == s || *end != sep)
        return 0;
    double b = strtod(end + 1, NULL);
    return a > 0 && b > 0 && isfinite(a / b) ? a / b : 0;
}

/* The clockwise rotation a player applies (ffmpeg's autorotate): the
 * display matrix's angle is counter-clockwise; old files have a "rotate"
 * tag, clockwise. */
static int rotation_of(json_t *stream)
{
    double deg = NAN;
    size_t i;
    json_t *sd;
    json_array_foreach(json_object_get(stream, "side_data_list"), i, sd)
    {
        json_t *r = json_object_get(sd, "rotation");
        if (json_is_number(r)) {
            deg = -json_number_value(r);
            break;
        }
    }
    if (isnan(deg)) {
        const char *tag = jstr(json_object_get(stream, "tags"), "rotate");
        if (*tag)
            deg = strtod(tag, NULL);
    }
    if (isnan(deg) || !isfinite(deg))
        return 0;
    long q = lround(deg / 90.0) % 4;
    return (int)((q + 4) % 4) * 90;
}

int media_video_probe(const char *path, media_video_info_t *out, int *kind, char *err, size_t errlen)
{
    int k_;
    if (!kind)
        kind = &k_;
    *kind = MEDIA_E_OK;
    memset(out, 0, sizeof *out);
    out->sar = 1;
    struct stat st;
    char input[PATH_MAX + 8];
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0 ||
        !file_url(path, input, sizeof input)) {
        fail(kind, MEDIA_E_IO, err, errlen, "视频文件不存在或无法读取");
        return -1;
    }
    const char *argv[] = {"ffprobe",
                          "-v",
                          "error",
                          "-protocol_whitelist",
                          "file",
                          "-print_format",
                          "json",
                          "-show_format",
                          "-show_streams",
                          input,
                          NULL};
    proc_opts_t po = {.timeout_ms = PROBE_TIMEOUT_MS, .max_stdout = 4u << 20, .max_memory_mb = 1024};
    proc_result_t pr;
    if (proc_run(argv, &po, &pr) != 0) {
        fail(kind, MEDIA_E_TOOL, err, errlen, "无法运行 ffprobe：%s", pr.err);
        proc_result_free(&pr);
        return -1;
    }
    int rc = -1;
    json_t *j = NULL;
    char why[420];
    if (pr.timed_out) {
        fail(kind, MEDIA_E_TIMEOUT, err, errlen, "读取视频信息超时");
        goto out;
    }
    if (pr.status != 0) {
        tool_reason(pr.err, why, sizeof why);
        int k = classify(pr.err);
        if (k == MEDIA_E_TOOL && pr.signal == 0)
            k = MEDIA_E_CORRUPT; /* ffprobe ran and could not read it */
        fail(kind, k, err, errlen, "无法读取视频文件（文件已损坏或不是视频）：%s",
             why[0] ? why : "ffprobe 失败");
        goto out;
    }
    j = json_loadb(pr.out, pr.out_len, 0, NULL);
    json_t *fmt = json_object_get(j, "format");
    if (!json_is_object(fmt)) {
        fail(kind, MEDIA_E_CORRUPT, err, errlen, "无法读取视频文件（文件已损坏或不是视频）");
        goto out;
    }
    str_lcpy(out->format, jstr(fmt, "format_name"), sizeof out->format);
    if (!container_known(out->format)) {
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "不支持的视频格式（%.40s）",
             out->format[0] ? out->format : "未知");
        goto out;
    }
    double d = strtod(jstr(fmt, "duration"), NULL);
    out->duration_ms = isfinite(d) && d > 0 ? (int64_t)llround(d * 1000) : 0;
    out->bitrate = jnum(fmt, "bit_rate");

    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(j, "streams"), i, s)
    {
        const char *type = jstr(s, "codec_type");
        if (!strcmp(type, "video") && !out->has_video &&
            json_integer_value(json_object_get(json_object_get(s, "disposition"), "attached_pic")) != 1) {
            out->has_video = true;
            str_lcpy(out->vcodec, jstr(s, "codec_name"), sizeof out->vcodec);
            str_lcpy(out->pix_fmt, jstr(s, "pix_fmt"), sizeof out->pix_fmt);
            int w = (int)jnum(s, "width"), h = (int)jnum(s, "height");
            double sar = ratio(jstr(s, "sample_aspect_ratio"), ':');
            if (sar > 0 && fabs(sar - 1) > 1e-3 && sar < 10 && sar > 0.1) {
                out->sar = sar;
                w = (int)lround(w * sar);
            }
            out->rotation = rotation_of(s);
            out->width = out->rotation % 180 ? h : w;
            out->height = out->rotation % 180 ? w : h;
            out->fps = ratio(jstr(s, "avg_frame_rate"), '/');
            if (out->fps <= 0 || out->fps > 1000)
                out->fps = ratio(jstr(s, "r_frame_rate"), '/');
            if (out->fps > 1000)
                out->fps = 0;
            out->vbitrate = jnum(s, "bit_rate");
            if (!out->vbitrate) /* Matroska keeps it in a tag */
                out->vbitrate = jnum(json_object_get(s, "tags"), "BPS");
            const char *fo = jstr(s, "field_order");
            out->interlaced = *fo && strcmp(fo, "progressive") != 0 && strcmp(fo, "unknown") != 0;
        } else if (!strcmp(type, "audio") && !out->has_audio) {
            out->has_audio = true;
            str_lcpy(out->acodec, jstr(s, "codec_name"), sizeof out->acodec);
            out->asample_rate = (int)jnum(s, "sample_rate");
            out->achannels = (int)jnum(s, "channels");
        }
    }
    if (!out->has_video) {
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "文件中没有视频画面");
        goto out;
    }
    if (!out->vcodec[0]) {
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "无法识别的视频编码");
        goto out;
    }
    if (out->width < 2 || out->height < 2) {
        fail(kind, MEDIA_E_CORRUPT, err, errlen, "无法读取视频画面尺寸");
        goto out;
    }
    if (out->width > MAX_SIDE || out->height > MAX_SIDE) {
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "视频分辨率过高（%d × %d，上限 %d）", out->width,
             out->height, MAX_SIDE);
        goto out;
    }
    rc = 0;
out:
    json_decref(j);
    proc_result_free(&pr);
    return rc;
}

/* ---- plan ---- */

static int even(double v)
{
    int e = 2 * (int)lround(v / 2);
    return e < 2 ? 2 : e;
}

/* A rendition whose shorter side is p (the source's own size when p is
 * its shorter side), aspect kept, even */
static media_rendition_t rung(const media_video_info_t *in, int p, double bpp, int64_t audio_bps, double fps)
{
    media_rendition_t r;
    memset(&r, 0, sizeof r);
    bool portrait = in->height > in->width;
    int shorter = portrait ? in->width : in->height, longer = portrait ? in->height : in->width;
    int ls = p >= shorter ? longer : (int)lround((double)longer * p / shorter);
    int s = p >= shorter ? shorter : p;
    r.width = portrait ? (s & ~1) : (ls & ~1);
    r.height = portrait ? (ls & ~1) : (s & ~1);
    if (p < shorter) { /* scaled: round to the nearest even instead of down */
        r.width = portrait ? even(s) : even((double)longer * p / shorter);
        r.height = portrait ? even((double)longer * p / shorter) : even(s);
    }
    if (r.width < 2)
        r.width = 2;
    if (r.height < 2)
        r.height = 2;
    snprintf(r.name, sizeof r.name, "%dp", portrait ? r.width : r.height);
    r.video_bps = (int64_t)((double)r.width * r.height * fps * bpp);
    if (r.video_bps < 64000)
        r.video_bps = 64000;
    r.audio_bps = in->has_audio ? audio_bps : 0;
    return r;
}

int media_video_plan(const media_video_info_t *in, media_rendition_t *out, int max)
{
    if (!in || !out || max <= 0 || !in->has_video || in->width < 2 || in->height < 2)
        return 0;
    double fps = in->fps > 0 ? (in->fps < 60 ? in->fps : 60) : 30;
    int shorter = in->width < in->height ? in->width : in->height;
    media_rendition_t all[LADDER_N + 1];
    int n = 0;
    for (int i = 0; i < LADDER_N && LADDER[i].p <= shorter; i++)
        all[n++] = rung(in, LADDER[i].p, LADDER[i].bpp, LADDER[i].audio_bps, fps);
    /* the source's own size on top when it lies well between two rungs
     * (600p: 480p would lose a fifth), or is below the first */
    int top = n ? LADDER[n - 1].p : 0;
    if (shorter < LADDER[LADDER_N - 1].p && (n == 0 || shorter * 4 >= top * 5)) {
        int b = n ? n - 1 : 0;
        all[n++] = rung(in, shorter, LADDER[b].bpp, LADDER[b].audio_bps, fps);
    }
    /* a copy instead of an encode: H.264 4:2:0 already, at this size, no
     * more bits than the target, nothing the players would have to turn */
    int64_t src_bps =
        in->vbitrate ? in->vbitrate : (in->bitrate > 0 && in->has_audio ? in->bitrate - 128000 : in->bitrate);
    for (int i = 0; i < n; i++) {
        media_rendition_t *r = &all[i];
        if (!strcmp(in->vcodec, "h264") && !strcmp(in->pix_fmt, "yuv420p") && in->rotation == 0 &&
            fabs(in->sar - 1) < 1e-3 && !in->interlaced && in->fps > 0 && in->fps <= 60 &&
            r->width == in->width && r->height == in->height && src_bps > 0 && src_bps <= r->video_bps) {
            r->copy_video = true;
            r->video_bps = src_bps;
        }
    }
    int skip = n > max ? n - max : 0; /* too many: the largest are kept */
    memcpy(out, all + skip, (size_t)(n - skip) * sizeof *out);
    return n - skip;
}

/* ---- running ffmpeg ---- */

typedef struct {
    const char *v[160];
    char *own[160]; /* the strings made here */
    int n, nown;
    bool full;
} args_t;

static void arg(args_t *a, const char *s)
{
    if (a->n >= (int)(sizeof a->v / sizeof a->v[0]) - 1) {
        a->full = true;
        return;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void argf(args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void argf(args_t *a, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int l = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (l < 0 || a->nown >= (int)(sizeof a->own / sizeof a->own[0])) {
        free(l < 0 ? NULL : s);
        a->full = true;
        return;
    }
    a->own[a->nown++] = s;
    arg(a, s);
}

static void args_free(args_t *a)
{
    for (int i = 0; i < a->nown; i++)
        free(a->own[i]);
    a->nown = a->n = 0;
}

/* The progress of one ffmpeg run, mapped onto [base, base + span] of the
 * whole job */
typedef struct {
    media_progress_fn fn;
    void *ud;
    const char *note;
    double base, span;
    int64_t dur_us;
    int64_t out_us;      /* ffmpeg's out_time */
    int64_t advanced_ns; /* when out_us last grew (or the run started) */
    int64_t stall_ms;
    double reported; /* the last percent given: never goes back */
    bool cancelled, stalled;
} progress_t;

static bool report(progress_t *p, double pct)
{
    if (pct < p->reported)
        pct = p->reported;
    if (pct > 100)
        pct = 100;
    p->reported = pct;
    if (p->fn && !p->fn(p->ud, pct, p->note)) {
        p->cancelled = true;
        return false;
    }
    return true;
}

/* ffmpeg -progress: key=value lines, a block every stats_period ending in
 * "progress=continue" (or "=end") */
static bool on_line(void *ud, const char *line, size_t len)
{
    (void)len;
    progress_t *p = ud;
    int64_t now = time_mono_ns(), v;
    if (str_starts_with(line, "out_time_us=")) {
        if (str_to_int64(line + 12, &v) && v > p->out_us) {
            p->out_us = v;
            p->advanced_ns = now;
        }
        return true;
    }
    if (!str_starts_with(line, "progress="))
        return true;
    if ((now - p->advanced_ns) / 1000000 > p->stall_ms) {
        p->stalled = true;
        return false;
    }
    double f = p->dur_us > 0 ? (double)p->out_us / (double)p->dur_us : 0;
    return report(p, p->base + p->span * (f < 1 ? f : 1));
}

/* Runs ffmpeg with argv in cwd; 0, or -1 with *kind and err ("what" says
 * which step failed) */
static int run_ffmpeg(args_t *a, const char *cwd, const media_transcode_opts_t *opt, int64_t deadline_ns,
                      progress_t *p, const char *what, int *kind, char *err, size_t errlen)
{
    int timeout_s = opt->timeout_s > 0 ? opt->timeout_s : 6 * 3600;
    if (a->full) {
        fail(kind, MEDIA_E_TOOL, err, errlen, "%s：参数过多", what);
        return -1;
    }
    int64_t now = time_mono_ns();
    if (now >= deadline_ns) {
        fail(kind, MEDIA_E_TIMEOUT, err, errlen, "转码超时（超过 %d 秒）", timeout_s);
        return -1;
    }
    p->stall_ms = (int64_t)(opt->stall_s > 0 ? opt->stall_s : 120) * 1000;
    p->out_us = 0;
    p->advanced_ns = now;
    p->stalled = false;
    proc_opts_t po = {
        .timeout_ms =
            (int)((deadline_ns - now) / 1000000 < INT_MAX ? (deadline_ns - now) / 1000000 : INT_MAX),
        .max_memory_mb = opt->max_memory_mb > 0 ? opt->max_memory_mb : 4096,
        .env = FF_ENV,
        .cwd = cwd,
        .idle_ms = (int)p->stall_ms};
    proc_result_t r;
    int rc = -1;
    if (proc_run_lines(a->v, &po, on_line, p, &r) != 0) {
        fail(kind, MEDIA_E_TOOL, err, errlen, "无法运行 ffmpeg：%s", r.err);
    } else if (p->cancelled) {
        fail(kind, MEDIA_E_CANCELLED, err, errlen, "转码已取消");
    } else if (p->stalled || r.idle) {
        fail(kind, MEDIA_E_TIMEOUT, err, errlen, "%s停滞：%lld 秒没有进展", what,
             (long long)(p->stall_ms / 1000));
    } else if (r.timed_out) {
        fail(kind, MEDIA_E_TIMEOUT, err, errlen, "转码超时（超过 %d 秒）", timeout_s);
    } else if (r.status != 0) {
        char why[420];
        tool_reason(r.err, why, sizeof why);
        if (r.signal)
            fail(kind, MEDIA_E_TOOL, err, errlen, "%s失败：ffmpeg 被信号 %d 终止%s%s", what, r.signal,
                 why[0] ? "：" : "", why);
        else
            fail(kind, classify(r.err), err, errlen, "%s失败：%s", what, why[0] ? why : "ffmpeg 出错");
    } else {
        rc = 0;
    }
    proc_result_free(&r);
    return rc;
}

/* -threads N before -i (the decoder) or after it (the encoders) */
static void threads_args(args_t *a, const media_transcode_opts_t *opt)
{
    if (opt->threads > 0) {
        arg(a, "-threads");
        argf(a, "%d", opt->threads);
    }
}

static void head_args(args_t *a, const media_transcode_opts_t *opt)
{
    static const char *const HEAD[] = {"ffmpeg",   "-nostdin",  "-hide_banner", "-loglevel",     "error",
                                       "-nostats", "-progress", "pipe:1",       "-stats_period", "0.5",
                                       "-y"};
    for (size_t i = 0; i < sizeof HEAD / sizeof HEAD[0]; i++)
        arg(a, HEAD[i]);
    threads_args(a, opt); /* before -i: the decoder's */
}

/* The input: the demuxer the probe found, local files only */
static void input_args(args_t *a, const char *demuxer, const char *url)
{
    arg(a, "-protocol_whitelist");
    arg(a, "file");
    if (demuxer && *demuxer) {
        arg(a, "-f");
        argf(a, "%.*s", (int)strcspn(demuxer, ","), demuxer);
    }
    arg(a, "-i");
    arg(a, url);
}

/* ---- after the ladder: playlists ---- */

typedef struct {
    int64_t peak_bps, avg_bps;
    int64_t bytes; /* of the segments */
    char codecs[64];
} variant_t;

static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max, f) : 0;
    fclose(f);
    if (!b)
        return NULL;
    b[n] = 0;
    *len = n;
    return b;
}

static int write_atomic(const char *path, const char *data, size_t n)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (fileio_write_all(fd, data, n) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return rename(tmp, path);
}

/* "avc1.PPCCLL" from the avcC box of an init segment: profile,
 * constraints and level as RFC 6381 wants them */
static bool avc_codec(const char *init, char *out, size_t outsz)
{
    size_t n;
    char *b = slurp(init, 1 << 20, &n);
    bool ok = false;
    for (size_t i = 0; b && i + 8 <= n && !ok; i++)
        if (!memcmp(b + i, "avcC", 4) && b[i + 4] == 1) {
            snprintf(out, outsz, "avc1.%02x%02x%02x", (unsigned char)b[i + 5], (unsigned char)b[i + 6],
                     (unsigned char)b[i + 7]);
            ok = true;
        }
    free(b);
    return ok;
}

/* In hls/<name>/: the init segment renamed to init.mp4 (ffmpeg numbers it
 * when there are several variants), the playlist pointed at it, and the
 * peak and average bitrate of the segments measured. */
static int finish_variant(const char *outdir, const char *name, int index, bool has_audio, variant_t *v,
                          char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX + 32], from[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/hls/%s", outdir, name);
    snprintf(path, sizeof path, "%s/init.mp4", dir);
    snprintf(from, sizeof from, "%s/init_%d.mp4", dir, index);
    if ((rename(from, path) != 0 && errno != ENOENT) || access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s 的初始化分片缺失", name);
        return -1;
    }
    char codec[32];
    if (!avc_codec(path, codec, sizeof codec)) {
        snprintf(err, errlen, "%s 的初始化分片无法读取", name);
        return -1;
    }
    snprintf(v->codecs, sizeof v->codecs, "%s%s", codec, has_audio ? ",mp4a.40.2" : "");
    snprintf(path, sizeof path, "%s/index.m3u8", dir);
    size_t n;
    char *pl = slurp(path, 16u << 20, &n);
    if (!pl) {
        snprintf(err, errlen, "%s 的播放列表缺失", name);
        return -1;
    }
    sbuf_t b;
    sbuf_init(&b);
    double seg_dur = 0, total_dur = 0;
    int64_t total_bytes = 0, peak = 0;
    int segments = 0;
    for (char *line = pl, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (str_starts_with(line, "#EXT-X-MAP:")) {
            sbuf_puts(&b, "#EXT-X-MAP:URI=\"init.mp4\"\n");
            continue;
        }
        if (str_starts_with(line, "#EXTINF:"))
            seg_dur = strtod(line + 8, NULL);
        else if (line[0] && line[0] != '#') {
            struct stat st;
            char seg[PATH_MAX + 300];
            snprintf(seg, sizeof seg, "%s/%.250s", dir, line);
            if (strchr(line, '/') || stat(seg, &st) != 0) {
                snprintf(err, errlen, "%s 的分片缺失：%.60s", name, line);
                sbuf_free(&b);
                free(pl);
                return -1;
            }
            segments++;
            total_bytes += st.st_size;
            total_dur += seg_dur;
            if (seg_dur >= 1) {
                int64_t bps = (int64_t)((double)st.st_size * 8 / seg_dur);
                if (bps > peak)
                    peak = bps;
            }
        }
        sbuf_puts(&b, line);
        sbuf_putc(&b, '\n');
    }
    free(pl);
    int rc = -1;
    if (segments == 0 || total_dur <= 0) {
        snprintf(err, errlen, "%s 没有生成任何分片", name);
    } else if (write_atomic(path, b.data, b.len) != 0) {
        snprintf(err, errlen, "无法写入 %s 的播放列表：%s", name, strerror(errno));
    } else {
        v->avg_bps = (int64_t)((double)total_bytes * 8 / total_dur);
        v->bytes = total_bytes;
        v->peak_bps = peak > v->avg_bps ? peak : v->avg_bps;
        rc = 0;
    }
    sbuf_free(&b);
    return rc;
}

static int write_master(const char *outdir, const media_rendition_t *r, const variant_t *v, int n, double fps,
                        char *err, size_t errlen)
{
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for (int i = 0; i < n; i++) {
        sbuf_printf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%lld,AVERAGE-BANDWIDTH=%lld,RESOLUTION=%dx%d,",
                    (long long)v[i].peak_bps, (long long)v[i].avg_bps, r[i].width, r[i].height);
        if (fps > 0)
            sbuf_printf(&b, "FRAME-RATE=%.3f,", fps < 60 ? fps : 60);
        sbuf_printf(&b, "CODECS=\"%s\"\n%s/index.m3u8\n", v[i].codecs, r[i].name);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/hls/master.m3u8", outdir);
    int rc = write_atomic(path, b.data, b.len);
    if (rc != 0)
        snprintf(err, errlen, "无法写入主播放列表：%s", strerror(errno));
    sbuf_free(&b);
    return rc;
}

/* Appends the file at path to fd; false with err */
static bool append_file(int fd, const char *path, char *buf, size_t bufsz, char *err, size_t errlen)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, errlen, "无法读取分片：%s", strerror(errno));
        return false;
    }
    ssize_t r;
    while ((r = read(in, buf, bufsz)) > 0)
        if (fileio_write_all(fd, buf, (size_t)r) != 0) {
            r = -1;
            break;
        }
    int e = errno;
    close(in);
    if (r != 0)
        snprintf(err, errlen, "无法合并分片：%s", strerror(e));
    return r == 0;
}

/* The init segment and the segments of a rendition, one after the other:
 * a fragmented MP4, which ffmpeg then remuxes with faststart */
static int concat_segments(const char *outdir, const char *name, const char *dst, char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX + 300];
    snprintf(dir, sizeof dir, "%s/hls/%s", outdir, name);
    snprintf(path, sizeof path, "%s/index.m3u8", dir);
    size_t n;
    char *pl = slurp(path, 16u << 20, &n);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const size_t bufsz = 1 << 16;
    char *buf = malloc(bufsz);
    int rc = -1;
    if (!pl || out < 0 || !buf) {
        snprintf(err, errlen, "无法合并 %s 的分片：%s", name, strerror(errno));
        goto done;
    }
    snprintf(path, sizeof path, "%s/init.mp4", dir);
    if (!append_file(out, path, buf, bufsz, err, errlen))
        goto done;
    for (char *line = pl, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if (!line[0] || line[0] == '#')
            continue;
        snprintf(path, sizeof path, "%s/%.250s", dir, line);
        if (!append_file(out, path, buf, bufsz, err, errlen))
            goto done;
    }
    int fd = out;
    out = -1;
    if (close(fd) != 0) {
        snprintf(err, errlen, "无法合并分片：%s", strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (out >= 0)
        close(out);
    free(buf);
    free(pl);
    return rc;
}

/* ---- transcode ---- */

int media_video_transcode(const char *src, const media_video_info_t *in, const char *outdir,
                          const media_transcode_opts_t *opt, media_progress_fn progress, void *ud,
                          json_t **result, int *kind, char *err, size_t errlen)
{
    static const media_transcode_opts_t defaults = {0};
    int k_;
    if (!kind)
        kind = &k_;
    *kind = MEDIA_E_OK;
    if (result)
        *result = NULL;
    if (!opt)
        opt = &defaults;
    int64_t t0 = time_mono_ns();
    int64_t deadline = t0 + (int64_t)(opt->timeout_s > 0 ? opt->timeout_s : 6 * 3600) * 1000000000LL;
    media_video_info_t probed;
    if (!in) {
        if (media_video_probe(src, &probed, kind, err, errlen) != 0)
            return -1;
        in = &probed;
    }
    char url[PATH_MAX + 8], abs_out[PATH_MAX], path[PATH_MAX + 64];
    if (!src || !file_url(src, url, sizeof url)) {
        fail(kind, MEDIA_E_IO, err, errlen, "视频文件不存在或无法读取");
        return -1;
    }
    struct stat st;
    if (!outdir || !realpath(outdir, abs_out) || stat(abs_out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fail(kind, MEDIA_E_IO, err, errlen, "输出目录不存在");
        return -1;
    }
    if (!container_known(in->format)) { /* the demuxer is named after it */
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "不支持的视频格式（%.40s）", in->format);
        return -1;
    }
    media_rendition_t r[MAX_RENDITIONS];
    int n = media_video_plan(in, r, MAX_RENDITIONS);
    if (n <= 0) {
        fail(kind, MEDIA_E_UNSUPPORTED, err, errlen, "文件中没有可转码的视频画面");
        return -1;
    }
    snprintf(path, sizeof path, "%s/hls", abs_out);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fail(kind, MEDIA_E_IO, err, errlen, "无法创建输出目录：%s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/hls/%s", abs_out, r[i].name);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fail(kind, MEDIA_E_IO, err, errlen, "无法创建输出目录：%s", strerror(errno));
            return -1;
        }
    }

    char note[96] = "转码";
    for (int i = 0; i < n; i++)
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s%s", i ? "、" : " ", r[i].name);
    progress_t p = {
        .fn = progress, .ud = ud, .note = note, .base = 0, .span = 90, .dur_us = in->duration_ms * 1000};
    int rc = -1;
    args_t a = {0};
    variant_t v[MAX_RENDITIONS];
    memset(v, 0, sizeof v);
    if (!report(&p, 0)) {
        fail(kind, MEDIA_E_CANCELLED, err, errlen, "转码已取消");
        goto out;
    }

    /* 1. the ladder */
    head_args(&a, opt);
    input_args(&a, in->format, url);
    sbuf_t g;
    sbuf_init(&g);
    int encoded = 0;
    for (int i = 0; i < n; i++)
        encoded += !r[i].copy_video;
    if (encoded > 0) {
        sbuf_printf(&g, "[0:V:0]%ssplit=%d", in->interlaced ? "yadif=deint=interlaced," : "", encoded);
        for (int i = 0, e = 0; i < n; i++)
            if (!r[i].copy_video)
                sbuf_printf(&g, "[s%d]", e++);
        for (int i = 0, e = 0; i < n; i++)
            if (!r[i].copy_video) {
                sbuf_printf(&g, ";[s%d]scale=%d:%d:flags=bicubic,setsar=1,format=yuv420p[v%d]", e, r[i].width,
                            r[i].height, i);
                e++;
            }
        arg(&a, "-filter_complex");
        argf(&a, "%s", g.data);
    }
    sbuf_free(&g);
    for (int i = 0; i < n; i++) {
        arg(&a, "-map");
        if (r[i].copy_video)
            arg(&a, "0:V:0");
        else
            argf(&a, "[v%d]", i);
        if (in->has_audio) {
            arg(&a, "-map");
            arg(&a, "0:a:0");
        }
    }
    for (int i = 0; i < n; i++) {
        argf(&a, "-c:v:%d", i);
        if (r[i].copy_video) {
            arg(&a, "copy");
            continue;
        }
        arg(&a, "libx264");
        argf(&a, "-b:v:%d", i);
        argf(&a, "%lld", (long long)r[i].video_bps);
        argf(&a, "-maxrate:v:%d", i);
        argf(&a, "%lld", (long long)r[i].video_bps);
        argf(&a, "-bufsize:v:%d", i);
        argf(&a, "%lld", (long long)r[i].video_bps * 2);
        argf(&a, "-force_key_frames:v:%d", i);
        argf(&a, "expr:gte(t,n_forced*%d)", KEYFRAME_S);
    }
    if (encoded > 0) {
        static const char *const X264[] = {"-preset", "veryfast", "-profile:v", "high"};
        for (size_t i = 0; i < sizeof X264 / sizeof X264[0]; i++)
            arg(&a, X264[i]);
        if (in->fps > 60) {
            arg(&a, "-fpsmax");
            arg(&a, "60");
        }
    }
    if (in->has_audio) {
        arg(&a, "-c:a");
        arg(&a, "aac");
        for (int i = 0; i < n; i++) {
            argf(&a, "-b:a:%d", i);
            argf(&a, "%lld", (long long)r[i].audio_bps);
        }
        if (in->achannels > 2) {
            arg(&a, "-ac");
            arg(&a, "2");
        }
        if (in->asample_rate != 44100 && in->asample_rate != 48000) {
            arg(&a, "-ar");
            arg(&a, "48000");
        }
    }
    threads_args(&a, opt);
    static const char *const HLS[] = {"-map_metadata",
                                      "-1",
                                      "-map_chapters",
                                      "-1",
                                      "-max_muxing_queue_size",
                                      "4096",
                                      "-f",
                                      "hls",
                                      "-hls_playlist_type",
                                      "vod",
                                      "-hls_segment_type",
                                      "fmp4",
                                      "-hls_flags",
                                      "independent_segments",
                                      "-hls_fmp4_init_filename",
                                      "init.mp4",
                                      "-hls_segment_filename",
                                      "hls/%v/seg_%d.m4s"};
    for (size_t i = 0; i < sizeof HLS / sizeof HLS[0]; i++)
        arg(&a, HLS[i]);
    arg(&a, "-hls_time");
    argf(&a, "%d", HLS_SEGMENT_S);
    sbuf_t vm; /* "v:0,a:0,name:240p v:1,a:1,name:360p ..." */
    sbuf_init(&vm);
    for (int i = 0; i < n; i++) {
        sbuf_printf(&vm, "%sv:%d,", i ? " " : "", i);
        if (in->has_audio)
            sbuf_printf(&vm, "a:%d,", i);
        sbuf_printf(&vm, "name:%s", r[i].name);
    }
    arg(&a, "-var_stream_map");
    argf(&a, "%s", vm.data);
    sbuf_free(&vm);
    arg(&a, "hls/%v/index.m3u8");
    int64_t t_ladder = time_mono_ns();
    if (run_ffmpeg(&a, abs_out, opt, deadline, &p, "转码", kind, err, errlen) != 0)
        goto out;
    double ladder_s = (double)(time_mono_ns() - t_ladder) / 1e9;
    args_free(&a);
    for (int i = 0; i < n; i++)
        if (finish_variant(abs_out, r[i].name, i, in->has_audio, &v[i], err, errlen) != 0) {
            *kind = MEDIA_E_TOOL;
            goto out;
        }
    if (write_master(abs_out, r, v, n, in->fps, err, errlen) != 0) {
        *kind = MEDIA_E_IO;
        goto out;
    }

    /* 2. video.mp4: the largest rendition, remuxed */
    p.note = "生成 MP4";
    p.base = 90;
    p.span = 7;
    if (!report(&p, p.base)) {
        fail(kind, MEDIA_E_CANCELLED, err, errlen, "转码已取消");
        goto out;
    }
    char frag[PATH_MAX + 32];
    snprintf(frag, sizeof frag, "%s/.video-frag.mp4", abs_out);
    if (concat_segments(abs_out, r[n - 1].name, frag, err, errlen) != 0) {
        *kind = MEDIA_E_IO;
        unlink(frag);
        goto out;
    }
    head_args(&a, opt);
    input_args(&a, "mov", "file:.video-frag.mp4");
    static const char *const MP4[] = {"-map",      "0",          "-c", "copy", "-map_metadata", "-1",
                                      "-movflags", "+faststart", "-f", "mp4",  "video.mp4"};
    for (size_t i = 0; i < sizeof MP4 / sizeof MP4[0]; i++)
        arg(&a, MP4[i]);
    int mrc = run_ffmpeg(&a, abs_out, opt, deadline, &p, "生成 MP4", kind, err, errlen);
    unlink(frag);
    args_free(&a);
    if (mrc != 0)
        goto out;
    snprintf(path, sizeof path, "%s/video.mp4", abs_out);
    if (stat(path, &st) != 0 || st.st_size < v[n - 1].bytes / 2) { /* the same packets, another box */
        fail(kind, MEDIA_E_TOOL, err, errlen, "生成 MP4 失败：文件不完整");
        goto out;
    }

    /* 3. the poster: a frame at 10 % (at most 10 s in), at the largest
     * rendition's size */
    p.note = "生成封面";
    p.base = 97;
    p.span = 3;
    p.dur_us = 0;
    if (!report(&p, p.base)) {
        fail(kind, MEDIA_E_CANCELLED, err, errlen, "转码已取消");
        goto out;
    }
    double at = (double)in->duration_ms / 1000 * 0.1;
    if (at > 10)
        at = 10;
    head_args(&a, opt);
    arg(&a, "-ss");
    argf(&a, "%.3f", at);
    input_args(&a, in->format, url);
    arg(&a, "-map");
    arg(&a, "0:V:0");
    arg(&a, "-frames:v");
    arg(&a, "1");
    arg(&a, "-vf");
    argf(&a, "%sscale=%d:%d:flags=bicubic,setsar=1", in->interlaced ? "yadif=deint=interlaced," : "",
         r[n - 1].width, r[n - 1].height);
    static const char *const JPG[] = {"-q:v",    "3", "-map_metadata", "-1", "-f", "image2",
                                      "-update", "1", "poster.jpg"};
    for (size_t i = 0; i < sizeof JPG / sizeof JPG[0]; i++)
        arg(&a, JPG[i]);
    if (run_ffmpeg(&a, abs_out, opt, deadline, &p, "生成封面", kind, err, errlen) != 0)
        goto out;
    snprintf(path, sizeof path, "%s/poster.jpg", abs_out);
    if (stat(path, &st) != 0 || st.st_size == 0) {
        fail(kind, MEDIA_E_CORRUPT, err, errlen, "无法从视频中取得封面画面");
        goto out;
    }
    if (!report(&p, 100)) {
        fail(kind, MEDIA_E_CANCELLED, err, errlen, "转码已取消");
        goto out;
    }

    if (result) {
        json_t *list = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(list, json_pack("{s:s, s:i, s:i, s:I, s:I, s:I, s:b}", "name", r[i].name,
                                                  "width", r[i].width, "height", r[i].height, "video_bps",
                                                  (json_int_t)r[i].video_bps, "audio_bps",
                                                  (json_int_t)r[i].audio_bps, "bandwidth",
                                                  (json_int_t)v[i].peak_bps, "copied", r[i].copy_video));
        double elapsed_ms = (double)(time_mono_ns() - t0) / 1e6;
        double speed = ladder_s > 0 ? (double)in->duration_ms / 1000 / ladder_s : 0;
        *result =
            json_pack("{s:o, s:I, s:I, s:f}", "renditions", list, "duration_ms", (json_int_t)in->duration_ms,
                      "elapsed_ms", (json_int_t)llround(elapsed_ms), "speed", round(speed * 100) / 100);
    }
    rc = 0;
out:
    args_free(&a);
    return rc;
}
