#!/bin/sh
# live-ingest.sh — runs zhendi with its live-ingest media server beside it
# (docs/live.md "Live ingest"; `make run` with ZHENDI_LIVE_INGEST=1).
#
#   scripts/live-ingest.sh DATA LISTEN RTMP_LISTEN -- zhendi serve ...
#
# Renders deploy/nginx-rtmp/nginx-rtmp.conf.in into DATA/nginx-rtmp/ (its
# prefix: config, pid, error log), with HLS written to DATA/live-hls and the
# on_publish callbacks to http://LISTEN with a shared secret kept in
# DATA/nginx-rtmp/secret (made once, mode 0600); starts nginx (one process,
# this user, in the foreground) and then the command with
# ZHENDI_LIVE_INGEST_SECRET set; when the command ends — or this script is
# interrupted — nginx is stopped. Needs nginx and libnginx-mod-rtmp.
set -eu
[ $# -ge 5 ] && [ "$4" = "--" ] || { echo "usage: $0 DATA LISTEN RTMP_LISTEN -- command..." >&2; exit 2; }
data=$1 listen=$2 rtmp=$3
shift 4
here=$(cd "$(dirname "$0")/.." && pwd)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "live-ingest: nginx is not installed (apt-get install nginx-light libnginx-mod-rtmp)" >&2; exit 1; }
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || { echo "live-ingest: libnginx-mod-rtmp is not installed" >&2; exit 1; }
mkdir -p "$data"
data=$(cd "$data" && pwd)
prefix=$data/nginx-rtmp
mkdir -p "$prefix" "$data/live-hls"
umask 077
[ -s "$prefix/secret" ] || od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$prefix/secret"
secret=$(cat "$prefix/secret")
umask 022
case $listen in
  0.0.0.0:*|:*) callback="http://127.0.0.1:${listen##*:}" ;;
  *) callback="http://$listen" ;;
esac
sed -e "s|@PREFIX@|$prefix|g" -e "s|@RTMP_LISTEN@|$rtmp|g" -e "s|@ZHENDI_URL@|$callback|g" \
    -e "s|@SECRET@|$secret|g" -e "s|@HLS_DIR@|$data/live-hls|g" \
    "$here/deploy/nginx-rtmp/nginx-rtmp.conf.in" > "$prefix/nginx.conf"
"$nginx" -t -q -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log"
"$nginx" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
npid=$!
zpid=
stop() { [ -z "$zpid" ] || kill -TERM "$zpid" 2>/dev/null || true; }
trap 'kill $npid 2>/dev/null; wait $npid 2>/dev/null || true' EXIT
trap 'stop' INT TERM
echo "live-ingest: nginx-rtmp (pid $npid) takes pushes at rtmp://$rtmp/live/<stream key>; HLS in $data/live-hls"
ZHENDI_LIVE_INGEST_SECRET=$secret ZHENDI_LIVE_INGEST_HLS_DIR=$data/live-hls \
  ZHENDI_LIVE_INGEST_RTMP_PORT=${rtmp##*:} "$@" &
zpid=$!
# wait returns early when a signal is trapped: wait again for the exit status
rc=0
wait "$zpid" || rc=$?
while kill -0 "$zpid" 2>/dev/null; do wait "$zpid" || rc=$?; done
exit "$rc"
