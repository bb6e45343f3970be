#!/usr/bin/env bash
# pg-test.sh — runs a command against a PostgreSQL server of its own:
#   scripts/pg-test.sh node --test tests/api/
# Starts a fresh PostgreSQL (Debian's package, 15 on Debian 12) on a temporary
# directory and a free port, exports its admin URL as ZHENDI_TEST_PG for the
# command (tests/api/lib/server.mjs then gives every test server a database
# of its own; the unit tests use it too), and removes the server afterwards.
# With ZHENDI_TEST_PG already set, the command runs against that server.
# The exit status is the command's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -n ${ZHENDI_TEST_PG:-} ]]; then exec "$@"; fi
source "$here/pglib.sh"
dir=$(mktemp -d /tmp/zhendi-pg-XXXXXX)
trap 'pg_tmp_destroy "$dir"' EXIT
# a test server: durability is not what is tested here, speed is
PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' pg_tmp_init "$dir" >/dev/null
pg_tmp_start "$dir"
export ZHENDI_TEST_PG
ZHENDI_TEST_PG=$(cat "$dir/url")
echo "pg-test: PostgreSQL $("$(pg_bindir)/postgres" --version | awk '{print $3}') on port $(cat "$dir/port") ($dir)"
set +e
"$@"
rc=$?
set -e
exit $rc
