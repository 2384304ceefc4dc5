#!/usr/bin/env python3
"""Start-up of CRuby from Kiln's code cache against compiling it: bench/Kiln.CacheStartup (published ReadyToRun,
as users get the CLI) starts ruby.wasm and runs one `puts`, from the Wasm bytes (baseline tier, eager and lazy) and
from a serialized module; whole processes, interleaved, medians of wall and CPU time plus the tool's own phases.
Usage: bench/cache-startup.py [--reps N] [--module bench/modules/ruby.wasm]; prints a markdown section."""
import argparse, os, re, resource, statistics, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser()
parser.add_argument("--reps", type=int, default=7)
parser.add_argument("--module", default=os.path.join(here, "modules", "ruby.wasm"))
args = parser.parse_args()
if not os.path.exists(args.module):
    subprocess.run(["bash", os.path.join(here, "fetch-modules.sh")], check=True)

out = os.path.join(here, "build", "cache-startup")
subprocess.run(["dotnet", "publish", "-c", "Release", "-v", "quiet", "--nologo", "-o", out,
                os.path.join(here, "Kiln.CacheStartup")], check=True, stdout=subprocess.DEVNULL)
tool = ["dotnet", os.path.join(out, "Kiln.CacheStartup.dll")]
cache = os.path.join(out, "ruby.kiln")
subprocess.run(tool + ["write", args.module, cache], check=True)

modes = {"compile, eager": ["eager", args.module], "compile, lazy": ["lazy", args.module], "cache": ["cache", cache]}
phase = re.compile(r"load ([\d.]+) ms, instantiate ([\d.]+) ms, run ([\d.]+) ms, process (\d+) ms, functions compiled (\d+)")
results = {m: [] for m in modes}
for rep in range(args.reps + 1):  # the first round warms the file cache and is dropped
    for name, mode in modes.items():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(tool + mode, capture_output=True, text=True)
        wall = (time.perf_counter() - t0) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        m = phase.search(p.stderr)
        if p.returncode != 0 or m is None or "ruby 3." not in p.stdout:
            sys.exit(f"{name}: failed (status {p.returncode}):\n{p.stdout}\n{p.stderr}")
        if rep > 0:
            results[name].append((wall, cpu) + tuple(float(x) for x in m.groups()))

def med(name, i):
    return statistics.median(r[i] for r in results[name])

load = open("/proc/loadavg").read().split()[:3]
print(f"CRuby ({os.path.getsize(args.module) / 1e6:.1f} MB of Wasm) to `puts`, {args.reps} interleaved runs each, medians; "
      f"serialized module {os.path.getsize(cache) / 1e6:.1f} MB; {os.cpu_count()} cores, load average {' '.join(load)}")
print()
print("| start from | process wall ms | process CPU ms | load ms | instantiate ms | run ms | functions compiled |")
print("|---|---|---|---|---|---|---|")
for name in modes:
    print(f"| {name} | {med(name, 0):.0f} | {med(name, 1):.0f} | {med(name, 2):.0f} | {med(name, 3):.0f} | {med(name, 4):.0f} | {med(name, 6):.0f} |")
print()
for name in ("compile, eager", "compile, lazy"):
    print(f"- cache vs {name}: process wall {med(name, 0) / med('cache', 0):.2f}x, CPU {med(name, 1) / med('cache', 1):.2f}x, "
          f"load {med(name, 2) / med('cache', 2):.2f}x")
