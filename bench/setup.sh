#!/usr/bin/env bash
# Builds the benchmark programs in bench/programs natively (gcc -O2) into bench/build/native and to
# wasm32-wasi (clang-14 -O2, wasm-ld) into bench/build/wasm, installing the toolchain first when
# missing, then checks that each wasm build prints the same output as the native one under node's
# WASI at the quick sizes. Usage: bench/setup.sh [--no-verify]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../scripts/install-wasi-toolchain.sh"

verify=1
for a in "$@"; do
  case "$a" in
    --no-verify) verify=0 ;;
    *) echo "usage: $0 [--no-verify]" >&2; exit 2 ;;
  esac
done

native_dir="$here/build/native"
wasm_dir="$here/build/wasm"
mkdir -p "$native_dir" "$wasm_dir"

# -ffp-contract=off: no fused multiply-add on either side, so floating-point results can match
# bit for bit (Wasm has no fused multiply-add).
common=(-O2 -ffp-contract=off -Wall -Wextra -Werror)

for src in "$here"/programs/*.c; do
  name="$(basename "$src" .c)"
  # The simd_* programs use 128-bit vectors (the GCC/Clang vector extension): SSE natively, Wasm SIMD in wasm32.
  simd=()
  case "$name" in simd_*) simd=(-msimd128) ;; esac
  gcc "${common[@]}" -o "$native_dir/$name" "$src" -lm
  # shellcheck disable=SC2086 # WASI_CFLAGS is a word list
  $WASI_CC $WASI_CFLAGS "${simd[@]}" "${common[@]}" -o "$wasm_dir/$name.wasm" "$src" -lm
  echo "built $name"
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
