#!/usr/bin/env bash
# Installs the Debian packages listed in deps/apt.txt (or in the list given
# as the argument, e.g. deps/apt-s3.txt) that are missing.
# Run as root (make run / make test / .ci/run call it); as another user it
# only reports what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
list=${1:-deps/apt.txt}
mapfile -t pkgs < <(sed 's/#.*//' "$list" | awk 'NF{print $1}')
missing=()
for p in "${pkgs[@]}"; do
  case "$p" in
    nodejs|npm) command -v node >/dev/null && command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "missing Debian packages (install as root): ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
