#!/usr/bin/env bash
# Installs the Debian packages that Kiln's tests use. Idempotent; needs root (or sudo) for apt-get.
set -euo pipefail

# gdb, linux-perf, binutils: the observability tests drive the real tools.
# wabt: the text parser is compared with wast2json.
# binaryen: wasm-opt --translate-to-fuzz generates the random modules of the differential tests.
# zlib1g-dev: the native kiln's link (scripts/publish-native.sh; the C compiler comes with the wasi toolchain below).
packages=(gdb wabt linux-perf binutils binaryen zlib1g-dev)
# node runs the same modules as V8, the oracle for the interpreter (any node >= 18 will do).
command -v node >/dev/null || packages+=(nodejs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# clang-14, lld-14 and wasi-libc build the C test programs and examples to wasm32-wasi.
bash "$(dirname "$0")/install-wasi-toolchain.sh"
