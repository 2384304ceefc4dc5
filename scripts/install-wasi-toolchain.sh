#!/usr/bin/env bash
# Installs the Debian packages needed to build C programs natively and to wasm32-wasi
# (clang-14, lld-14, wasi-libc, the wasm32 compiler-rt builtins), plus gcc for the native builds.
# Idempotent: runs apt-get (and apt-get update first) only when a package is missing.
# Needs root (or sudo). Sourcing it also defines WASI_CC and WASI_CFLAGS for the build scripts.
set -euo pipefail

_wasi_packages=(gcc clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)

_wasi_missing=()
for p in "${_wasi_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || _wasi_missing+=("$p")
done
if [ ${#_wasi_missing[@]} -gt 0 ]; then
  _wasi_sudo=""
  [ "$(id -u)" -ne 0 ] && _wasi_sudo="sudo"
  echo "installing: ${_wasi_missing[*]}" >&2
  $_wasi_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_wasi_sudo apt-get install -y -qq --no-install-recommends "${_wasi_missing[@]}" >/dev/null
fi

# Debian's wasi-libc installs into the multiarch layout (/usr/include/wasm32-wasi,
# /usr/lib/wasm32-wasi) that Debian's clang-14 searches for --target=wasm32-wasi without a
# --sysroot; an upstream wasi-sdk style sysroot at /usr/share/wasi-sysroot is used when present.
WASI_CC=clang-14
if [ -f /usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a ]; then
  WASI_CFLAGS="--target=wasm32-wasi --sysroot=/usr/share/wasi-sysroot -fuse-ld=lld"
elif [ -f /usr/lib/wasm32-wasi/libc.a ]; then
  WASI_CFLAGS="--target=wasm32-wasi -fuse-ld=lld"
else
  echo "error: wasi-libc not found (neither /usr/share/wasi-sysroot nor /usr/lib/wasm32-wasi)" >&2
  exit 1
fi
# The wasm32 compiler-rt builtins (libclang_rt.builtins-wasm32.a) come from libclang-rt-14-dev-wasm32.
_wasi_rt=$($WASI_CC $WASI_CFLAGS -print-libgcc-file-name)
if [ ! -f "$_wasi_rt" ]; then
  echo "error: $_wasi_rt is missing (package libclang-rt-14-dev-wasm32)" >&2
  exit 1
fi
if ! command -v wasm-ld-14 >/dev/null && ! command -v wasm-ld >/dev/null; then
  echo "error: wasm-ld not found (package lld-14)" >&2
  exit 1
fi
export WASI_CC WASI_CFLAGS
