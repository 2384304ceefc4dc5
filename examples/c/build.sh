#!/usr/bin/env bash
# Builds the C examples to wasm32-wasi into examples/c/build/ (installing clang-14 and wasi-libc
# first when missing, with scripts/install-wasi-toolchain.sh).
# Usage: examples/c/build.sh, then e.g. dotnet run --project src/Kiln.Cli -- run examples/c/build/hello.wasm
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/install-wasi-toolchain.sh"

mkdir -p "$here/build"
for src in "$here"/*.c; do
  name="$(basename "$src" .c)"
  # shellcheck disable=SC2086 # WASI_CFLAGS is a word list
  $WASI_CC $WASI_CFLAGS -O2 -Wall -Wextra -Werror -o "$here/build/$name.wasm" "$src"
done
echo "built $(ls "$here"/*.c | wc -l) examples into $here/build"
