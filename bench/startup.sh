#!/usr/bin/env bash
# Start-up of `zhendi proofread --text` with the built-in lexicons
# (docs/benchmarks.md, "Start-up of the command line"; issue 16): a
# hyperfine-like loop — RUNS runs of each command after WARMUP unmeasured
# ones, the median and the spread of wall time and of CPU time (user +
# system), so that a busy shared machine shows in the spread rather than in
# one figure.
#
#   bench/startup.sh                 (RUNS=30 WARMUP=3 ZHENDI_BIN=build/zhendi)
#
# Commands: the floor (/bin/true); the binary's own start (`zhendi
# proofread` with a bad option: loads its libraries, parses options, exits);
# `proofread --text` on a one-sentence file with the built-in lexicons (no
# database) — with the normalisation tables' snapshot (the default), without
# it (ZHENDI_CACHE_DIR=off: tables rebuilt) and, to show what the binary
# cost before libvips was opened on demand, with libvips loaded at start-up
# as it was when linked (LD_PRELOAD); and a text with a typo hit, which
# loads the language model.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZHENDI_BIN:-build/zhendi}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
[[ -x $BIN ]] || { echo "build first: $BIN missing" >&2; exit 1; }
BIN=$(realpath "$BIN")
work=$(mktemp -d /tmp/zhendi-startup-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo '这是一段普通的文字，用来测试命令行的启动时间。' >plain.txt
echo '我们要按装新的设备。' >typo.txt
lib() { (ldconfig -p || true) | awk -v l="$1" '$1 == l {p = $NF} END {print p}'; }
VIPS=$(lib libvips.so.42)
# the libraries the binary opens on first use, loaded at start as when they were linked
LATER="$VIPS $(lib libpoppler-glib.so.8) $(lib libclamav.so.12) $(lib libcurl.so.4) $(lib libpq.so.5)"

# "median ms (min–max)" of column $1 of ms
stats() {
    cut -d' ' -f"$1" ms | sort -n | awk '{ v[NR] = $1 } END { printf "%5d ms (%d–%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# median and range of wall and CPU milliseconds over RUNS runs of "$@"
measure() {
    local name=$1
    shift
    for _ in $(seq 1 "$WARMUP"); do "$@" >/dev/null 2>&1 || true; done
    : >times
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f "%e %U %S" -a -o times "$@" >/dev/null 2>&1 || true
    done
    grep -E '^[0-9.]+ [0-9.]+ [0-9.]+$' times | awk '{ printf "%.0f %.0f\n", $1 * 1000, ($2 + $3) * 1000 }' >ms
    printf "%-60s wall %s   CPU %s\n" "$name" "$(stats 1)" "$(stats 2)"
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each (median, min–max); time(1) has 10 ms resolution"
echo
"$BIN" proofread --text plain.txt >/dev/null 2>&1 # the snapshot exists from here on
measure "/bin/true" /bin/true
measure "zhendi proofread --bad-option (libraries, options)" "$BIN" proofread --bad-option
measure "zhendi proofread --text (built-in lexicons)" "$BIN" proofread --text plain.txt
measure "  - without the tables' snapshot" env ZHENDI_CACHE_DIR=off "$BIN" proofread --text plain.txt
if [[ -n $VIPS ]]; then
    measure "  - with libvips loaded at start (as when linked)" env LD_PRELOAD="$VIPS" "$BIN" proofread --text plain.txt
    measure "  - with libvips, poppler-glib, libclamav, libcurl, libpq at start" env LD_PRELOAD="$LATER" "$BIN" proofread --text plain.txt
    measure "  - those and no snapshot (the binary before issue 16's start-up work)" env LD_PRELOAD="$LATER" ZHENDI_CACHE_DIR=off "$BIN" proofread --text plain.txt
fi
measure "zhendi proofread --text, a typo hit (language model loaded)" "$BIN" proofread --text typo.txt
if command -v perf >/dev/null && perf stat true >/dev/null 2>&1; then
    # CPU time to the tenth of a millisecond (time(1) has 10 ms steps)
    echo
    echo "perf stat -r $RUNS, task-clock (CPU) and elapsed (wall), mean:"
    for v in "" "$LATER"; do
        perf stat -r "$RUNS" env LD_PRELOAD="$v" "$BIN" proofread --text plain.txt 2>&1 >/dev/null |
            awk -v n="${v:+with the libraries opened on first use preloaded}" '/task-clock/ {c = $1} /elapsed/ {w = $1 * 1000}
                END {printf "  proofread --text %-48s CPU %6.1f ms  wall %6.1f ms\n", n, c, w}'
    done
fi
