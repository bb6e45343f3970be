#!/usr/bin/env bash
# Throughput against `grep -F -o -b` with every finding reported (issue 16;
# docs/benchmarks.md, "Against grep -F -o -b").
#
# A deterministic Chinese corpus (bench/gen_corpus.c, default 50 MB) and its
# dense lexicon (words of the corpus's own vocabulary: a finding every ~21
# bytes with all 50,000), cut to its first 2,000 and used whole. For each
# lexicon and RUNS rounds, in the same run:
#   - env LC_ALL=C.UTF-8 grep -F -o -b -f LEXICON corpus   (every
#     non-overlapping match with its byte offset)
#   - zhendi proofread --text corpus --lexicon LEXICON --format json
#     (every finding, overlapping ones included, with code point and byte
#     offsets, after every normalisation: full/half width, traditional →
#     simplified, case, interference characters, wrapped lines, repeated
#     characters)
# both written to a file; user CPU and wall time, characters per second.
# Under 3 minutes on the 2-core development machine.
#
# Usage: bench/grep-o.sh     (MB=50 RUNS=2 ZHENDI_BIN=build/zhendi)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZHENDI_BIN:-build/zhendi}
MB=${MB:-50}
RUNS=${RUNS:-2}
DICT=${FRISO_DICT:-/usr/share/friso/dict/UTF-8/lex-main.lex}
work=$(mktemp -d /tmp/zhendi-grep-XXXXXX)
trap 'rm -rf "$work"' EXIT
[[ -x $BIN ]] || { echo "build first: $BIN missing" >&2; exit 1; }
cc -O2 -o "$work/gen" bench/gen_corpus.c
"$work/gen" "$DICT" "$work/corpus.txt" "$MB" "$work/lex50000.txt" 50000 "$work/sparse.txt" "$work/article.txt" 5000 >/dev/null
head -n 2000 "$work/lex50000.txt" >"$work/lex2000.txt"
bytes=$(stat -c %s "$work/corpus.txt")
chars=$(LC_ALL=C.UTF-8 wc -m <"$work/corpus.txt")
echo "corpus: $bytes bytes, $chars characters; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); grep $(grep --version | head -1 | awk '{print $NF}')"

measure() {
    local name=$1 out=$2
    shift 2
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$out" 2>/dev/null || true
    t1=$(date +%s.%N)
    read -r user sys <"$work/time"
    awk -v n="$name" -v t0="$t0" -v t1="$t1" -v u="$user" -v s="$sys" -v c="$chars" -v o="$(stat -c %s "$out")" \
        'BEGIN { printf "  %-28s wall %6.2f s  user %6.2f s  sys %5.2f s  %6.1f M chars/s (user)  %6.1f M chars/s (wall)  output %6.1f MB\n", n, t1 - t0, u, s, c / u / 1e6, c / (t1 - t0) / 1e6, o / 1e6 }'
}

for n in 2000 50000; do
    L=$work/lex$n.txt
    for run in $(seq 1 "$RUNS"); do
        echo "[$n words, round $run, load average $(cut -d' ' -f1 /proc/loadavg)]"
        measure "grep -F -o -b (C.UTF-8)" "$work/grep.out" env LC_ALL=C.UTF-8 grep -F -o -b -f "$L" "$work/corpus.txt"
        measure "zhendi proofread (json)" "$work/zhendi.json" "$BIN" proofread --text "$work/corpus.txt" --no-db \
            --no-builtin --category sensitive --lexicon "$L" --format json
    done
    echo "  matches: grep $(wc -l <"$work/grep.out"), zhendi $(grep -o '"start"' "$work/zhendi.json" | wc -l) findings"
done
