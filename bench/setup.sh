#!/usr/bin/env bash
# Builds the benchmark programs in bench/programs natively (gcc -O2) into bench/build/native and to
# wasm32-wasi (clang-14 -O2, wasm-ld) into bench/build/wasm, installing the toolchain first when
# missing, then checks that each wasm build prints the same output as the native one under node's
# WASI at the quick sizes. Usage: bench/setup.sh [--no-verify] [--wasm-opt-level N]
# --wasm-opt-level N (0, 1, 3, s, ...) builds only the wasm32-wasi programs at -ON, into bench/build/wasm-ON,
# and checks them against the native -O2 build: unoptimized Wasm (clang without -O is -O0) has other shapes
# than -O2 (every intermediate value in a local, every C variable on the shadow stack), which engines handle
# very differently. `bench/run.py --wasm-opt-level N` runs those builds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../scripts/install-wasi-toolchain.sh"

verify=1
level=2
while [ $# -gt 0 ]; do
  case "$1" in
    --no-verify) verify=0 ;;
    --wasm-opt-level) [ $# -ge 2 ] || { echo "usage: $0 [--no-verify] [--wasm-opt-level N]" >&2; exit 2; }; level="$2"; shift ;;
    --wasm-opt-level=*) level="${1#*=}" ;;
    *) echo "usage: $0 [--no-verify] [--wasm-opt-level N]" >&2; exit 2 ;;
  esac
  shift
done
case "$level" in
  [0-3]|s|z|fast) ;;
  *) echo "error: --wasm-opt-level wants 0, 1, 2, 3, s, z or fast, got '$level'" >&2; exit 2 ;;
esac

native_dir="$here/build/native"
wasm_dir="$here/build/wasm"
[ "$level" = 2 ] || wasm_dir="$here/build/wasm-O$level"
mkdir -p "$native_dir" "$wasm_dir"

# -ffp-contract=off: no fused multiply-add on either side, so floating-point results can match
# bit for bit (Wasm has no fused multiply-add).
common=(-ffp-contract=off -Wall -Wextra -Werror)

for src in "$here"/programs/*.c; do
  name="$(basename "$src" .c)"
  # The simd_* programs use 128-bit vectors (the GCC/Clang vector extension): SSE natively, Wasm SIMD in wasm32.
  simd=()
  case "$name" in simd_*) simd=(-msimd128) ;; esac
  # The native build is always -O2: it is the reference every ratio is taken against.
  if [ "$level" = 2 ] || [ ! -x "$native_dir/$name" ]; then
    gcc -O2 "${common[@]}" -o "$native_dir/$name" "$src" -lm
  fi
  # shellcheck disable=SC2086 # WASI_CFLAGS is a word list
  $WASI_CC $WASI_CFLAGS "${simd[@]}" "-O$level" "${common[@]}" -o "$wasm_dir/$name.wasm" "$src" -lm
  echo "built $name (wasm -O$level)"
done

if [ "$verify" -eq 0 ]; then
  exit 0
fi
if ! command -v node >/dev/null; then
  echo "error: node not found, cannot verify the wasm builds (use --no-verify to skip)" >&2
  exit 1
fi

failed=0
while read -r name size; do
  case "$name" in ''|'#'*) continue ;; esac
  expected="$("$native_dir/$name" "$size")"
  actual="$(node "$here/node-wasi.mjs" "$wasm_dir/$name.wasm" "$size")" || { echo "FAIL $name: node exited $?"; failed=1; continue; }
  if [ "$expected" == "$actual" ]; then
    echo "ok   $name ($size): native and node agree"
  else
    echo "FAIL $name ($size): outputs differ"
    diff <(echo "$expected") <(echo "$actual") || true
    failed=1
  fi
done < "$here/programs/quick-sizes.txt"
exit $failed
