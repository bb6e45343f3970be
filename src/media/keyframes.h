/* keyframes.h — still frames from a video at a fixed interval, with
 * ffprobe and ffmpeg as child processes (used to read text in videos).
 *
 * Frame k (k = 0, 1, …) is the picture shown at start + k × interval
 * seconds, written as DIR/frame-%05d.png (first_number + k in the name),
 * scaled down to at most max_width pixels wide. A long video is best read
 * in segments (start, duration) so that the caller can report progress in
 * between. Thread-safe; slow — run it in a job.
 */
#ifndef ZD_KEYFRAMES_H
#define ZD_KEYFRAMES_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    double duration_s; /* 0 when unknown */
    int width, height; /* of the first video stream */
    char codec[32];
} keyframes_info_t;

typedef struct {
    double interval_s;     /* > 0 */
    double start_s;        /* from this point of the video (frame 0 is at start_s); 0: the beginning */
    double duration_s;     /* this long; 0: to the end */
    int first_number;      /* number in the first frame's file name; 0: 1 */
    int max_frames;        /* at most this many; 0: 3600 */
    int max_width;         /* 0: 1920 */
    int timeout_ms;        /* for the whole extraction; 0: 30 min */
    int64_t max_memory_mb; /* 0: 2048 */
} keyframes_options_t;

/* Reads the container's duration and the first video stream. -1 with a
 * reason in err when ffprobe fails or there is no video stream. */
int keyframes_probe(const char *path, keyframes_info_t *info, char *err, size_t errlen);
/* Writes the frames into dir (which must exist). 0 with *nframes (the
 * frames written by this call); -1 with a reason in err. */
int keyframes_extract(const char *path, const char *dir, const keyframes_options_t *opt, int *nframes,
                      char *err, size_t errlen);
/* "HH:MM:SS" (or "HH:MM:SS.s" when not whole) for seconds. */
void keyframes_timecode(double seconds, char *out, size_t outsz);

#endif
