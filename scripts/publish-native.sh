#!/usr/bin/env bash
# Builds the kiln command as one native executable (.NET Native AOT): no .NET runtime start-up and no JIT warm-up of
# Kiln's own compilers, so `kiln run` starts in tens of milliseconds. Needs a C toolchain for the final link (gcc or
# clang, and zlib headers: scripts/install-deps.sh installs them).
# Usage: scripts/publish-native.sh [OUTPUT_DIR]   (default artifacts/native; the executable is OUTPUT_DIR/kiln)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/native}"
rid="linux-x64"
[ "$(uname -m)" = "aarch64" ] && rid="linux-arm64"
dotnet publish src/Kiln.Cli -c Release -r "$rid" -p:PublishAot=true -o "$out" --nologo -v quiet
echo "$out/kiln"
