#!/usr/bin/env bash
# bench/soak.sh — is memory flat under sustained load? Starts the release
# build on SQLite with demo data, then for SOAK seconds (default 600) keeps
# 100 keep-alive connections busy on an authenticated list (GET
# /api/v1/orgs?page_size=50, with session lookup, scope filter and JSON) and
# 50 on /healthz, sampling the server's resident memory every 15 s. Prints
# the samples and a verdict line; the figure goes into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZHENDI_BIN:-$PWD/build/zhendi}
SOAK=${SOAK:-600}
PW='Bench-Soak-2026!'
work=$(mktemp -d /tmp/zhendi-soak-XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ZHENDI_ADMIN_PASSWORD=$PW "$BIN" serve --listen 127.0.0.1:0 --data "$work" --demo >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 300); do
  port=$(grep -o 'listening on http://[^ ]*' "$work/out" 2>/dev/null | sed 's/.*://' || true)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { cat "$work/err"; exit 1; }
cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PW\"}" "http://127.0.0.1:$port/api/v1/auth/login" |
  grep -i '^set-cookie:' | sed -E 's/^[Ss]et-[Cc]ookie: *([^;]*).*/\1/')
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "start: $(rss) KiB"
wrk -t1 -c100 -d"${SOAK}s" -H "Cookie: $cookie" "http://127.0.0.1:$port/api/v1/orgs?page_size=50" >"$work/wrk1" 2>&1 &
w1=$!
wrk -t1 -c50 -d"${SOAK}s" "http://127.0.0.1:$port/healthz" >"$work/wrk2" 2>&1 &
w2=$!
samples=()
for ((t = 15; t <= SOAK; t += 15)); do
  sleep 15
  samples+=("$(rss)")
  echo "t=${t}s rss=${samples[-1]} KiB"
done
wait $w1 $w2 || true
echo "--- wrk (authenticated list)"; grep -E 'Requests/sec|Non-2xx|Socket errors' "$work/wrk1" || true
echo "--- wrk (/healthz)"; grep -E 'Requests/sec|Non-2xx|Socket errors' "$work/wrk2" || true
n=${#samples[@]}
first=${samples[1]:-${samples[0]}} # after the first 30 s the caches are warm
last=${samples[$((n - 1))]}
max=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
echo "rss after 30 s: $first KiB; at the end: $last KiB; max: $max KiB; growth: $(( (last - first) * 100 / first ))%"
