#!/usr/bin/env bash
# Measures the system calls `kiln run --isolate` makes after its seccomp filter is installed: each workload runs under
# `strace -f` with --isolate=audit (the filter is installed at the same point but logs instead of denying), and the
# calls after the seccomp(SECCOMP_SET_MODE_FILTER) line are counted by name, over all threads. A name that is not in
# Kiln.Isolation's SyscallPolicy would be denied by the real filter.
# With the argument `enforce` the real filter runs instead, and the calls it refused (EPERM, ENOSYS) are listed.
# Usage: scripts/measure-isolation-syscalls.sh [enforce]   (after building src/Kiln.Cli, examples/c and tests/wasi-programs)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-audit}"
if [ "$mode" = enforce ]; then isolate=--isolate; else isolate=--isolate=audit; fi
kiln=(dotnet "$root/src/Kiln.Cli/bin/Debug/net10.0/kiln.dll" run "$isolate")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/dir"
printf 'one two\nthree\n' > "$work/dir/f.txt"
wasi="$root/tests/wasi-programs/build/wasm"
examples="$root/examples/c/build"

run() { # name, kiln arguments...
  local name="$1"; shift
  mkdir -p "$work/sandbox-$name"
  strace -f -qq --decode-pids=pidns -o "$work/$name.strace" "${kiln[@]}" "$@" < /dev/null > /dev/null 2>&1 || true
  # The calls of the filtered process only (the thread that installed the filter and every thread of its process, found
  # through clone(CLONE_THREAD) results), after the installation, minus strace's notes on signals and exits.
  python3 - "$work/$name.strace" > "$work/$name.calls" <<'PY'
import re, sys
raw = open(sys.argv[1]).read().splitlines()
# Join each "<unfinished ...>" call with its "<... NAME resumed>" rest, so a call is one line.
pending, lines = {}, []
for line in raw:
    m = re.match(r'(\d+) +(.*) <unfinished \.\.\.>$', line)
    if m:
        pending[m.group(1)] = m.group(2)
        continue
    m = re.match(r'(\d+) +<\.\.\. \w+ resumed>(.*)$', line)
    if m and m.group(1) in pending:
        lines.append(f"{m.group(1)} {pending.pop(m.group(1))}{m.group(2)}")
        continue
    lines.append(line)
parent = {}  # thread -> the thread that created it with CLONE_THREAD
for line in lines:
    # With --decode-pids=pidns a result inside the child's pid namespace reads "= 6 /* 27038 in strace's PID NS */".
    m = re.match(r'(\d+) +clone3?\(.*CLONE_THREAD.*\) = (?:\d+ /\* )?(\d+)', line)
    if m:
        parent[int(m.group(2))] = int(m.group(1))
def root(tid):
    while tid in parent:
        tid = parent[tid]
    return tid
sealed = None
for line in lines:
    m = re.match(r'(\d+) +(\w+)\(', line)
    if not m:
        continue
    tid, call = int(m.group(1)), m.group(2)
    if sealed is None:
        if call == 'seccomp' and 'SECCOMP_SET_MODE_FILTER' in line:
            sealed = root(tid)
        continue
    if root(tid) == sealed:
        refused = re.search(r'= -1 (EPERM|ENOSYS)', line)
        print(f"{call}:{refused.group(1)}" if refused else call)
PY
  printf '%-10s %5d calls after the seal: %s\n' "$name" "$(wc -l < "$work/$name.calls")" "$(sort -u "$work/$name.calls" | tr '\n' ' ')"
}

run hello "$root/examples/hello.wat"
run fib --invoke fib "$root/examples/fib.wat" 25
run wc --dir-ro "$work/dir::/d" "$examples/wc.wasm" /d/f.txt
run ls --dir "$work/dir::/d" "$examples/ls.wasm" /d
run files --dir "$work/sandbox-files::/sandbox" "$wasi/files.wasm" /sandbox
run dirs --dir "$work/sandbox-dirs::/sandbox" "$wasi/dirs.wasm" /sandbox
run clocks "$wasi/clocks.wasm"
run random "$wasi/random.wasm"
echo '(module (func (export "_start") (loop $l (br $l))))' > "$work/spin.wat"
run timeout --timeout 300ms "$work/spin.wat"

echo
echo "all workloads, calls after the seal (count name):"
cat "$work"/*.calls | sort | uniq -c | sort -rn
