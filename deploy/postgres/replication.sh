#!/usr/bin/env bash
# replication.sh — PostgreSQL primary + streaming standby for Zhendi, and the
# failover / fail-back steps (docs/operations.md explains when to run which).
#
#   replication.sh primary [--standby-cidr CIDR] [--archive-dir DIR] [--restart CMD]
#       on the primary host: replication settings (ALTER SYSTEM), the
#       `replicator` role (password from env REPL_PASSWORD), a pg_hba line for
#       the standbys, then a restart (wal_level needs one)
#   replication.sh standby --primary HOST:PORT --datadir DIR [--name NAME] [--stop CMD] [--start CMD]
#       on the standby host: replaces DIR (the old one is moved aside) with a
#       pg_basebackup of the primary that follows it (-R, a replication slot
#       named NAME), then starts it
#   replication.sh sync NAMES
#       on the primary, once the standby streams: commits wait until standby
#       NAMES (e.g. standby1, or 'ANY 1 (standby1, standby2)') has them on disk
#       — no acknowledged write is lost in a failover; '' turns it off.
#       Waits (30 s at most) until a synchronous standby streams: before
#       that, every commit waits for one.
#   replication.sh promote --datadir DIR
#       on the standby, when the primary is lost: it becomes the primary and
#       stops waiting for a synchronous standby it no longer has
#   replication.sh rejoin --primary HOST:PORT --datadir DIR [--name NAME] [--stop CMD] [--start CMD]
#       fail-back, on the old primary after a failover: pg_rewind it onto the
#       new primary's timeline and start it as that primary's standby
#       (pg_rewind connects as PGUSER, default postgres, with PGPASSWORD)
#   replication.sh status
#       replication state of the server psql reaches (PG* environment)
#
# psql reaches the local server as the postgres superuser: by default over
# the Unix socket as the postgres OS user (Debian's peer authentication);
# PGHOST/PGPORT/PGUSER/PGPASSWORD override that. Commands that touch a data
# directory run as its owner. Defaults fit a Debian cluster (postgresql-15,
# `main`): --restart/--stop/--start default to pg_ctlcluster 15 main …;
# PG_BINDIR picks the server binaries (default: the newest installed).
set -euo pipefail

die() { echo "replication.sh: $*" >&2; exit 1; }
say() { echo "replication.sh: $*"; }

bindir() {
  if [[ -n ${PG_BINDIR:-} ]]; then echo "$PG_BINDIR"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}
BIN=$(bindir)
[[ -x $BIN/pg_ctl ]] || die "PostgreSQL server binaries not found (PG_BINDIR)"
VERSION=$("$BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')

# Runs a command as the owner of the clusters (postgres) when we are root.
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_sql() { as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" "$@"; }
sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

cmd_primary() {
  local cidr=127.0.0.1/32 archive="" restart="pg_ctlcluster $VERSION main restart"
  while (($#)); do
    case $1 in
      --standby-cidr) cidr=$2; shift 2 ;;
      --archive-dir) archive=$2; shift 2 ;;
      --restart) restart=$2; shift 2 ;;
      *) die "primary: unknown option $1" ;;
    esac
  done
  [[ -n ${REPL_PASSWORD:-} ]] || die "set REPL_PASSWORD (the replicator role's password)"
  say "replication settings"
  pg_sql <<EOF
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET max_wal_senders = 10;
ALTER SYSTEM SET max_replication_slots = 10;
ALTER SYSTEM SET wal_keep_size = '1GB';
ALTER SYSTEM SET hot_standby = on;
ALTER SYSTEM SET wal_log_hints = on;
ALTER SYSTEM SET synchronous_commit = 'on';
EOF
  if [[ -n $archive ]]; then
    # WAL archiving for point-in-time recovery: a segment counts as archived
    # only once it is on disk under its own name (never overwritten)
    as_pg mkdir -p "$archive"
    pg_sql <<EOF
ALTER SYSTEM SET archive_mode = on;
ALTER SYSTEM SET archive_timeout = '60s';
ALTER SYSTEM SET archive_command = $(sql_quote "test ! -f '$archive/%f' && cp '%p' '$archive/%f.tmp' && sync '$archive/%f.tmp' && mv '$archive/%f.tmp' '$archive/%f'");
EOF
  fi
  say "role replicator"
  pg_sql <<EOF
SELECT 'CREATE ROLE replicator' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator')\gexec
ALTER ROLE replicator WITH REPLICATION LOGIN PASSWORD $(sql_quote "$REPL_PASSWORD");
EOF
  local hba line
  hba=$(pg_sql -At -c 'SHOW hba_file')
  line="host replication replicator $cidr scram-sha-256"
  if ! as_pg grep -qxF "$line" "$hba"; then
    say "pg_hba: $line"
    as_pg bash -c "printf '%s\n' '$line' >> '$hba'"
  fi
  say "restart: $restart"
  bash -c "$restart"
  say "primary ready"
}

cmd_standby() {
  local primary="" dir="" name=standby1 stop="pg_ctlcluster $VERSION main stop" start="pg_ctlcluster $VERSION main start"
  while (($#)); do
    case $1 in
      --primary) primary=$2; shift 2 ;;
      --datadir) dir=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --stop) stop=$2; shift 2 ;;
      --start) start=$2; shift 2 ;;
      *) die "standby: unknown option $1" ;;
    esac
  done
  [[ -n $primary && -n $dir ]] || die "standby: --primary HOST:PORT and --datadir DIR are required"
  [[ -n ${REPL_PASSWORD:-} ]] || die "set REPL_PASSWORD (the replicator role's password)"
  local host=${primary%:*} port=${primary##*:}
  if [[ -f $dir/postmaster.pid ]]; then say "stop: $stop"; bash -c "$stop" || true; fi
  if [[ -d $dir ]] && [[ -n $(ls -A "$dir" 2>/dev/null) ]]; then
    local old
    old="$dir.old-$(date +%Y%m%d-%H%M%S)"
    say "moving the old data directory to $old"
    mv "$dir" "$old"
  fi
  as_pg mkdir -p "$dir"
  as_pg chmod 0700 "$dir"
  # a slot left by an earlier standby of this name would refuse -C; an active one stays
  as_pg env PGPASSWORD="$REPL_PASSWORD" "$BIN/psql" -X -q \
    -d "host=$host port=$port user=replicator replication=true" \
    -c "DROP_REPLICATION_SLOT $name" >/dev/null 2>&1 || true
  say "base backup from $primary (slot $name)"
  # -R: standby.signal and primary_conninfo (with the password, in
  # postgresql.auto.conf: mode 0600 in a 0700 directory)
  as_pg env PGPASSWORD="$REPL_PASSWORD" "$BIN/pg_basebackup" \
    -d "host=$host port=$port user=replicator application_name=$name" \
    -D "$dir" -R -X stream -C -S "$name" --checkpoint=fast
  say "start: $start"
  bash -c "$start"
  say "standby $name follows $primary"
}

cmd_sync() {
  (($# == 1)) || die "sync: one argument, the standby names ('' for none)"
  pg_sql -c "ALTER SYSTEM SET synchronous_standby_names = $(sql_quote "$1")" -c "SELECT pg_reload_conf()" >/dev/null
  say "synchronous_standby_names = '$1'"
  [[ -n $1 ]] || return 0
  local i
  for i in $(seq 1 300); do
    [[ $(pg_sql -At -c "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')") != 0 ]] && {
      say "a synchronous standby streams"
      return 0
    }
    sleep 0.1
  done
  die "no synchronous standby streams after 30 s: commits wait until one does (replication.sh status)"
}

cmd_promote() {
  local dir=""
  while (($#)); do
    case $1 in
      --datadir) dir=$2; shift 2 ;;
      *) die "promote: unknown option $1" ;;
    esac
  done
  [[ -n $dir ]] || die "promote: --datadir DIR is required"
  as_pg "$BIN/pg_ctl" promote -D "$dir" -w -t 60 >/dev/null
  # with no standby of its own yet, waiting for a synchronous one would stop every commit
  pg_sql -c "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()" >/dev/null
  say "promoted: $dir is the primary now; point a new standby at it (fail-back: rejoin)"
}

cmd_rejoin() {
  local primary="" dir="" name=standby1 stop="pg_ctlcluster $VERSION main stop" start="pg_ctlcluster $VERSION main start"
  while (($#)); do
    case $1 in
      --primary) primary=$2; shift 2 ;;
      --datadir) dir=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --stop) stop=$2; shift 2 ;;
      --start) start=$2; shift 2 ;;
      *) die "rejoin: unknown option $1" ;;
    esac
  done
  [[ -n $primary && -n $dir ]] || die "rejoin: --primary HOST:PORT and --datadir DIR are required"
  [[ -n ${REPL_PASSWORD:-} ]] || die "set REPL_PASSWORD (the replicator role's password)"
  local host=${primary%:*} port=${primary##*:}
  if [[ -f $dir/postmaster.pid ]]; then say "stop: $stop"; bash -c "$stop" || true; fi
  # pg_rewind needs a cleanly shut down target: recover once in single-user mode if it crashed
  if ! as_pg "$BIN/pg_controldata" "$dir" | grep -q 'shut down$'; then
    as_pg "$BIN/postgres" --single -D "$dir" postgres </dev/null >/dev/null 2>&1 || true
  fi
  # a freshly promoted primary records its new timeline at its next checkpoint
  pg_sql -h "$host" -p "$port" -c CHECKPOINT >/dev/null
  say "pg_rewind onto $primary"
  as_pg "$BIN/pg_rewind" --target-pgdata="$dir" \
    --source-server="host=$host port=$port user=${PGUSER:-postgres} dbname=postgres" \
    || die "pg_rewind failed: make this host a standby from scratch instead (replication.sh standby)"
  # follow as the replicator over a slot of its own
  pg_sql -h "$host" -p "$port" -c \
    "SELECT pg_create_physical_replication_slot($(sql_quote "$name")) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $(sql_quote "$name"))" >/dev/null
  as_pg bash -c "umask 077; cat >> '$dir/postgresql.auto.conf'" <<EOF
primary_conninfo = 'host=$host port=$port user=replicator password=$REPL_PASSWORD application_name=$name'
primary_slot_name = '$name'
EOF
  as_pg touch "$dir/standby.signal"
  say "start: $start"
  bash -c "$start"
  say "$dir follows $primary as $name"
}

cmd_status() {
  if [[ $(pg_sql -At -c 'SELECT pg_is_in_recovery()') == t ]]; then
    echo "standby; receiving from the primary:"
    pg_sql -c "SELECT status, sender_host, sender_port, slot_name, latest_end_lsn, now() - latest_end_time AS lag FROM pg_stat_wal_receiver"
  else
    echo "primary; standbys:"
    pg_sql -c "SELECT application_name, client_addr, state, sync_state, replay_lag FROM pg_stat_replication"
  fi
}

sub=${1:-}
shift || true
case $sub in
  primary) cmd_primary "$@" ;;
  standby) cmd_standby "$@" ;;
  sync) cmd_sync "$@" ;;
  promote) cmd_promote "$@" ;;
  rejoin) cmd_rejoin "$@" ;;
  status) cmd_status ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
