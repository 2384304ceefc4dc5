#!/usr/bin/env bash
# Builds the WASI test programs in src/ natively (gcc) into build/native and to wasm32-wasi
# (clang-14, wasi-libc) into build/wasm, installing the toolchain first when missing.
# Usage: tests/wasi-programs/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/install-wasi-toolchain.sh"

mkdir -p "$here/build/native" "$here/build/wasm"
flags=(-O2 -Wall -Wextra -Werror)
for src in "$here"/src/*.c; do
  name="$(basename "$src" .c)"
  gcc "${flags[@]}" -o "$here/build/native/$name" "$src"
  # shellcheck disable=SC2086 # WASI_CFLAGS is a word list
  $WASI_CC $WASI_CFLAGS "${flags[@]}" -o "$here/build/wasm/$name.wasm" "$src"
done
echo "built $(ls "$here"/src/*.c | wc -l) programs into $here/build/{native,wasm}"
