#!/usr/bin/env bash
# Video transcoding benchmark (docs/benchmarks.md, "Media: video transcoding").
#
# Generates a 60 s 1080p30 clip with motion and film grain (ffmpeg's
# testsrc2 + temporal noise, so that the encoder has real work; H.264 at a
# phone's bitrate, AAC stereo), then runs media_video_transcode on it
# (build/bench_transcode): the full ladder 240p…1080p as HLS, video.mp4 and
# the poster. With SEQUENTIAL=1 (the default) also one ffmpeg per rendition
# with the same encoder settings, for comparison with the single run.
#
# Usage: bench/transcode.sh     (SECONDS_=60 SIZE=1920x1080 THREADS=0 SEQUENTIAL=1 KEEP=0)
# Build first: cmake --build build -j$(nproc). Other people share the machine:
# run it when the load average is low.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BENCH_BIN:-build/bench_transcode}
LEN=${SECONDS_:-60}
SIZE=${SIZE:-1920x1080}
THREADS=${THREADS:-0}
work=$(mktemp -d /tmp/zhendi-bench-XXXXXX)
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT

[[ -x $BIN ]] || { echo "build first: $BIN missing" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ffmpeg: $(ffmpeg -hide_banner -version | head -1)"

start=$(date +%s.%N)
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=$SIZE:rate=30:duration=$LEN,noise=alls=10:allf=t" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$LEN" \
  -map 0:v -map 1:a -ac 2 -c:v libx264 -preset ultrafast -b:v 16M -maxrate 16M -bufsize 32M -pix_fmt yuv420p \
  -c:a aac -b:a 192k -movflags +faststart "$work/source.mp4"
awk -v s="$SIZE" -v b="$(stat -c %s "$work/source.mp4")" -v t0="$start" -v t1="$(date +%s.%N)" \
  'BEGIN { printf "source: %s, %.1f MB, generated in %.1f s\n", s, b / 1e6, t1 - t0 }'

mkdir "$work/out"
BENCH_SEQUENTIAL=${SEQUENTIAL:-1} "$BIN" "$work/source.mp4" "$work/out" "$THREADS" | tee "$work/result.json"
du -sh "$work/out/hls" "$work/out/video.mp4" | sed 's/^/output: /'
