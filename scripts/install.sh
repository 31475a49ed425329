#!/usr/bin/env bash
# Installs what diffscope needs on a fresh Debian machine: npm packages from the lockfile,
# and with --test also Debian's Chromium for the browser tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --test) want_browser=1 ;;
    -h|--help) echo "usage: scripts/install.sh [--test]   (--test also installs Debian's chromium for browser tests)"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests…"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# onnxruntime-node's CPU binary ships in its package; its postinstall only downloads the CUDA
# provider libraries from NuGet on linux-x64 (and fails offline). package.json's allowScripts
# denies that script (npm 11 honours it, so a plain `npm ci` skips it too); older npm ignores
# allowScripts and reads this variable instead (node_modules/onnxruntime-node/script/install-utils.js).
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
