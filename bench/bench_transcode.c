/* bench_transcode — media_video_transcode on one file: the plan, progress
 * on stderr every 10 %, then one line of JSON on stdout with the result,
 * the wall time, the CPU time and the peak resident memory of the ffmpeg
 * children. With BENCH_SEQUENTIAL=1, also the other way for comparison:
 * one ffmpeg per rendition (the source decoded once per rendition), same
 * encoder settings, HLS only.
 * Usage: build/bench_transcode SRC OUTDIR [threads]   (see bench/transcode.sh) */
#include "core/proc.h"
#include "core/timeutil.h"
#include "media/video.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* One ffmpeg per rendition, one after the other; the wall seconds, or -1 */
static double sequential(const char *src, const media_video_info_t *in, const media_rendition_t *r, int n,
                         const char *outdir)
{
    int64_t t0 = time_mono_ns();
    for (int i = 0; i < n; i++) {
        char dir[1200], seg[1300], pl[1300], vf[128], b[32], buf[32], a[32];
        snprintf(dir, sizeof dir, "%s/seq-%s", outdir, r[i].name);
        mkdir(dir, 0755);
        snprintf(seg, sizeof seg, "%s/seg_%%d.m4s", dir);
        snprintf(pl, sizeof pl, "%s/index.m3u8", dir);
        snprintf(vf, sizeof vf, "scale=%d:%d:flags=bicubic,setsar=1,format=yuv420p", r[i].width, r[i].height);
        snprintf(b, sizeof b, "%lld", (long long)r[i].video_bps);
        snprintf(buf, sizeof buf, "%lld", (long long)r[i].video_bps * 2);
        snprintf(a, sizeof a, "%lld", (long long)(r[i].audio_bps ? r[i].audio_bps : 64000));
        const char *argv[] = {"ffmpeg",
                              "-nostdin",
                              "-loglevel",
                              "error",
                              "-y",
                              "-i",
                              src,
                              "-map",
                              "0:V:0",
                              "-map",
                              in->has_audio ? "0:a:0" : "0:V:0",
                              "-vf",
                              vf,
                              "-c:v",
                              "libx264",
                              "-preset",
                              "veryfast",
                              "-profile:v",
                              "high",
                              "-b:v",
                              b,
                              "-maxrate",
                              b,
                              "-bufsize",
                              buf,
                              "-force_key_frames",
                              "expr:gte(t,n_forced*2)",
                              "-c:a",
                              "aac",
                              "-b:a",
                              a,
                              "-f",
                              "hls",
                              "-hls_time",
                              "4",
                              "-hls_playlist_type",
                              "vod",
                              "-hls_segment_type",
                              "fmp4",
                              "-hls_segment_filename",
                              seg,
                              pl,
                              NULL};
        proc_result_t res;
        if (proc_run(argv, NULL, &res) != 0 || res.status != 0) {
            fprintf(stderr, "sequential %s: %s\n", r[i].name, res.err);
            proc_result_free(&res);
            return -1;
        }
        proc_result_free(&res);
        fprintf(stderr, "  sequential %s done at %.1f s\n", r[i].name, (double)(time_mono_ns() - t0) / 1e9);
    }
    return (double)(time_mono_ns() - t0) / 1e9;
}

static bool on_progress(void *ud, double pct, const char *note)
{
    int *next = ud;
    if (pct >= *next) {
        fprintf(stderr, "  %5.1f %%  %s\n", pct, note);
        while (*next <= pct)
            *next += 10;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s SRC OUTDIR [threads]\n", argv[0]);
        return 2;
    }
    char err[512];
    int kind;
    media_video_info_t in;
    if (media_video_probe(argv[1], &in, &kind, err, sizeof err) != 0) {
        fprintf(stderr, "probe: %s\n", err);
        return 1;
    }
    media_rendition_t r[8];
    int n = media_video_plan(&in, r, 8);
    fprintf(stderr, "source: %s %dx%d %.2f fps %.1f s, %s %lld bit/s\n", in.vcodec, in.width, in.height,
            in.fps, (double)in.duration_ms / 1000, in.pix_fmt, (long long)in.vbitrate);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "  %-6s %4dx%-4d %8lld bit/s%s\n", r[i].name, r[i].width, r[i].height,
                (long long)r[i].video_bps, r[i].copy_video ? " (copy)" : "");
    media_transcode_opts_t o = {.threads = argc > 3 ? atoi(argv[3]) : 0};
    int next = 0;
    json_t *res = NULL;
    int64_t t0 = time_mono_ns();
    if (media_video_transcode(argv[1], &in, argv[2], &o, on_progress, &next, &res, &kind, err, sizeof err) !=
        0) {
        fprintf(stderr, "transcode (%d): %s\n", kind, err);
        return 1;
    }
    double wall = (double)(time_mono_ns() - t0) / 1e9;
    double cpu = children_cpu_s();
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    json_object_set_new(res, "wall_s", json_real(wall));
    json_object_set_new(res, "cpu_s", json_real(cpu));
    json_object_set_new(res, "ffmpeg_max_rss_kib", json_integer(ru.ru_maxrss));
    const char *seq = getenv("BENCH_SEQUENTIAL");
    if (seq && !strcmp(seq, "1")) {
        double s = sequential(argv[1], &in, r, n, argv[2]);
        json_object_set_new(res, "sequential_wall_s", json_real(s));
        json_object_set_new(res, "sequential_cpu_s", json_real(children_cpu_s() - cpu));
    }
    char *s = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(4));
    printf("%s\n", s);
    free(s);
    json_decref(res);
    return 0;
}
