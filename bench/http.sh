#!/usr/bin/env bash
# bench/http.sh — HTTP throughput and latency of the release build, measured
# with wrk on each database backend in one run (`make bench`):
#
#   bench/http.sh [DB …]
#     DB: sqlite                a fresh SQLite file in a temporary data dir
#         pg                    a throw-away PostgreSQL (scripts/pglib.sh),
#                               durable settings (fsync on)
#         postgresql://…        that database (migrated; left in place)
#     default: sqlite pg
#
# For each: GET /healthz (answers after a `SELECT 1`) and GET
# /api/v1/schedules/1 (a read of one row, serialised to JSON), at each of
# CONNS keep-alive connection counts (default "50 500"), THREADS wrk threads
# (2) for DURATION (15s) after a 3 s warm-up. The API request carries the
# admin's session (its lookup is part of every request); /healthz, the load
# balancers' probe, does not. As the ceiling of
# this machine, nginx serving a small static file is measured in the same
# run (NGINX=0 skips it). Prints a table (markdown) to paste into
# docs/benchmarks.md; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${ZHENDI_BIN:-$ROOT/build/zhendi}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-50 500}
THREADS=${THREADS:-2}
ADMIN_PASSWORD=Bench-Admin-2026!
ENDPOINTS=(/healthz /api/v1/schedules/1)
source scripts/pglib.sh

[[ -x $BIN ]] || { echo "bench: build first (make build): $BIN" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/zhendi-bench-XXXXXX)
pg_dir=""
srv_pid=""
cleanup() {
  [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  [[ -n $pg_dir ]] && pg_tmp_destroy "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

# Starts zhendi on a free port with data in $1 and database $2 ("" = SQLite
# in the data dir); sets srv_pid and port.
start_server() {
  local data=$1 db=$2 out=$work/server.out
  local args=(serve --listen 127.0.0.1:0 --data "$data")
  [[ -n $db ]] && args+=(--db "$db")
  ZHENDI_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" "${args[@]}" >"$out" 2>"$work/server.err" &
  srv_pid=$!
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening on http://[^ ]*' "$out" 2>/dev/null | sed 's/.*://' || true)
    [[ -n $port ]] && return 0
    kill -0 "$srv_pid" 2>/dev/null || { cat "$work/server.err" >&2; return 1; }
    sleep 0.1
  done
  echo "bench: the server did not start" >&2
  return 1
}

stop_server() {
  kill "$srv_pid" && wait "$srv_pid" || true
  srv_pid=""
}

# The admin's session cookie when the build has login, else nothing.
session_header() {
  local hdrs status
  hdrs=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "http://127.0.0.1:$port/api/v1/auth/login")
  status=$(head -1 <<<"$hdrs" | awk '{print $2}')
  [[ $status == 200 ]] || return 0
  grep -i '^set-cookie:' <<<"$hdrs" | head -1 | sed -E 's/^[Ss]et-[Cc]ookie: *([^;]*).*/Cookie: \1/'
}

# wrk's summary of one run (url, header, connections) as "req/s p50 p99 errors".
measure() {
  local url=$1 header=$2 out
  local hargs=()
  [[ -n $header ]] && hargs=(-H "$header")
  local conns=$3
  wrk -t"$THREADS" -c"$conns" -d3s "${hargs[@]}" "$url" >/dev/null 2>&1 || true
  out=$(wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency "${hargs[@]}" "$url" 2>&1)
  echo "$out" >"$work/last-wrk.txt"
  local rps p50 p99 non2xx sock
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")
  sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' <<<"$out")
  echo "${rps:-?} ${p50:-?} ${p99:-?} $((${non2xx:-0} + ${sock:-0}))"
}

dbs=("$@")
((${#dbs[@]})) || dbs=(sqlite pg)
rows=()
for db in "${dbs[@]}"; do
  data=$(mktemp -d "$work/data-XXXXXX")
  case $db in
    sqlite) url=""; label=sqlite ;;
    pg)
      if [[ -z $pg_dir ]]; then
        pg_dir=$(mktemp -d /tmp/zhendi-bench-pg-XXXXXX)
        pg_tmp_init "$pg_dir" >/dev/null
        pg_tmp_start "$pg_dir"
      fi
      admin=$(cat "$pg_dir/url")
      name="bench_$(date +%s)"
      psql -X -q "$admin" -c "CREATE DATABASE $name"
      url="${admin%/postgres}/$name"
      label="postgresql $("$(pg_bindir)/postgres" --version | awk '{print $3}')"
      ;;
    postgres://* | postgresql://*) url=$db; label="postgresql (given URL)" ;;
    *) echo "bench: unknown database $db (sqlite, pg or a postgresql:// URL)" >&2; exit 2 ;;
  esac
  start_server "$data" "$url"
  header=$(session_header)
  for ep in "${ENDPOINTS[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' ${header:+-H "$header"} "http://127.0.0.1:$port$ep")
    [[ $code == 200 ]] || { echo "bench: $ep answers $code on $label" >&2; exit 1; }
    for conns in $CONNS; do
      echo "bench: $label $ep: $conns connections, $DURATION …" >&2
      # the probe is what load balancers call: no session; the API carries one
    h=$header
    [[ $ep == /healthz ]] && h=""
    read -r rps p50 p99 errors < <(measure "http://127.0.0.1:$port$ep" "$h" "$conns")
      rows+=("| $label | GET $ep | $conns | $rps | $p50 | $p99 | $errors |")
    done
  done
  stop_server
done

# The ceiling: nginx serving a 60-byte file on this machine, same wrk settings.
if [[ ${NGINX:-1} != 0 ]] && command -v nginx >/dev/null; then
  ng=$work/nginx
  mkdir -p "$ng/www" "$ng/logs" "$ng/tmp"
  chmod 755 "$work" "$ng" "$ng/www" # nginx's workers run as nobody
  printf '{"status":"ok","note":"nginx reference, static file"}\n' >"$ng/www/healthz"
  ngport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$ng/nginx.conf" <<EOF
worker_processes 2;
pid $ng/nginx.pid;
error_log $ng/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $ng/tmp; proxy_temp_path $ng/tmp; fastcgi_temp_path $ng/tmp;
  uwsgi_temp_path $ng/tmp; scgi_temp_path $ng/tmp;
  server { listen 127.0.0.1:$ngport; root $ng/www; default_type application/json; }
}
EOF
  nginx -c "$ng/nginx.conf" -p "$ng"
  for conns in $CONNS; do
    echo "bench: nginx static file: $conns connections, $DURATION …" >&2
    read -r rps p50 p99 errors < <(measure "http://127.0.0.1:$ngport/healthz" "" "$conns")
    rows+=("| nginx $(nginx -v 2>&1 | sed 's|.*/||'), static file | GET /healthz | $conns | $rps | $p50 | $p99 | $errors |")
  done
  kill "$(cat "$ng/nginx.pid")" 2>/dev/null || true
fi

echo
echo "zhendi $("$BIN" version | awk '{print $2}'), $(nproc) CPUs, wrk -t$THREADS -d$DURATION, $(date -Iseconds)"
echo
echo "| server / database | request | connections | requests/s | p50 | p99 | errors |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
