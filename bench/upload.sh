#!/usr/bin/env bash
# bench/upload.sh — what a large upload costs the server in memory and time.
#
#   bench/upload.sh [MB]     (default 150)
#
# Makes an uncompressed AVI of about MB megabytes (white frames, so the OCR
# that follows is quick), starts the release build on a temporary data
# directory, and posts the video to POST /api/v1/proofread/video with curl
# while sampling the server's /proc/PID/status every 20 ms. It reports the peak
# anonymous memory (RssAnon: the heap, what an upload held in memory would
# grow) and the peak resident set (VmHWM, which also counts the spooled
# file's page cache: reclaimable, shared with the kernel's cache), before
# and during the upload, and the upload's wall time. Bodies past spool_kb
# (1 MiB) go to an unnamed file in DATA/tmp; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/server.bash
. bench/lib/server.bash
BIN=${ZHENDI_BIN:-$PWD/build/zhendi}
MB=${1:-150}
ADMIN_PASSWORD=Bench-Admin-2026!
[[ -x $BIN ]] || { echo "bench: build first (make build): $BIN" >&2; exit 1; }

work=$(mktemp -d /tmp/zhendi-upload-XXXXXX)
srv_pid=""
cleanup() {
  [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 640×360 yuv420p raw frames are 345,600 bytes each
frames=$((MB * 1000000 / 345600 + 1))
ffmpeg -hide_banner -loglevel error -f lavfi -i "color=c=white:s=640x360:r=25" -frames:v "$frames" \
  -c:v rawvideo -pix_fmt yuv420p -y "$work/big.avi"
size=$(stat -c %s "$work/big.avi")

bench_start "$work/data" --proofread-video-max-mb $((MB + 50))
bench_login "$work/jar"

field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$srv_pid/status"; }
anon0=$(field RssAnon)
hwm0=$(field VmHWM)

peak=0
(
  while kill -0 "$srv_pid" 2>/dev/null; do
    a=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$srv_pid/status" 2>/dev/null || echo 0)
    ((a > peak)) && peak=$a && echo "$peak" >"$work/peak"
    sleep 0.02
  done
) &
sampler=$!

t0=$(date +%s.%N)
status=$(curl -s -o "$work/resp" -w '%{http_code}' -b "$work/jar" -H "X-CSRF-Token: $csrf" \
  -F "file=@$work/big.avi;type=video/x-msvideo" -F interval=5 "$base/api/v1/proofread/video")
t1=$(date +%s.%N)
sleep 0.2
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
[[ $status == 201 ]] || { echo "bench: upload answered $status: $(cat "$work/resp")" >&2; exit 1; }

printf '| upload | body | RssAnon before → peak | VmHWM before → after | wall time |\n'
printf '|---|---|---|---|---|\n'
printf '| POST /api/v1/proofread/video | %d MB | %s → %s KiB | %s → %s KiB | %.2f s |\n' \
  $((size / 1000000)) "$anon0" "$(cat "$work/peak" 2>/dev/null || echo "$anon0")" "$hwm0" "$(field VmHWM)" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')"
