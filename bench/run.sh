#!/usr/bin/env bash
# Runs every benchmark script in bench/ (`make bench`).
set -euo pipefail
cd "$(dirname "$0")"
for b in *.sh; do
    [[ $b == run.sh ]] && continue
    echo "=== $b"
    ./"$b"
done
