#!/usr/bin/env bash
# pglib.sh — throw-away PostgreSQL servers for tests and benchmarks, from
# Debian's postgresql package (initdb, pg_ctl; no system service). Source it
# for the functions, or run it as `scripts/pglib.sh FUNCTION ARGS…`.
#
#   pg_tmp_init DIR [PORT]    new cluster in DIR/data (DIR is created, owned by
#                             the postgres user when we are root); prints the
#                             admin URL postgresql://postgres:PW@127.0.0.1:PORT/postgres
#                             and keeps it in DIR/url
#   pg_tmp_start DIR          start it (waits until it accepts connections); a copy
#                             of another cluster's data (a standby) runs on the
#                             port in DIR/port with its socket in DIR
#   pg_tmp_stop DIR [MODE]    stop it (MODE: fast | immediate | smart)
#   pg_tmp_restart DIR        stop (fast) and start
#   pg_tmp_destroy DIR        stop if running, remove DIR
#   pg_as_owner CMD…          run CMD as the owner of the clusters (postgres when root)
#
# Text sorts by code point (collation C, as SQLite's BINARY does; LIKE 'x%'
# can use an index) with UTF-8 character classes (upper/lower of any script).
# initdb refuses to run as root, hence the postgres user; PG_BINDIR picks the
# server version (default: the newest under /usr/lib/postgresql). Extra
# postgresql.conf lines for pg_tmp_init come from PG_EXTRA_CONF.
set -euo pipefail

pg_bindir() {
  if [[ -n ${PG_BINDIR:-} ]]; then echo "$PG_BINDIR"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $d && -x $d/initdb ]] || { echo "pglib: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$d"
}

pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port nobody listens on, below the kernel's ephemeral range
# (ip_local_port_range, 32768– by default): a port from inside it could be
# taken between this check and the server's start by any outgoing connection
# or any server listening on port 0 (seen: "Address already in use").
pg_free_port() {
  local port i lo=32768 rest
  read -r lo rest </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  local base=15000 span=$((lo - 15000))
  ((span >= 2000)) || { base=20000; span=12000; }
  for i in $(seq 1 100); do
    port=$((base + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "pglib: no free port" >&2
  return 1
}

pg_tmp_init() {
  local dir=$1 port=${2:-} bin pw
  bin=$(pg_bindir)
  [[ -n $port ]] || port=$(pg_free_port)
  mkdir -p "$dir"
  chmod 0755 "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  pg_as_owner bash -c "umask 077; printf '%s\n' '$pw' > '$dir/pw'"
  pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --lc-collate=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  pg_as_owner bash -c "cat >> '$dir/data/postgresql.conf'" <<EOF
# pglib.sh
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
log_min_messages = warning
log_line_prefix = '%m [%p] %a '
${PG_EXTRA_CONF:-}
EOF
  pg_as_owner bash -c "printf 'host replication all 127.0.0.1/32 scram-sha-256\n' >> '$dir/data/pg_hba.conf'"
  local url="postgresql://postgres:$pw@127.0.0.1:$port/postgres"
  echo "$url" >"$dir/url"
  echo "$port" >"$dir/port"
  echo "$url"
}

pg_tmp_start() {
  local dir=$1 bin opts=""
  bin=$(pg_bindir)
  [[ -f $dir/port ]] && opts="-p $(cat "$dir/port") -k $dir"
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; return 1; }
}

pg_tmp_restart() {
  pg_tmp_stop "$1" fast
  pg_tmp_start "$1"
}

pg_tmp_stop() {
  local dir=$1 mode=${2:-fast} bin
  bin=$(pg_bindir)
  [[ -f $dir/data/postmaster.pid ]] || return 0
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
}

pg_tmp_destroy() {
  local dir=$1
  [[ -d $dir ]] || return 0
  pg_tmp_stop "$dir" immediate
  rm -rf "$dir"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  fn=${1:?usage: pglib.sh FUNCTION ARGS…}
  shift
  "$fn" "$@"
fi
