#!/usr/bin/env bash
# Compile throughput: MB/s of function-body instruction bytes that Kiln decodes, validates and
# compiles on every tier it has (the baseline tier is measured automatically once the engine
# accepts it), beside V8's Liftoff compiling the same module eagerly in the same run (node with
# --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation; once with its background compile
# threads, once --single-threaded). Usage: bench/compile-speed.sh [MODULE.wasm] [REPETITIONS]
# The default module is the one bench/fetch-modules.sh fetches (fetched when missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="${1:-$here/modules/ruby.wasm}"
reps="${2:-5}"
if [ ! -f "$module" ] && [ "$module" == "$here/modules/ruby.wasm" ]; then
  bash "$here/fetch-modules.sh"
fi

dotnet build -c Release -v quiet --nologo "$here/Kiln.CompileSpeed" >/dev/null
out="$(dotnet "$here/Kiln.CompileSpeed/bin/Release/net10.0/Kiln.CompileSpeed.dll" "$module" "$reps")"
echo "$out"
body_bytes="$(echo "$out" | sed -n 's/.* \([0-9.]*\) MB of instructions.*/\1/p' | awk '{printf "%d", $1 * 1e6}')"

if command -v node >/dev/null; then
  liftoff=(--liftoff --no-wasm-tier-up --no-wasm-lazy-compilation)
  node "${liftoff[@]}" "$here/compile-speed-node.mjs" "$module" "V8 Liftoff (threads)" "$body_bytes" "$reps"
  node "${liftoff[@]}" --single-threaded "$here/compile-speed-node.mjs" "$module" "V8 Liftoff (1 thread)" "$body_bytes" "$reps"
else
  echo "node not found: no V8 Liftoff figures"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
