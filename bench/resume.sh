#!/usr/bin/env bash
# bench/resume.sh — a large tus upload whose connection is killed halfway
# continues where it stopped and arrives intact (issue 11: "a 2 GB file
# survives a killed connection and continues where it stopped").
#
#   bench/resume.sh [MB]     (default 1950 MiB = 2.04 GB)
#
# Starts the release build, creates the upload, sends the file with curl and
# kills curl (SIGKILL) once about half is through, asks HEAD for the offset,
# sends the rest from that offset, waits for the ingest and compares the
# SHA-256 of the stored file with the original's. Prints the offsets, times
# and the server's peak anonymous memory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/server.bash
. bench/lib/server.bash
BIN=${ZHENDI_BIN:-$PWD/build/zhendi}
MB=${1:-1950} # 2.04 GB; libclamav scans at most 2047 MiB, the largest upload accepted
ADMIN_PASSWORD=Bench-Admin-2026!
[[ -x $BIN ]] || { echo "bench: build first (make build): $BIN" >&2; exit 1; }

work=$(mktemp -d /var/tmp/zhendi-resume-XXXXXX)
srv_pid=""
cleanup() {
  [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

head -c $((MB * 1048576)) /dev/urandom >"$work/big.bin"
size=$(stat -c %s "$work/big.bin")
want=$(sha256sum "$work/big.bin" | cut -d' ' -f1)

bench_start "$work/data" --storage-attachment-max-mb $((MB + 100))
bench_login "$work/jar"
tus=(-b "$work/jar" -H "X-CSRF-Token: $csrf" -H 'Tus-Resumable: 1.0.0')

peak=0
(
  while kill -0 "$srv_pid" 2>/dev/null; do
    a=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$srv_pid/status" 2>/dev/null || echo 0)
    ((a > peak)) && peak=$a && echo "$peak" >"$work/peak"
    sleep 0.05
  done
) &

loc=$(curl -s -D - -o /dev/null "${tus[@]}" -H "Upload-Length: $size" \
  -H "Upload-Metadata: filename $(printf big.bin | base64 -w0),purpose $(printf attachment | base64 -w0)" \
  -X POST "$base/api/v1/uploads" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
offset() { curl -s -I "${tus[@]}" "$base$loc" | tr -d '\r' | awk 'tolower($1) == "upload-offset:" {print $2}'; }

# first attempt: killed once about half has arrived
t0=$(date +%s.%N)
curl -s -o /dev/null "${tus[@]}" -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
  -H 'Expect:' -X PATCH -T "$work/big.bin" "$base$loc" &
curl_pid=$!
while :; do
  o=$(offset)
  ((o >= size / 2)) && break
  sleep 0.05
done
kill -9 "$curl_pid" 2>/dev/null || true
wait "$curl_pid" 2>/dev/null || true
# second attempt: the rest, from the server's offset; 423 while the server
# has not yet seen the first connection die (a tus client retries then)
for attempt in $(seq 1 60); do
  first=$(offset)
  code=$(tail -c +$((first + 1)) "$work/big.bin" | curl -s -o /dev/null -w '%{http_code}' "${tus[@]}" \
    -H "Upload-Offset: $first" -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' \
    -H "Content-Length: $((size - first))" -X PATCH --data-binary @- "$base$loc")
  [[ $code == 423 ]] || break
  sleep 0.5
done
t1=$(date +%s.%N)
[[ $code == 204 ]] || { echo "bench: resumed PATCH answered $code" >&2; exit 1; }
for _ in $(seq 1 6000); do
  st=$(curl -s -b "$work/jar" "$base$loc")
  grep -q '"status":"done"' <<<"$st" && break
  grep -q '"status":"\(refused\|failed\)"' <<<"$st" && { echo "bench: $st" >&2; exit 1; }
  sleep 0.2
done
id=$(sed -E 's/.*"file_id":([0-9]+).*/\1/' <<<"$st")
got=$(curl -s -b "$work/jar" "$base/api/v1/storage/files/$id/content" | sha256sum | cut -d' ' -f1)

printf '| %d MiB upload, connection killed at byte %d (%.0f %%) | resumed from %d after %d × 423; both PATCHes %.1f s; SHA-256 %s; server peak RssAnon (ingest included) %s KiB |\n' \
  "$MB" "$first" "$(awk -v a="$first" -v b="$size" 'BEGIN {print 100 * a / b}')" "$first" "$((attempt - 1))" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$([[ $got == "$want" ]] && echo matches || echo DIFFERS)" \
  "$(cat "$work/peak" 2>/dev/null || echo ?)"
[[ $got == "$want" ]]
