#!/usr/bin/env bash
# Fetches the real-world Wasm modules the benchmarks read into bench/modules/ (gitignored, never
# committed). They come from npm packages with `npm pack`, pinned by version.
#   ruby.wasm: CRuby 3.4 built for wasm32-wasi (16 MB, 11.7 MB of code), a plain WebAssembly 2.0 module.
#   ruby+stdlib.wasm: the same with Ruby's standard library packed in (30 MB); a WASI reactor that
#     bench/Kiln.Benchmarks' `ruby` mode drives to run bench/ruby/bench.rb.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p modules
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # package version path-in-package output-name
  local package="$1" version="$2" path="$3" out="$4"
  if [ -f "modules/$out" ]; then
    echo "modules/$out already present"
    return
  fi
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  local tarball
  tarball="$(ls "$work"/*.tgz)"
  tar -xzf "$tarball" -C "$work" "package/$path"
  mv "$work/package/$path" "modules/$out"
  rm -rf "$work"/*
  echo "modules/$out: $(stat -c %s "modules/$out") bytes from $package@$version"
}

fetch @ruby/3.4-wasm-wasi 2.10.1 dist/ruby.wasm ruby.wasm
fetch @ruby/3.4-wasm-wasi 2.10.1 dist/ruby+stdlib.wasm ruby+stdlib.wasm
