#!/usr/bin/env bash
# Text engine benchmark (docs/benchmarks.md, "Text engine").
#
# Generates, deterministically, a Chinese corpus (default 100 MB) and two
# lexicons of 50,000 words: "dense", words of the corpus's own vocabulary
# (a finding every ~21 bytes), and "sparse", random ideograph strings (rare
# findings — the usual case for sensitive words). Then in the same run and
# for RUNS rounds, for each lexicon:
#   - GNU grep -F -f lexicon corpus           (prints matching lines; no offsets)
#     in the C.UTF-8 locale and in the C locale
#   - zhendi proofread --format summary       (every finding with offsets, counted)
# and for the dense lexicon also
#   - GNU grep -F -o -f lexicon corpus        (every match, no offsets) — C locale
#   - zhendi proofread --format tsv           (every finding with offsets, written out)
# and the latency of checking a 5,000-character article (--repeat) with
# the 50,000 words plus the built-in lexicons.
#
# Usage: bench/text.sh            (MB=100 ENTRIES=50000 RUNS=3 ZHENDI_BIN=build/zhendi)
# Other people share the machine: run it when the load average is low.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZHENDI_BIN:-build/zhendi}
MB=${MB:-100}
ENTRIES=${ENTRIES:-50000}
RUNS=${RUNS:-3}
DICT=${FRISO_DICT:-/usr/share/friso/dict/UTF-8/lex-main.lex}
work=$(mktemp -d /tmp/zhendi-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

[[ -x $BIN ]] || { echo "build first: $BIN missing" >&2; exit 1; }
cc -O2 -o "$work/gen" bench/gen_corpus.c
"$work/gen" "$DICT" "$work/corpus.txt" "$MB" "$work/lexicon.txt" "$ENTRIES" "$work/sparse.txt" "$work/article.txt" 5000
bytes=$(stat -c %s "$work/corpus.txt")
echo "corpus: $bytes bytes, $(wc -l <"$work/corpus.txt") lines; lexicons: $(wc -l <"$work/lexicon.txt") / $(wc -l <"$work/sparse.txt") words;" \
     "sha256 $(sha256sum "$work/corpus.txt" | cut -c1-16) / $(sha256sum "$work/lexicon.txt" | cut -c1-16) / $(sha256sum "$work/sparse.txt" | cut -c1-16)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); grep $(grep --version | head -1 | awk '{print $NF}')"

ENGINE=("$BIN" proofread --text "$work/corpus.txt" --category sensitive --no-db --no-builtin)

# seconds (wall, user) and MB/s of one command; output to a file (grep
# stops at the first match when it writes to /dev/null)
measure() {
    local name=$1 out=$2
    shift 2
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %M" -o "$work/time" "$@" >"$out" 2>"$work/stderr" || true
    t1=$(date +%s.%N)
    read -r user rss <"$work/time"
    awk -v n="$name" -v t0="$t0" -v t1="$t1" -v u="$user" -v b="$bytes" -v r="$rss" -v o="$(stat -c %s "$out")" \
        'BEGIN { printf "%-34s wall %6.2f s  user %6.2f s  %7.1f MB/s (by user time)  RSS %5d MB  output %6.1f MB\n", n, t1 - t0, u, b / u / 1e6, r / 1024, o / 1e6 }'
}

for run in $(seq 1 "$RUNS"); do
    echo "--- round $run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for lex in lexicon sparse; do
        L=$work/$lex.txt
        echo "  [$lex lexicon]"
        measure "grep -F -f (C.UTF-8)" "$work/grep-$lex.out" env LC_ALL=C.UTF-8 grep -F -f "$L" "$work/corpus.txt"
        measure "grep -F -f (C)" "$work/grep-$lex.out" env LC_ALL=C grep -F -f "$L" "$work/corpus.txt"
        measure "zhendi proofread --format summary" "$work/engine-$lex.json" "${ENGINE[@]}" --lexicon "$L" --format summary --stats
        grep -E '^(lexicons|text):' "$work/stderr" | sed 's/^/    /'
    done
    echo "  [lexicon, every match written out]"
    measure "grep -F -o -f (C)" "$work/grep-o.out" env LC_ALL=C grep -F -o -f "$work/lexicon.txt" "$work/corpus.txt"
    measure "zhendi proofread --format tsv" "$work/engine.tsv" "${ENGINE[@]}" --lexicon "$work/lexicon.txt" --format tsv
done
echo "--- counts"
echo "dense: grep lines with a match: $(wc -l <"$work/grep-lexicon.out"); grep -o matches: $(wc -l <"$work/grep-o.out");" \
     "engine findings: $(($(wc -l <"$work/engine.tsv") - 1)) $(cat "$work/engine-lexicon.json")"
echo "sparse: grep lines with a match: $(wc -l <"$work/grep-sparse.out"); engine: $(cat "$work/engine-sparse.json")"
echo "--- a 5,000-character article, 50,000 words plus the built-in lexicons (typo findings confirmed by segmentation)"
"$BIN" proofread --text "$work/article.txt" --lexicon "$work/lexicon.txt" --category sensitive --no-db --repeat 2000 \
    --format summary --stats 2>&1 >/dev/null | grep -E '^(check|lexicons)'
