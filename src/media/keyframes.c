/* keyframes.c — ffprobe/ffmpeg as child processes; see keyframes.h. */
#include "media/keyframes.h"
#include "core/proc.h"
#include "core/str.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void last_line(char *msg, char *out, size_t outsz)
{
    size_t ml = strlen(msg);
    while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == '\r'))
        msg[--ml] = 0;
    char *nl = strrchr(msg, '\n');
    snprintf(out, outsz, "%.300s", nl ? nl + 1 : msg);
}

int keyframes_probe(const char *path, keyframes_info_t *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    const char *argv[] = {"ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          "--",      path, NULL};
    proc_opts_t po = {.timeout_ms = 30000, .max_stdout = 4u << 20, .max_memory_mb = 1024};
    proc_result_t pr;
    if (proc_run(argv, &po, &pr) != 0) {
        snprintf(err, errlen, "无法运行 ffprobe：%s", pr.err);
        proc_result_free(&pr);
        return -1;
    }
    int rc = -1;
    json_t *j = NULL;
    if (pr.timed_out || pr.status != 0) {
        char m[320];
        last_line(pr.err, m, sizeof m);
        snprintf(err, errlen, "无法读取视频：%s", pr.timed_out ? "超时" : m);
        goto out;
    }
    j = json_loadb(pr.out, pr.out_len, 0, NULL);
    json_t *streams = json_object_get(j, "streams");
    size_t i;
    json_t *s;
    json_array_foreach(streams, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "codec_type"));
        if (type && !strcmp(type, "video")) {
            info->width = (int)json_integer_value(json_object_get(s, "width"));
            info->height = (int)json_integer_value(json_object_get(s, "height"));
            const char *codec = json_string_value(json_object_get(s, "codec_name"));
            str_lcpy(info->codec, codec ? codec : "", sizeof info->codec);
            rc = 0;
            break;
        }
    }
    if (rc != 0) {
        snprintf(err, errlen, "文件中没有视频画面");
        goto out;
    }
    const char *d = json_string_value(json_object_get(json_object_get(j, "format"), "duration"));
    if (d) {
        double v = strtod(d, NULL);
        info->duration_s = isfinite(v) && v > 0 ? v : 0;
    }
out:
    json_decref(j);
    proc_result_free(&pr);
    return rc;
}

int keyframes_extract(const char *path, const char *dir, const keyframes_options_t *opt, int *nframes,
                      char *err, size_t errlen)
{
    *nframes = 0;
    if (!(opt->interval_s > 0)) {
        snprintf(err, errlen, "抽帧间隔必须大于 0");
        return -1;
    }
    int maxf = opt->max_frames > 0 ? opt->max_frames : 3600;
    int maxw = opt->max_width > 0 ? opt->max_width : 1920;
    char vf[160], frames[32], out[1200], ss[32], tt[32], first[32];
    /* fps=1/N keeps the frame nearest to each multiple of N seconds */
    snprintf(vf, sizeof vf, "fps=fps=1/%.3f:round=near,scale='min(%d,iw)':-2", opt->interval_s, maxw);
    snprintf(frames, sizeof frames, "%d", maxf);
    snprintf(out, sizeof out, "%s/frame-%%05d.png", dir);
    snprintf(ss, sizeof ss, "%.3f", opt->start_s > 0 ? opt->start_s : 0);
    snprintf(tt, sizeof tt, "%.3f", opt->duration_s);
    snprintf(first, sizeof first, "%d", opt->first_number > 0 ? opt->first_number : 1);
    const char *argv[24];
    int a = 0;
    const char *head[] = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", ss};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        argv[a++] = head[i];
    if (opt->duration_s > 0) {
        argv[a++] = "-t";
        argv[a++] = tt;
    }
    const char *tail[] = {"-i",        path,   "-an",           "-sn", "-dn", "-vf", vf,
                          "-frames:v", frames, "-start_number", first, "-y",  out,   NULL};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        argv[a++] = tail[i];
    proc_opts_t po = {.timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 30 * 60 * 1000,
                      .max_stdout = 1u << 20,
                      .max_memory_mb = opt->max_memory_mb > 0 ? opt->max_memory_mb : 2048};
    proc_result_t pr;
    if (proc_run(argv, &po, &pr) != 0) {
        snprintf(err, errlen, "无法运行 ffmpeg：%s", pr.err);
        proc_result_free(&pr);
        return -1;
    }
    int rc = -1;
    if (pr.timed_out) {
        snprintf(err, errlen, "抽取视频画面超时");
    } else if (pr.status != 0) {
        char m[320];
        last_line(pr.err, m, sizeof m);
        snprintf(err, errlen, "抽取视频画面失败：%s", m);
    } else {
        /* the frames of this call are numbered from first_number on */
        int n0 = opt->first_number > 0 ? opt->first_number : 1;
        for (int k = 0; k < maxf; k++) {
            char f[1300];
            snprintf(f, sizeof f, "%s/frame-%05d.png", dir, n0 + k);
            if (access(f, R_OK) != 0)
                break;
            (*nframes)++;
        }
        rc = 0;
    }
    proc_result_free(&pr);
    return rc;
}

void keyframes_timecode(double seconds, char *out, size_t outsz)
{
    if (!(seconds >= 0) || !isfinite(seconds))
        seconds = 0;
    long whole = (long)seconds;
    double frac = seconds - (double)whole;
    if (frac < 0.05)
        snprintf(out, outsz, "%02ld:%02ld:%02ld", whole / 3600, whole / 60 % 60, whole % 60);
    else
        snprintf(out, outsz, "%02ld:%02ld:%04.1f", whole / 3600, whole / 60 % 60,
                 (double)(whole % 60) + frac);
}
