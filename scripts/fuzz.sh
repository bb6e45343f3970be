#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/ for SECONDS each (default 20),
# seeded from tests/fuzz/corpus/<target>/ (and with the dictionary
# tests/fuzz/<target>.dict where there is one), JOBS targets at a time (default:
# the number of cores; each fuzzer is single-threaded). A crash fails the run
# and leaves the input in tests/out/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
jobs=${JOBS:-$(nproc)}
out=tests/out/fuzz
mkdir -p "$out"

one() {
  local bin=$1 name work seeds dict=()
  name=$(basename "$bin")
  work=$(mktemp -d)
  seeds=tests/fuzz/corpus/$name
  mkdir -p "$seeds"
  [[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 "${dict[@]}" -artifact_prefix="$out/$name-" "$work" "$seeds" >"$out/$name.log" 2>&1; then
    echo "fuzz: $name FAILED — see $out/$name.log"; tail -30 "$out/$name.log"; rm -rf "$work"; return 1
  fi
  echo "fuzz: $name ${secs}s: $(grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$out/$name.log" | tail -1)"
  rm -rf "$work"
}
export -f one
export secs out

bins=()
for bin in build-fuzz/fuzz_*; do [[ -x $bin ]] && bins+=("$bin"); done
[[ ${#bins[@]} -gt 0 ]] || { echo "fuzz: no targets in build-fuzz/"; exit 1; }
printf '%s\n' "${bins[@]}" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {}
