#!/usr/bin/env bash
# tests/s3/run.sh — the S3 object store's test (tests/s3/test_s3.c) against
# Ceph's RADOS Gateway, the S3-compatible server Debian packages: a
# throw-away single-node cluster (one monitor, one OSD on memstore, so all
# in memory, auth off inside the cluster) started in a temporary directory
# on free ports, an S3 user and a bucket, the test, then everything
# stopped and removed. RGW checks every request's Signature Version 4.
#
#   tests/s3/run.sh build-asan/s3_test
#
# Needs the Debian packages in deps/apt-s3.txt (ceph-mon ceph-osd radosgw);
# runs as root or as any user (the daemons stay in the temporary
# directory). About 15 s to start, then the test.
set -euo pipefail
TEST=${1:?usage: tests/s3/run.sh PATH/TO/s3_test}
[[ -x $TEST ]] || { echo "tests/s3: no test program at $TEST (cmake --build BUILD --target s3_test)" >&2; exit 1; }
for c in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl python3; do
  command -v $c >/dev/null || { echo "tests/s3: $c missing: scripts/deps.sh deps/apt-s3.txt installs it" >&2; exit 1; }
done

D=$(mktemp -d /tmp/zhendi-s3.XXXXXX)
stop() {
  local rc=$?
  for p in "$D"/run/*.pid; do
    [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null || true
  done
  sleep 0.5
  for p in "$D"/run/*.pid; do
    [[ -f $p ]] && kill -9 "$(cat "$p")" 2>/dev/null || true
  done
  if [[ $rc -ne 0 && -d $D/log ]]; then
    echo "tests/s3: failed; the last lines of the daemons' logs:" >&2
    tail -n 15 "$D"/log/*.log >&2 || true
  fi
  rm -rf "$D"
  exit $rc
}
trap stop EXIT INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MON_PORT=$(free_port)
RGW_PORT=$(free_port)
FSID=$(cat /proc/sys/kernel/random/uuid)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
AK=ZHENDITESTACCESSKEY1
SK=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
BUCKET=zhendi-test
mkdir -p "$D"/{mon,osd/osd.0,run,log,rgw}

# memstore: the OSD keeps objects in memory (1 GiB at most); size 1 pools
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
ms bind ipv6 = false
client mount timeout = 30
rados mon op timeout = 30
rados osd op timeout = 30
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 1
osd objectstore = memstore
memstore device bytes = 1073741824
osd crush chooseleaf type = 0
run dir = $D/run
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
mon data = $D/mon/\$name
osd data = $D/osd/\$name
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = localhost
rgw data = $D/rgw
CONF
C=(-c "$D/ceph.conf")
t0=$(date +%s%N)
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" 2>/dev/null
ceph-mon "${C[@]}" -i a
ceph "${C[@]}" osd new "$OSD_UUID" >/dev/null
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" 2>/dev/null
ceph-osd "${C[@]}" -i 0 2>/dev/null
radosgw "${C[@]}" -n client.rgw
for i in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break
  sleep 0.2
done
radosgw-admin "${C[@]}" user create --uid zhendi --display-name zhendi --access-key "$AK" --secret-key "$SK" >/dev/null
# curl 7.88 signs the payload hash it is given (and none otherwise)
code=$(curl -s -o "$D/bucket.out" -w '%{http_code}' -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user "$AK:$SK" \
  -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
  "http://127.0.0.1:$RGW_PORT/$BUCKET")
if [[ $code != 200 ]]; then
  echo "tests/s3: cannot create the bucket: HTTP $code $(cat "$D/bucket.out")" >&2
  exit 1
fi
echo "tests/s3: RADOS Gateway $(radosgw --version | awk '{print $3}') ready on 127.0.0.1:$RGW_PORT" \
  "in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

ZHENDI_S3_ENDPOINT="http://127.0.0.1:$RGW_PORT" \
ZHENDI_S3_VHOST="http://localhost:$RGW_PORT" \
ZHENDI_S3_BUCKET=$BUCKET ZHENDI_S3_ACCESS_KEY=$AK ZHENDI_S3_SECRET_KEY=$SK \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$TEST"
