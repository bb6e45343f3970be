#!/usr/bin/env bash
# bench/storage.sh — the storage module's performance targets (issue 11):
#   * a large upload through tus (one PATCH of the whole file, as curl -T
#     streams it) against cp of the same file on the same disk, both made
#     durable (the upload fdatasyncs its partial file; cp is followed by sync);
#   * a download of the same file against nginx serving it from disk
#     (sendfile on both sides, warm page cache on both);
#   * 100 concurrent downloads of a smaller file, with the server's anonymous
#     memory (RssAnon, what buffering would grow) sampled every 20 ms.
#
#   bench/storage.sh [MB]     (default 1024)
#
# Needs the release build (make build), curl and nginx (Debian's nginx or
# nginx-light; the script starts its own instance on a free port).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/server.bash
. bench/lib/server.bash
BIN=${ZHENDI_BIN:-$PWD/build/zhendi}
MB=${1:-1024}
ADMIN_PASSWORD=Bench-Admin-2026!
[[ -x $BIN ]] || { echo "bench: build first (make build): $BIN" >&2; exit 1; }
command -v nginx >/dev/null || { echo "bench: nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/zhendi-storage-XXXXXX)
chmod 755 "$work" # nginx's workers run as another user
srv_pid="" nginx_pid=""
cleanup() {
  [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f", n / 1048576 / (b - a)}'; }

head -c $((MB * 1048576)) /dev/urandom >"$work/big.bin"
head -c $((20 * 1048576)) /dev/urandom >"$work/small.bin"
chmod 644 "$work/big.bin" "$work/small.bin"
size=$(stat -c %s "$work/big.bin")

# ---- cp on the same disk
sync
t0=$(now)
cp "$work/big.bin" "$work/copy.bin"
sync "$work/copy.bin"
t1=$(now)
cp_s=$(secs "$t0" "$t1")
cp_rate=$(rate "$size" "$t0" "$t1")
rm -f "$work/copy.bin"

# ---- the server
bench_start "$work/data" --storage-attachment-max-mb $((MB + 100)) --threads 8
bench_login "$work/jar"
field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$srv_pid/status"; }
sample() { # peak RssAnon into $work/peak until killed
  local peak=0
  while kill -0 "$srv_pid" 2>/dev/null; do
    a=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$srv_pid/status" 2>/dev/null || echo 0)
    ((a > peak)) && peak=$a && echo "$peak" >"$work/peak"
    sleep 0.02
  done
}

upload() { # file name → file id
  local f=$1 name=$2 len loc
  len=$(stat -c %s "$f")
  loc=$(curl -s -D - -o /dev/null -b "$work/jar" -H "X-CSRF-Token: $csrf" -H 'Tus-Resumable: 1.0.0' \
    -H "Upload-Length: $len" -H "Upload-Metadata: filename $(printf %s "$name" | base64 -w0),purpose $(printf attachment | base64 -w0)" \
    -X POST "$base/api/v1/uploads" | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
  [[ -n $loc ]] || { echo "bench: creation failed" >&2; exit 1; }
  echo "$loc" >"$work/loc"
  local t0 t1 code
  t0=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$work/jar" -H "X-CSRF-Token: $csrf" -H 'Tus-Resumable: 1.0.0' \
    -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' -X PATCH -T "$f" "$base$loc")
  t1=$(now)
  cp "$work/peak" "$work/peak_patch" 2>/dev/null || true
  [[ $code == 204 ]] || { echo "bench: PATCH answered $code" >&2; exit 1; }
  echo "$t0 $t1" >"$work/times"
  local st id
  for _ in $(seq 1 6000); do
    st=$(curl -s -b "$work/jar" "$base$loc")
    grep -q '"status":"done"' <<<"$st" && break
    grep -q '"status":"\(refused\|failed\)"' <<<"$st" && { echo "bench: $st" >&2; exit 1; }
    sleep 0.1
  done
  id=$(sed -E 's/.*"file_id":([0-9]+).*/\1/' <<<"$st")
  echo "$(now)" >"$work/ingested"
  echo "$id"
}

anon0=$(field RssAnon)
sample &
sampler=$!
big=$(upload "$work/big.bin" big.bin)
read -r u0 u1 <"$work/times"
ingest_end=$(cat "$work/ingested")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
up_peak=$(cat "$work/peak_patch" 2>/dev/null || echo "$anon0")
ingest_peak=$(cat "$work/peak" 2>/dev/null || echo "$anon0")
up_s=$(secs "$u0" "$u1")
up_rate=$(rate "$size" "$u0" "$u1")
ingest_s=$(secs "$u1" "$ingest_end")

# ---- downloads: zhendi and nginx, warm cache, best of three
dl() { curl -s -o /dev/null -w '%{time_total} %{http_code}\n' "$@"; }
best() { sort -n | head -1; }
zurl="$base/api/v1/storage/files/$big/content"
dl -b "$work/jar" "$zurl" >/dev/null
z=$(for _ in 1 2 3; do dl -b "$work/jar" "$zurl"; done | awk '$2 == 200 {print $1}' | best)

nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx/pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$nport; root $work; }
}
EOF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nport/small.bin" && break; sleep 0.1; done
dl "http://127.0.0.1:$nport/big.bin" >/dev/null
n=$(for _ in 1 2 3; do dl "http://127.0.0.1:$nport/big.bin"; done | awk '$2 == 200 {print $1}' | best)

# ---- 100 concurrent downloads of a 20 MB file
small=$(upload "$work/small.bin" small.bin)
surl="$base/api/v1/storage/files/$small/content"
dl -b "$work/jar" "$surl" >/dev/null
anon1=$(field RssAnon)
rm -f "$work/peak"
sample &
sampler=$!
t0=$(now)
for _ in $(seq 1 100); do dl -b "$work/jar" "$surl" >>"$work/many" & done
wait $(jobs -p | grep -v "^$sampler$" | grep -v "^$nginx_pid$" | grep -v "^$srv_pid$") 2>/dev/null || true
t1=$(now)
kill "$sampler" 2>/dev/null || true
ok=$(awk '$2 == 200' "$work/many" | wc -l)
many_peak=$(cat "$work/peak" 2>/dev/null || echo "$anon1")

printf '| measure | result |\n|---|---|\n'
printf '| cp %d MiB + sync | %s s (%s MiB/s) |\n' "$MB" "$cp_s" "$cp_rate"
printf '| tus PATCH of %d MiB | %s s (%s MiB/s, %s%% of cp) |\n' "$MB" "$up_s" "$up_rate" \
  "$(awk -v a="$up_rate" -v b="$cp_rate" 'BEGIN {printf "%.0f", 100 * a / b}')"
printf '| then ingest (SHA-256, virus scan, store) | %s s |\n' "$ingest_s"
printf '| server RssAnon: before → peak of the PATCH → peak of the ingest | %s → %s → %s KiB |\n' "$anon0" "$up_peak" "$ingest_peak"
printf '| download %d MiB: zhendi / nginx | %s s / %s s (%s%% of nginx) |\n' "$MB" "$z" "$n" \
  "$(awk -v a="$z" -v b="$n" 'BEGIN {printf "%.0f", 100 * b / a}')"
printf '| 100 concurrent downloads of 20 MiB | %d answered 200 in %s s; RssAnon %s → %s KiB |\n' "$ok" \
  "$(secs "$t0" "$t1")" "$anon1" "$many_peak"
