#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/ for SECONDS each (default 20),
# seeded from tests/fuzz/corpus/<target>/ (and with the dictionary
# tests/fuzz/<target>.dict where there is one). A crash fails the run and
# leaves the input in tests/out/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
out=tests/out/fuzz
mkdir -p "$out"
status=0
for bin in build-fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  seeds=tests/fuzz/corpus/$name
  mkdir -p "$seeds"
  dict=()
  [[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
  echo "fuzz: $name for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 "${dict[@]}" -artifact_prefix="$out/$name-" "$work" "$seeds" >"$out/$name.log" 2>&1; then
    echo "fuzz: $name FAILED — see $out/$name.log"; tail -30 "$out/$name.log"; status=1
  else
    grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$out/$name.log" | tail -1 || true
  fi
  rm -rf "$work"
done
exit $status
