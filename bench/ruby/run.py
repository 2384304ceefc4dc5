#!/usr/bin/env python3
"""CRuby on Kiln's tiers beside node: time to first result and total time of one large real module.

The module is bench/modules/ruby+stdlib.wasm (CRuby 3.4 with its standard library packed in, 30 MB; fetched by
bench/fetch-modules.sh), running bench/ruby/bench.rb. It is a WASI *reactor* with a component-model interface
(`ruby-init`, `rb-eval-string-protect`, strings lowered through `cabi_realloc`) and JavaScript-bridge imports, not a
command, so neither `kiln run` nor node:wasi can start it as it is. This harness therefore derives a plain WASI
command from it once (cached in bench/build/ruby/): wabt's wasm2wat, then in the text

  - the `rb-js-abi-host` and `canonical_abi` imports become defined functions: the resource table of
    `rb-abi-value` handles is the identity (a handle is the guest's own pointer, which is all the guest needs when
    nobody outside holds handles), every JavaScript-bridge function traps (`unreachable`; they are called only from
    Ruby code that uses `JS`, which bench.rb does not);
  - `_initialize` is no longer exported (node:wasi refuses a command that exports it) and a `_start` is added that
    does what bench/Kiln.Benchmarks' `ruby` mode does: `_initialize`, `ruby-init ["ruby", "-e_=0"]`,
    `ruby-init-loadpath`, evaluate `puts RUBY_VERSION` (the first result), evaluate the script (embedded as a passive
    data segment), each evaluation followed by `$stdout.flush`; a Ruby exception exits with status 1;

then wat2wasm. Every engine runs the same command module with no arguments, preopens or environment.

Engines: the native kiln (bench/build/kiln-native/kiln, scripts/publish-native.sh) with --tier baseline, opt and
auto, and node with its default tiering through bench/node-wasi.mjs. Repetitions are interleaved (each round runs
every engine once, in an order rotated per round). For every run the parent timestamps, on its own monotonic clock
and for every engine alike, the moment the first complete line arrives on the child's stdout pipe and the moment the
pipe closes and the child has been reaped (process start included in both), and takes the child's CPU time
(user + system, all threads) from wait4. Every run's stdout must equal the first engine's and its exit status be
0; a run that differs is reported and left out of the medians.

Usage: bench/ruby/run.py [--reps N] [--kiln PATH] [--engines kiln-baseline,kiln-opt,kiln-auto,node] [--output FILE]
"""

import argparse
import datetime
import hashlib
import os
import platform
import re
import select
import shutil
import statistics
import subprocess
import sys
import time

RUBY = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(RUBY)
REPO = os.path.dirname(BENCH)
BUILD = os.path.join(BENCH, "build", "ruby")
DEFAULT_MODULE = os.path.join(BENCH, "modules", "ruby+stdlib.wasm")
DEFAULT_SCRIPT = os.path.join(RUBY, "bench.rb")
DEFAULT_KILN = os.path.join(BENCH, "build", "kiln-native", "kiln")
DEFAULT_OUTPUT = os.path.join(BENCH, "RESULTS-ruby.md")
# Bumped when the derived module changes shape, so a cached build is not reused.
GENERATOR_VERSION = "1"

ENGINES = {
    "kiln-baseline": "{kiln} run --tier baseline {wasm}",
    "kiln-opt": "{kiln} run --tier opt {wasm}",
    "kiln-auto": "{kiln} run --tier auto {wasm}",
    "node": "node {bench}/node-wasi.mjs {wasm}",
}

# The reactor's exports the driver calls, by their component-model names.
INITIALIZE = "_initialize"
CABI_REALLOC = "cabi_realloc"
RUBY_INIT = "ruby-init: func(args: list<string>) -> ()"
RUBY_INIT_LOADPATH = "ruby-init-loadpath: func() -> ()"
EVAL = "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>"
IDENTITY_IMPORTS = {("canonical_abi", "resource_new_rb-abi-value"), ("canonical_abi", "resource_get_rb-abi-value")}
HOST_MODULES = {"rb-js-abi-host", "canonical_abi"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=3, help="rounds; each runs every engine once (default 3)")
    p.add_argument("--kiln", default=DEFAULT_KILN, help="native kiln executable (default bench/build/kiln-native/kiln)")
    p.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated subset of {', '.join(ENGINES)}")
    p.add_argument("--module", default=DEFAULT_MODULE, help="the CRuby reactor (default bench/modules/ruby+stdlib.wasm)")
    p.add_argument("--script", default=DEFAULT_SCRIPT, help="the Ruby script (default bench/ruby/bench.rb)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a run counts as failed")
    p.add_argument("--output", default=DEFAULT_OUTPUT, help="markdown file to write (default bench/RESULTS-ruby.md)")
    a = p.parse_args()
    if a.reps < 1:
        p.error("--reps must be at least 1")
    unknown = [e for e in a.engines.split(",") if e not in ENGINES]
    if unknown:
        p.error(f"unknown engine(s) {', '.join(unknown)} (have {', '.join(ENGINES)})")
    for path, what in ((a.module, "bench/fetch-modules.sh"), (a.script, "")):
        if not os.path.exists(path):
            p.error(f"{path} does not exist" + (f": run {what}" if what else ""))
    if any(e.startswith("kiln") for e in a.engines.split(",")) and not os.path.exists(a.kiln):
        p.error(f"{a.kiln} does not exist: run scripts/publish-native.sh bench/build/kiln-native")
    return a


def wat_string(data):
    """Bytes as a WAT string literal body."""
    out = []
    for b in data:
        if 0x20 <= b < 0x7F and b not in (0x22, 0x5C):
            out.append(chr(b))
        else:
            out.append(f"\\{b:02x}")
    return "".join(out)


def derive_command(module, script):
    """The WASI command module described above, built once per (module, script, generator) and cached."""
    with open(module, "rb") as f:
        module_hash = hashlib.sha256(f.read()).hexdigest()[:16]
    with open(script, "rb") as f:
        script_bytes = f.read()
    key = hashlib.sha256(f"{module_hash}:{GENERATOR_VERSION}:".encode() + script_bytes).hexdigest()[:16]
    out = os.path.join(BUILD, f"ruby-command-{key}.wasm")
    if os.path.exists(out):
        return out
    for tool in ("wasm2wat", "wat2wasm"):
        if shutil.which(tool) is None:
            sys.exit(f"run.py: {tool} (wabt) is needed to derive the command module")
    os.makedirs(BUILD, exist_ok=True)
    print(f"deriving a WASI command from {os.path.relpath(module, REPO)} ...", file=sys.stderr)
    text = subprocess.run(["wasm2wat", "--enable-all", "--generate-names", module],
                          stdout=subprocess.PIPE, check=True).stdout.decode("latin-1")
    lines = text.split("\n")

    # Imports of the JavaScript host and the component model's resource table become definitions after the imports.
    import_re = re.compile(r'^  \(import "([^"]*)" "([^"]*)" \(func (\S+) \(type (\S+)\)\)\)$')
    export_re = re.compile(r'^  \(export "([^"]*)" \(func (\S+)\)\)$')
    kept, defined, exports, last_import = [], [], {}, -1
    for line in lines:
        m = import_re.match(line)
        if m and m.group(1) in HOST_MODULES:
            name, typ = m.group(3), m.group(4)
            if (m.group(1), m.group(2)) in IDENTITY_IMPORTS:
                defined.append(f"  (func {name} (type {typ}) local.get 0)")
            else:
                defined.append(f"  (func {name} (type {typ}) unreachable)")
            continue
        m = export_re.match(line)
        if m:
            exports[m.group(1)] = m.group(2)
            if m.group(1) == INITIALIZE:
                continue
        if line.startswith("  (import "):
            last_import = len(kept)
        kept.append(line)
    missing = [n for n in (INITIALIZE, CABI_REALLOC, RUBY_INIT, RUBY_INIT_LOADPATH, EVAL) if n not in exports]
    if missing:
        sys.exit(f"run.py: {module} is not the CRuby reactor this harness drives (missing exports: {missing})")
    proc_exit = "$wasi_snapshot_preview1.proc_exit"
    if not any(l.startswith("  (import ") and proc_exit in l for l in kept):
        sys.exit(f"run.py: {module} does not import proc_exit")

    strings = [b"ruby\0", b"-e_=0\0", b"puts RUBY_VERSION\n$stdout.flush\0", script_bytes + b"\n$stdout.flush\0"]
    data = [f'  (data $kiln_bench_s{i} "{wat_string(s)}")' for i, s in enumerate(strings)]

    def lower(i):
        # (pointer, length) of string i, copied into guest memory from its passive segment; the NUL stays after it.
        n = len(strings[i])
        return (f"    (local.set $p (call {exports[CABI_REALLOC]} (i32.const 0) (i32.const 0) (i32.const 1) (i32.const {n})))\n"
                f"    (memory.init $kiln_bench_s{i} (local.get $p) (i32.const 0) (i32.const {n}))\n")

    def evaluate(i):
        return (lower(i) +
                f"    (local.set $ret (call {exports[EVAL]} (local.get $p) (i32.const {len(strings[i]) - 1})))\n"
                f"    (if (i32.load offset=4 (local.get $ret)) (then (call {proc_exit} (i32.const 1))))\n")

    start = ("  (func $kiln_bench_start (local $p i32) (local $list i32) (local $ret i32)\n"
             f"    (call {exports[INITIALIZE]})\n"
             f"    (local.set $list (call {exports[CABI_REALLOC]} (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 16)))\n"
             + lower(0) +
             "    (i32.store (local.get $list) (local.get $p))\n"
             f"    (i32.store offset=4 (local.get $list) (i32.const {len(strings[0]) - 1}))\n"
             + lower(1) +
             "    (i32.store offset=8 (local.get $list) (local.get $p))\n"
             f"    (i32.store offset=12 (local.get $list) (i32.const {len(strings[1]) - 1}))\n"
             f"    (call {exports[RUBY_INIT]} (local.get $list) (i32.const 2))\n"
             f"    (call {exports[RUBY_INIT_LOADPATH]})\n"
             + evaluate(2) + evaluate(3) +
             "  )\n"
             '  (export "_start" (func $kiln_bench_start))')
    kept[last_import + 1:last_import + 1] = defined
    # wasm2wat closes the module on its last line: the new definitions go before that parenthesis.
    while not kept[-1].strip():
        kept.pop()
    if not kept[-1].endswith(")"):
        sys.exit("run.py: unexpected wasm2wat output")
    kept[-1] = kept[-1][:-1]
    kept += data + [start, ")"]
    wat = os.path.join(BUILD, f"ruby-command-{key}.wat")
    with open(wat, "w", encoding="latin-1") as f:
        f.write("\n".join(kept))
    subprocess.run(["wat2wasm", "--enable-all", wat, "-o", out + ".tmp"], check=True)
    os.replace(out + ".tmp", out)
    os.remove(wat)
    return out


def run_once(argv, timeout):
    """Runs one process from the parent's clock: (first line s, exit s, CPU s, status, stdout, stderr); times None on failure."""
    start = time.perf_counter()
    try:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    except OSError as e:
        return None, None, None, -1, b"", str(e).encode()
    out, err, first = bytearray(), bytearray(), None
    streams = {p.stdout.fileno(): out, p.stderr.fileno(): err}
    deadline = start + timeout
    while streams:
        left = deadline - time.perf_counter()
        if left <= 0:
            p.kill()
            p.wait()
            return None, None, None, -1, bytes(out), f"timed out after {timeout:.0f} s".encode()
        ready, _, _ = select.select(list(streams), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                del streams[fd]
                continue
            streams[fd].extend(chunk)
            if fd == p.stdout.fileno() and first is None and b"\n" in out:
                first = time.perf_counter() - start
    _, status, usage = os.wait4(p.pid, 0)
    total = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    return first, total, usage.ru_utime + usage.ru_stime, p.returncode, bytes(out), bytes(err)


def excerpt(data, limit=300):
    text = " / ".join(l.strip() for l in data.decode("utf-8", "replace").strip().splitlines() if l.strip())
    return text if len(text) <= limit else text[:limit] + " ..."


def tool_version(argv):
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30).stdout.decode().strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def load_average():
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(t):
    return "—" if t is None else f"{t:.2f}"


def main():
    args = parse_args()
    names = args.engines.split(",")
    wasm = derive_command(args.module, args.script)
    commands = {n: [w.format(kiln=os.path.abspath(args.kiln), wasm=wasm, bench=BENCH) for w in ENGINES[n].split()] for n in names}
    samples = {n: [] for n in names}
    failures = {n: [] for n in names}
    reference = None
    load_before = load_average()
    for rep in range(args.reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for n in order:
            first, total, cpu, status, out, err = run_once(commands[n], args.timeout)
            if reference is None and status == 0 and first is not None:
                reference = (n, out)
            if total is None or status != 0 or first is None:
                failures[n].append(f"round {rep + 1}: status {status}: {excerpt(err)}")
                print(f"{n}: round {rep + 1} FAILED (status {status}): {excerpt(err)}", file=sys.stderr)
                continue
            if out != reference[1]:
                failures[n].append(f"round {rep + 1}: stdout differs from {reference[0]}'s: {excerpt(out)}")
                print(f"{n}: round {rep + 1} OUTPUT MISMATCH against {reference[0]}", file=sys.stderr)
                continue
            samples[n].append((first, total, cpu))
            print(f"{n}: round {rep + 1}: first line {first:.2f} s, exit {total:.2f} s, CPU {cpu:.2f} s", file=sys.stderr)
    load_after = load_average()
    report = write_report(args, names, commands, samples, failures, reference, wasm, load_before, load_after)
    print(report)
    return 1 if any(failures.values()) else 0


def write_report(args, names, commands, samples, failures, reference, wasm, load_before, load_after):
    def median(n, k):
        return statistics.median(s[k] for s in samples[n]) if samples[n] else None

    node = "node" if samples.get("node") else None
    lines = [
        "# CRuby on Kiln's tiers beside node",
        "",
        f"Written by `bench/ruby/run.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: "
        f"`{os.path.relpath(args.module, REPO)}` (CRuby, derived into a WASI command as bench/README.md, 'CRuby beside node', says) "
        f"running `{os.path.relpath(args.script, REPO)}`, {args.reps} interleaved rounds. Times in seconds, median of the "
        "rounds, measured by the parent for every engine alike: **first line** = process start to the first complete "
        "line on stdout (`puts RUBY_VERSION`, after compiling what start-up needs, instantiating, booting the interpreter "
        "and loading the standard library's prelude), **exit** = process start to the end of the process, **CPU** = "
        "user + system time of the process, all threads (compiler threads included).",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, shared; load average {load_before} before, {load_after} after. "
        f"Kiln: `{tool_version([os.path.abspath(args.kiln), '--version']) if any(n.startswith('kiln') for n in names) else 'not run'}` "
        f"(native, `{os.path.relpath(args.kiln, REPO)}`); node {tool_version(['node', '--version'])}.",
        "",
    ]
    busy = [float(x) for x in (load_before + " " + load_after).split() if x.replace(".", "", 1).isdigit()]
    if busy and max(busy[0], busy[3] if len(busy) > 3 else 0) > (os.cpu_count() or 1):
        lines += [f"The machine was busier than its {os.cpu_count()} CPUs (1-minute load above that): wall-clock times "
                  "include waiting for a CPU and vary from round to round; the CPU column is the one to compare.", ""]
    lines += [
        "| engine | first line | exit | CPU | exit vs node | CPU vs node | runs (first line / exit / CPU) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for n in names:
        first, total, cpu = median(n, 0), median(n, 1), median(n, 2)
        ratio = lambda v, k: f"{v / median(node, k):.2f}x" if node and v is not None and n != node else ("1" if n == node else "—")
        runs = ", ".join(f"{a:.2f}/{b:.2f}/{c:.2f}" for a, b, c in samples[n]) or "none"
        lines.append(f"| {n} | {fmt(first)} | {fmt(total)} | {fmt(cpu)} | {ratio(total, 1)} | {ratio(cpu, 2)} | {runs} |")
    lines += ["", "Commands (the module is the derived command, `" + os.path.relpath(wasm, REPO) + "`):", ""]
    for n in names:
        lines.append(f"- {n}: `{' '.join(os.path.relpath(w, REPO) if os.path.isabs(w) else w for w in commands[n])}`")
    if reference:
        lines += ["", f"Every counted run printed exactly what {reference[0]} printed: `{excerpt(reference[1])}`"]
    bad = [(n, f) for n in names for f in failures[n]]
    if bad:
        lines += ["", "**Runs left out:**", ""] + [f"- {n}: {f}" for n, f in bad]
    text = "\n".join(lines) + "\n"
    with open(args.output, "w") as f:
        f.write(text)
    return text


if __name__ == "__main__":
    sys.exit(main())
