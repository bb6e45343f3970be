# bench/lib/server.bash — sourced by the benchmark scripts: starts the
# release build on a temporary data directory and logs in the built-in
# system administrator.
#
#   bench_start DATA_DIR [serve options...]   sets srv_pid, port, base
#   bench_login JAR                           sets csrf (cookie in JAR)
# Needs $BIN and $ADMIN_PASSWORD; the caller's EXIT trap stops $srv_pid.

bench_start() {
  local data=$1
  shift
  ZHENDI_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" serve --listen 127.0.0.1:0 --data "$data" "$@" \
    >"$data.out" 2>"$data.err" &
  srv_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening on http://[^ ]*' "$data.out" 2>/dev/null | sed 's/.*://' || true)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || { cat "$data.err" >&2; exit 1; }
  base=http://127.0.0.1:$port
}

bench_login() {
  local login
  login=$(curl -s -c "$1" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$base/api/v1/auth/login")
  csrf=$(sed -E 's/.*"csrf_token": *"([^"]*)".*/\1/' <<<"$login")
}
