/* video.h — videos with ffprobe and ffmpeg as child processes: what a video
 * is, the renditions it should get, and the transcoding itself, in the
 * spirit of PeerTube's settings: libx264 "veryfast", yuv420p, a key frame
 * every 2 s, 4 s fMP4 HLS segments, a bitrate from pixels × fps ×
 * bits-per-pixel, and a copy instead of a re-encode when the source already
 * fits. Output: an H.264/AAC MP4 (faststart), an HLS ladder (240p, 360p,
 * 480p, 720p, 1080p as far as the source reaches, never enlarged) under one
 * master playlist, and a poster frame; upright (the rotation applied), with
 * no metadata of the source's (a phone's location among it).
 *
 * Only the containers of real video files are read (MP4/MOV, Matroska/WebM,
 * AVI, FLV, MPEG-TS/PS, ASF, Ogg, MXF, RM, DV, raw H.264/HEVC/MPEG),
 * as local files: never a playlist that would make ffmpeg open other files.
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
    int width, height; /* as displayed (rotation and pixel aspect applied) */
    int rotation;      /* 0, 90, 180, 270: clockwise, as players (and ffmpeg) turn it for display */
    double fps;
    int64_t vbitrate; /* video stream bits/s, 0 when unknown */
    char acodec[32];  /* "aac", "mp3" ... */
    int asample_rate, achannels;
    double sar;      /* pixel aspect (sample_aspect_ratio), 1 for square pixels; width already includes it */
    bool interlaced; /* field_order says so: deinterlaced when transcoding */
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

/* 0, or -1 with *kind (MEDIA_E_*) and a reason in err (in Chinese, with
 * ffmpeg's own words; never the server's paths). kind may be NULL. Sources
 * beyond 8192 pixels a side are refused (MEDIA_E_UNSUPPORTED). */
int media_video_probe(const char *path, media_video_info_t *out, int *kind, char *err, size_t errlen);

typedef struct {
    char name[16];     /* "240p" … "1080p" by the shorter side, or the source's own ("600p") */
    int width, height; /* even numbers, aspect kept */
    int64_t video_bps; /* target (also -maxrate; -bufsize twice) */
    int64_t audio_bps; /* 0: no audio */
    bool copy_video;   /* the source already fits (see media_video_plan): remuxed, not encoded */
} media_rendition_t;

/* The renditions for a source, smallest first; returns how many (≤ max;
 * when fewer fit, the largest are kept). The rungs go by the shorter side
 * (a portrait video's "720p" is 720 wide): 240, 360, 480, 720, 1080, those
 * the source reaches. A source whose shorter side is ≥ 1.25 × its highest
 * rung (600p: 480p would lose a fifth) and under 1080 gets its own size on
 * top; one below 240p gets one rendition at its own size. Sizes are even,
 * the aspect kept. copy_video only when H.264 yuv420p, unrotated, square
 * pixels, progressive, ≤ 60 fps, exactly the rendition's size and no more
 * bits than its target (video_bps is then the source's). 0 when in has no
 * video. */
int media_video_plan(const media_video_info_t *in, media_rendition_t *out, int max);

/* progress: percent 0..100 of the whole job (all renditions), never going
 * back, and a note in Chinese ("转码 240p、360p、720p", "生成 MP4",
 * "生成封面"); called on the transcoding thread about twice a second;
 * returning false kills ffmpeg at once (MEDIA_E_CANCELLED). */
typedef bool (*media_progress_fn)(void *ud, double percent, const char *note);

typedef struct {
    int timeout_s;         /* whole transcode; 0: 6 h */
    int stall_s;           /* no progress this long → killed; 0: 120 */
    int threads;           /* ffmpeg -threads; 0: ffmpeg decides */
    int64_t max_memory_mb; /* RLIMIT_AS of ffmpeg; 0: 4096 */
} media_transcode_opts_t;

/* Writes into outdir (which must exist):
 *   video.mp4                       H.264/AAC, the largest rendition, faststart
 *   poster.jpg                      a frame at 10 % of the duration (at most 10 s in),
 *                                   at the largest rendition's size
 *   hls/master.m3u8                 every rendition with BANDWIDTH (the peak of its segments),
 *                                   AVERAGE-BANDWIDTH, RESOLUTION, FRAME-RATE, CODECS
 *   hls/<name>/index.m3u8, init.mp4, seg_<n>.m4s
 * and sets *result (NULL is fine) to {"renditions":[{"name","width","height",
 * "video_bps","audio_bps","bandwidth","copied"}], "duration_ms","elapsed_ms",
 * "speed"} — speed: seconds of video per second of the ladder's encode (all
 * renditions are encoded together, from one decode). in may be NULL (then
 * src is probed), opt too (defaults). -1 with *kind and err; outdir may then
 * hold partial output (the caller removes it). */
int media_video_transcode(const char *src, const media_video_info_t *in, const char *outdir,
                          const media_transcode_opts_t *opt, media_progress_fn progress, void *ud,
                          json_t **result, int *kind, char *err, size_t errlen);

#endif
