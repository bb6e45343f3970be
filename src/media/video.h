/* video.h — videos with ffprobe and ffmpeg as child processes: what a video
 * is, the renditions it should get, and the transcoding itself, in the
 * spirit of PeerTube's settings: libx264 "veryfast", yuv420p, a key frame
 * every 2 s, 4 s fMP4 HLS segments, a bitrate from pixels × fps ×
 * bits-per-pixel, and a copy instead of a re-encode when the source already
 * fits. Output: an H.264/AAC MP4 (faststart), an HLS ladder (360p, 720p,
 * and 1080p when the source has it) under one master playlist, and a poster
 * frame.
 *
 * Thread-safe; slow — run it in a job. Progress comes from ffmpeg's
 * -progress output; a run that makes no progress for stall_s seconds, or
 * exceeds timeout_s, is killed and reported as such.
 */
#ifndef ZD_MEDIA_VIDEO_H
#define ZD_MEDIA_VIDEO_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char format[64];     /* container, ffprobe's format_name ("mov,mp4,m4a,3gp,3g2,mj2") */
    int64_t duration_ms; /* 0 when unknown */
    int64_t bitrate;     /* bits/s of the whole file, 0 when unknown */
    bool has_video, has_audio;
    char vcodec[32];   /* "h264", "hevc", "vp9" ... */
    char pix_fmt[32];  /* "yuv420p" ... */
    int width, height; /* as displayed (rotation applied) */
    int rotation;      /* 0, 90, 180, 270 */
    double fps;
    int64_t vbitrate; /* video stream bits/s, 0 when unknown */
    char acodec[32];  /* "aac", "mp3" ... */
    int asample_rate, achannels;
} media_video_info_t;

/* Error kinds, so that the console can say what went wrong */
enum {
    MEDIA_E_OK = 0,
    MEDIA_E_CORRUPT = 1,     /* ffprobe/ffmpeg cannot read the file */
    MEDIA_E_UNSUPPORTED = 2, /* no video stream, or a codec ffmpeg cannot decode */
    MEDIA_E_TIMEOUT = 3,     /* exceeded timeout_s, or stalled for stall_s */
    MEDIA_E_CANCELLED = 4,   /* the progress callback said stop */
    MEDIA_E_IO = 5,          /* cannot write the output (disk full ...) */
    MEDIA_E_TOOL = 6,        /* ffmpeg/ffprobe missing or failed otherwise */
};

/* -1 with *kind (MEDIA_E_*) and a reason in err. */
int media_video_probe(const char *path, media_video_info_t *out, int *kind, char *err, size_t errlen);

typedef struct {
    char name[16];     /* "360p", "720p", "1080p" */
    int width, height; /* even numbers, aspect kept */
    int64_t video_bps; /* target (also -maxrate; -bufsize twice) */
    int64_t audio_bps; /* 0: no audio */
    bool copy_video;   /* the source already fits (H.264 yuv420p, ≤ this size and bitrate): remux */
} media_rendition_t;

/* The renditions for a source, smallest first; returns how many (≤ max).
 * A source smaller than 360p gets one rendition at its own size. */
int media_video_plan(const media_video_info_t *in, media_rendition_t *out, int max);

/* progress: percent 0..100 of the whole job (all renditions), and a note in
 * Chinese ("转码 720p"); returning false stops ffmpeg (MEDIA_E_CANCELLED). */
typedef bool (*media_progress_fn)(void *ud, double percent, const char *note);

typedef struct {
    int timeout_s;         /* whole transcode; 0: 6 h */
    int stall_s;           /* no progress this long → killed; 0: 120 */
    int threads;           /* ffmpeg -threads; 0: ffmpeg decides */
    int64_t max_memory_mb; /* RLIMIT_AS of ffmpeg; 0: 4096 */
} media_transcode_opts_t;

/* Writes into outdir (which must exist):
 *   video.mp4                       H.264/AAC, the largest rendition, faststart
 *   poster.jpg                      a frame at 10 % of the duration (at most 10 s in)
 *   hls/master.m3u8                 every rendition with BANDWIDTH, RESOLUTION, CODECS
 *   hls/<name>/index.m3u8, init.mp4, seg_<n>.m4s
 * and sets *result to {"renditions":[{"name","width","height","video_bps","copied"}],
 * "duration_ms","elapsed_ms","speed" (× real time per rendition)}. -1 with
 * *kind and err; outdir may then hold partial output (the caller removes it). */
int media_video_transcode(const char *src, const media_video_info_t *in, const char *outdir,
                          const media_transcode_opts_t *opt, media_progress_fn progress, void *ud,
                          json_t **result, int *kind, char *err, size_t errlen);

#endif
