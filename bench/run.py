#!/usr/bin/env python3
"""Side-by-side benchmark of Kiln against native code and node (V8) on the C programs in bench/programs.

Every engine is a command template, so any runtime plugs in from the command line. Each program runs
N times per engine (interleaved, so drift on a shared machine hits every engine alike); the table
shows median wall-clock times (process start included) and ratios to native and to node. Every run's
stdout and exit status must equal the native build's: a mismatch is reported loudly and that cell is
marked and left out of the geometric means.

Template placeholders: {wasm} the .wasm file, {native} the native binary, {args} the program's
arguments (expanded to separate words), {name} the program name, {bench} this directory, {kiln} the
kiln.dll path, {tier} the Kiln tier.

Examples:
  bench/setup.sh && bench/run.py                  # full run, writes bench/RESULTS.md
  bench/run.py --quick                            # small sizes, 1 repetition, writes bench/build/RESULTS-quick.md
  bench/run.py --kiln-host dotnet --kiln src/Kiln.Cli/bin/Release/net10.0/kiln.dll --kiln-tiers interp,baseline
  bench/run.py --engine "kiln-opt=dotnet /path/kiln.dll run --tier opt {wasm} {args}"
"""

import argparse
import datetime
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
# Kiln as users install it, published afresh unless --kiln names a build: by default the native executable
# (scripts/publish-native.sh, .NET Native AOT: no runtime start-up, no JIT warm-up of Kiln's compilers), or with
# --kiln-host dotnet the .NET tool's build with ReadyToRun, run as `dotnet kiln.dll` (about 0.4 s more per process).
PUBLISHED_DIR = os.path.join(BENCH, "build", "kiln")
NATIVE_PUBLISHED_DIR = os.path.join(BENCH, "build", "kiln-native")
DEFAULT_KILN = os.path.join(PUBLISHED_DIR, "kiln.dll")
DEFAULT_NATIVE_KILN = os.path.join(NATIVE_PUBLISHED_DIR, "kiln")
DEFAULT_KILN_TEMPLATE = "dotnet {kiln} run --tier {tier} {wasm} {args}"
NATIVE_KILN_TEMPLATE = "{kiln} run --tier {tier} {wasm} {args}"
DEFAULT_KILN_TIERS = "baseline,opt,auto"

NATIVE = ("native", "{native} {args}")
NODE = ("node", "node {bench}/node-wasi.mjs {wasm} {args}")
NODE_LIFTOFF = ("node-liftoff", "node --liftoff --no-wasm-tier-up {bench}/node-wasi.mjs {wasm} {args}")
# V8 has no on-stack replacement for Wasm: a function entered once (often main, with the hot loops
# inlined) stays on Liftoff under default tiering. --no-liftoff compiles everything with TurboFan up
# front, which shows V8's peak code quality.
NODE_TURBOFAN = ("node-turbofan", "node --no-liftoff {bench}/node-wasi.mjs {wasm} {args}")
REFERENCE_NODE = NODE[0]
# Where {wasm} points: bench/build/wasm (-O2) or bench/build/wasm-ON (--wasm-opt-level N).
WASM_DIR = os.path.join(BENCH, "build", "wasm")


class Engine:
    def __init__(self, name, template):
        self.name = name
        self.template = template

    def command(self, program, args, kiln="", tier=""):
        words = []
        for word in shlex.split(self.template):
            if word == "{args}":
                words.extend(args)
                continue
            try:
                words.append(word.format(
                    wasm=os.path.join(WASM_DIR, program + ".wasm"),
                    native=os.path.join(BENCH, "build", "native", program),
                    name=program, bench=BENCH, kiln=kiln, tier=tier, args=" ".join(args)))
            except (KeyError, IndexError, ValueError) as e:
                sys.exit(f"run.py: engine {self.name}: bad placeholder in {word!r} ({e}); "
                         "known: {wasm} {native} {args} {name} {bench} {kiln} {tier}")
        return words


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, help="repetitions per program and engine (default 5, 1 with --quick)")
    p.add_argument("--quick", action="store_true", help="small sizes from programs/quick-sizes.txt (smoke test)")
    p.add_argument("--programs", help="comma-separated subset of programs")
    p.add_argument("--engine", action="append", default=[], metavar="NAME=TEMPLATE",
                   help="add an engine (repeatable); the native reference always runs")
    p.add_argument("--no-node", action="store_true", help="leave out the node engines")
    p.add_argument("--kiln", help="path to a kiln.dll (--kiln-host dotnet) or native kiln executable to run (default: publish src/Kiln.Cli)")
    p.add_argument("--kiln-host", choices=["native", "dotnet"], default="native",
                   help="native: the Native AOT executable (bench/build/kiln-native, the default); dotnet: kiln.dll with ReadyToRun under dotnet (bench/build/kiln)")
    p.add_argument("--no-kiln", action="store_true", help="do not add Kiln engines even if kiln.dll exists")
    p.add_argument("--kiln-tiers", default=DEFAULT_KILN_TIERS, help=f"Kiln tiers to run (default {DEFAULT_KILN_TIERS})")
    p.add_argument("--kiln-template",
                   help=f"command per Kiln tier (default: {NATIVE_KILN_TEMPLATE!r}, or {DEFAULT_KILN_TEMPLATE!r} with --kiln-host dotnet)")
    p.add_argument("--wasm-opt-level", default="2", metavar="N",
                   help="run the wasm builds made by `bench/setup.sh --wasm-opt-level N` (bench/build/wasm-ON); default 2 (bench/build/wasm)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before one run counts as failed")
    p.add_argument("--output", help="markdown file to write (default bench/RESULTS.md, or bench/build/RESULTS-quick.md with --quick)")
    a = p.parse_args()
    global WASM_DIR
    WASM_DIR = os.path.join(BENCH, "build", "wasm" if a.wasm_opt_level == "2" else f"wasm-O{a.wasm_opt_level}")
    if not os.path.isdir(WASM_DIR):
        p.error(f"{WASM_DIR} does not exist: build it with bench/setup.sh --wasm-opt-level {a.wasm_opt_level}")
    if a.reps is None:
        a.reps = 1 if a.quick else 5
    if a.reps < 1:
        p.error("--reps must be at least 1")
    if a.output is None:
        a.output = os.path.join(BENCH, "build", "RESULTS-quick.md") if a.quick else os.path.join(BENCH, "RESULTS.md")
    return a


def load_programs(args):
    sizes = {}
    with open(os.path.join(BENCH, "programs", "quick-sizes.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2:
                sizes[line[0]] = line[1]
    names = sorted(n[:-2] for n in os.listdir(os.path.join(BENCH, "programs")) if n.endswith(".c"))
    if args.programs:
        wanted = args.programs.split(",")
        unknown = [w for w in wanted if w not in names]
        if unknown:
            sys.exit(f"run.py: unknown program(s): {', '.join(unknown)} (have: {', '.join(names)})")
        names = wanted
    for n in names:
        for path in (os.path.join(BENCH, "build", "native", n), os.path.join(WASM_DIR, n + ".wasm")):
            if not os.path.exists(path):
                level = "" if args.wasm_opt_level == "2" else f" --wasm-opt-level {args.wasm_opt_level}"
                sys.exit(f"run.py: {path} is missing: run bench/setup.sh{level} first")
        if args.quick and n not in sizes:
            sys.exit(f"run.py: {n} has no quick size in programs/quick-sizes.txt")
    return [(n, [sizes[n]] if args.quick else []) for n in names]


def run_once(argv, timeout):
    """Runs one process; returns (wall seconds, CPU seconds user+sys, exit status, stdout, stderr),
    the times None when it could not run or timed out."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, -1, b"", f"timed out after {timeout:.0f} s".encode()
    except OSError as e:
        return None, None, -1, b"", str(e).encode()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode, p.stdout, p.stderr


def excerpt(data, limit=400):
    text = " / ".join(l.strip() for l in data.decode("utf-8", "replace").strip().splitlines() if l.strip())
    return text if len(text) <= limit else text[:limit] + " ..."


def publish_kiln(host):
    """Publishes src/Kiln.Cli: natively (Native AOT) into bench/build/kiln-native, or with ReadyToRun into
    bench/build/kiln for --kiln-host dotnet; None (Kiln columns left out) if that fails."""
    rid = {"x86_64": "linux-x64", "aarch64": "linux-arm64"}.get(platform.machine(), "linux-x64")
    if host == "native":
        out, result = NATIVE_PUBLISHED_DIR, DEFAULT_NATIVE_KILN
        cmd = ["dotnet", "publish", os.path.join(REPO, "src", "Kiln.Cli"), "-c", "Release", "-r", rid,
               "-p:PublishAot=true", "-o", out, "--nologo", "-v", "quiet"]
    else:
        out, result = PUBLISHED_DIR, DEFAULT_KILN
        cmd = ["dotnet", "publish", os.path.join(REPO, "src", "Kiln.Cli"), "-c", "Release", "-r", rid,
               "--self-contained", "false", "-o", out, "--nologo", "-v", "quiet"]
    print(f"Kiln: {' '.join(cmd)}", file=sys.stderr)
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        print(f"Kiln: cannot run dotnet ({e}): Kiln columns left out.", file=sys.stderr)
        return None
    if done.returncode != 0 or not os.path.exists(result):
        print(f"Kiln: publishing failed: {excerpt(done.stdout)}; Kiln columns left out.", file=sys.stderr)
        return None
    return result


def kiln_engines(args):
    """Kiln tiers as engines, each probed once on a small program; an engine that cannot run it is skipped."""
    if args.no_kiln:
        return []
    kiln = args.kiln or publish_kiln(args.kiln_host)
    if kiln is None:
        return []
    if not os.path.exists(kiln):
        sys.exit(f"run.py: --kiln {kiln} does not exist")
    kiln = os.path.abspath(kiln)
    engines = []
    kiln_template = args.kiln_template or (NATIVE_KILN_TEMPLATE if args.kiln_host == "native" else DEFAULT_KILN_TEMPLATE)
    for tier in [t for t in args.kiln_tiers.split(",") if t]:
        template = kiln_template.replace("{kiln}", kiln).replace("{tier}", tier)
        engines.append(Engine(f"kiln-{tier}", template))
    return engines


def probe(engine, timeout):
    """Runs a tiny program once; returns None when the engine runs it, else the reason. Wrong output is
    not a reason to skip: the timed runs report it per cell."""
    argv = engine.command("fannkuch", ["5"])
    elapsed, _, code, out, err = run_once(argv, timeout)
    if elapsed is None:
        return excerpt(err)
    if code != 0:
        return f"exit status {code}: {excerpt(err) or excerpt(out) or '(no output)'}"
    return None


def tool_version(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return p.stdout.decode("utf-8", "replace").strip().splitlines()[0] if p.stdout else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not available"


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical cores, Linux {platform.release()}"


def fmt_time(t):
    return f"{t * 1000:.0f} ms" if t >= 0.1 else f"{t * 1000:.1f} ms"


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def main():
    args = parse_args()
    programs = load_programs(args)

    engines = [Engine(*NATIVE)]
    if not args.no_node:
        engines += [Engine(*NODE), Engine(*NODE_LIFTOFF), Engine(*NODE_TURBOFAN)]
    extra = kiln_engines(args)
    for spec in args.engine:
        if "=" not in spec:
            sys.exit(f"run.py: --engine wants NAME=TEMPLATE, got {spec!r}")
        name, template = spec.split("=", 1)
        extra.append(Engine(name.strip(), template.strip()))
    skipped = {}
    for e in extra:
        if any(e.name == o.name for o in engines):
            sys.exit(f"run.py: engine name {e.name} used twice")
        reason = probe(e, args.timeout)
        if reason:
            print(f"SKIPPED {e.name}: it could not run a small WASI program (fannkuch 5): {reason}", file=sys.stderr)
            skipped[e.name] = reason
        else:
            engines.append(e)

    load_start = load_average()
    times = {(p, e.name): [] for p, _ in programs for e in engines}
    cpu_times = {(p, e.name): [] for p, _ in programs for e in engines}
    failures = {}  # (program, engine) -> message
    for program, prog_args in programs:
        reference = None
        for rep in range(args.reps):
            for e in engines:
                key = (program, e.name)
                if key in failures:
                    continue
                elapsed, cpu, code, out, err = run_once(e.command(program, prog_args), args.timeout)
                if e.name == NATIVE[0]:
                    if elapsed is None or code != 0:
                        sys.exit(f"run.py: native {program} failed: {excerpt(err)}")
                    if reference is None:
                        reference = (code, out)
                if elapsed is None or code != 0:
                    failures[key] = f"FAILED (exit {code}): {excerpt(err) or excerpt(out)}"
                elif (code, out) != reference:
                    failures[key] = f"MISMATCH: output differs from native: {excerpt(out)!r}"
                else:
                    times[key].append(elapsed)
                    cpu_times[key].append(cpu)
                    continue
                print(f"\n!!! {e.name} on {program}: {failures[key]}\n", file=sys.stderr)
        cells = "  ".join(f"{e.name}={fmt_time(statistics.median(times[(program, e.name)]))}"
                          if times[(program, e.name)] else f"{e.name}=FAIL" for e in engines)
        print(f"{program:11s} {cells}", file=sys.stderr)

    load = f"{load_start} at start, {load_average()} at end"
    write_report(args, programs, engines, times, cpu_times, failures, skipped, load)


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def metric_tables(programs, engines, samples, failures):
    """Markdown lines: medians and ratios per program, then geometric means per engine."""
    med = {k: statistics.median(v) for k, v in samples.items() if v}
    has_node = any(e.name == REFERENCE_NODE for e in engines)
    others = engines[1:]
    vs_node = [e for e in others if e.name != REFERENCE_NODE] if has_node else []
    header = ["program", "size"] + [e.name for e in engines]
    header += [f"{e.name} / native" for e in others] + [f"{e.name} / node" for e in vs_node]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ratios_native = {e.name: [] for e in engines}
    ratios_node = {e.name: [] for e in engines}

    def ratio(program, name, reference, into):
        key, ref = (program, name), (program, reference)
        if key not in med or ref not in med:
            return "—"
        r = med[key] / med[ref]
        into[name].append(r)
        return f"{r:.2f}x"

    for program, prog_args in programs:
        row = [program, prog_args[0] if prog_args else "default"]
        for e in engines:
            key = (program, e.name)
            row.append(fmt_time(med[key]) if key in med else f"**{failures[key].split(':')[0]}**")
        row += [ratio(program, e.name, NATIVE[0], ratios_native) for e in others]
        row += [ratio(program, e.name, REFERENCE_NODE, ratios_node) for e in vs_node]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("Geometric mean of the ratios (over the programs where both cells succeeded):\n")
    lines.append("| engine | vs native | vs node | programs |")
    lines.append("|---|---|---|---|")
    for e in others:
        gn = geomean(ratios_native[e.name])
        gv = 1.0 if e.name == REFERENCE_NODE else geomean(ratios_node[e.name])
        ok = sum(1 for p, _ in programs if (p, e.name) in med)
        lines.append(f"| {e.name} | {f'{gn:.2f}x' if gn else '—'} | "
                     f"{(f'{gv:.2f}x' if gv else '—') if has_node else '—'} | {ok}/{len(programs)} |")
    lines.append("")
    return lines


def write_report(args, programs, engines, times, cpu_times, failures, skipped, load):
    lines = []
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"# Benchmark results ({'quick sizes' if args.quick else 'default sizes'})\n")
    lines.append(f"- Date: {stamp}")
    lines.append(f"- Machine: {machine()}; load average (1/5/15 min) {load}")
    lines.append(f"- Native: {tool_version(['gcc', '--version'])}, `-O2 -ffp-contract=off`")
    lines.append(f"- Wasm: {tool_version(['clang-14', '--version'])}, `--target=wasm32-wasi -O{args.wasm_opt_level}`, Debian wasi-libc")
    lines.append(f"- node: {tool_version(['node', '--version'])} (`node:wasi` preview1); "
                 "node-liftoff is `--liftoff --no-wasm-tier-up`, node-turbofan is `--no-liftoff`")
    for e in engines[1:]:
        if e.name.startswith("kiln"):
            lines.append(f"- {e.name}: `{e.template}`")
    lines.append(f"- Median of {args.reps} run(s) per cell, whole processes including start-up; "
                 "every run's output checked against native.")
    if skipped:
        for name, reason in skipped.items():
            lines.append(f"- **{name} skipped**: {reason}")
    if not any(e.name.startswith("kiln") for e in engines) and not any(s.startswith("kiln") for s in skipped):
        lines.append("- Kiln: no columns (no kiln.dll given or built).")
    lines.append("")
    lines.append("## Wall-clock time\n")
    lines += metric_tables(programs, engines, times, failures)
    lines.append("## CPU time (user + system)\n")
    lines.append("Less disturbed by other load on the machine than wall-clock time; includes the "
                 "engines' background compiler and GC threads.\n")
    lines += metric_tables(programs, engines, cpu_times, failures)
    if failures:
        lines.append("\nFailures:\n")
        for (program, name), msg in sorted(failures.items()):
            lines.append(f"- **{name} on {program}**: {msg}")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text)
    print(text)
    print(f"written to {os.path.relpath(args.output)}", file=sys.stderr)
    if failures:
        print(f"!!! {len(failures)} cell(s) failed or mismatched: see the report", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
