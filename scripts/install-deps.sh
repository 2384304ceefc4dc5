#!/usr/bin/env bash
# Installs the Debian packages that Kiln's tests use. Idempotent; needs root (or sudo) for apt-get.
set -euo pipefail

# binaryen: wasm-opt --translate-to-fuzz generates the random modules of the differential tests;
# nodejs: V8 runs the same modules as the oracle for the interpreter.
packages=(gdb wabt binaryen nodejs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
