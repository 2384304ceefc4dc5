#!/usr/bin/env python3
"""Runs the WASI test cases (cases.json) natively and under node's WASI and compares both with the
expected outputs in expected/, which come from the native builds.

  run-native-vs-node.py                    compare native and node against expected/
  run-native-vs-node.py --update-expected  regenerate expected/ from the native builds
  run-native-vs-node.py --case files       only the named case(s) (repeatable)

Every case runs in a fresh temporary directory (passed as '{dir}'); the native process sees exactly
the case's environment; node sees it through node-wasi.mjs --env and the directory through --dir.
Build first with build.sh. Exit status 1 when any comparison fails.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NODE_RUNNER = os.path.join(REPO, "bench", "node-wasi.mjs")


def load_cases():
    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        data = json.load(f)
    return data["guest_dir"], data["cases"]


def substitute(args, dir_path):
    return [a.replace("{dir}", dir_path) for a in args]


def run(argv, env, stdin, timeout=60):
    p = subprocess.run(argv, input=stdin.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    return p.stdout, p.stderr, p.returncode


def run_native(case):
    tmp = tempfile.mkdtemp(prefix="kiln-wasi-native-")
    try:
        exe = os.path.join(HERE, "build", "native", case["program"])
        result = run([exe] + substitute(case.get("args", []), tmp), dict(case.get("env", {})), case.get("stdin", ""))
        leftovers = os.listdir(tmp)
    finally:
        shutil.rmtree(tmp)
    return result, leftovers


def run_node(case, guest_dir):
    tmp = tempfile.mkdtemp(prefix="kiln-wasi-node-")
    try:
        wasm = os.path.join(HERE, "build", "wasm", case["program"] + ".wasm")
        argv = ["node", NODE_RUNNER]
        if any("{dir}" in a for a in case.get("args", [])):
            argv += ["--dir", f"{tmp}:{guest_dir}"]
        for k, v in case.get("env", {}).items():
            argv += ["--env", f"{k}={v}"]
        # node itself needs PATH-free startup only; the guest sees nothing of this environment.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        result = run(argv + ["--", wasm] + substitute(case.get("args", []), guest_dir), env, case.get("stdin", ""))
        leftovers = os.listdir(tmp)
    finally:
        shutil.rmtree(tmp)
    return result, leftovers


def expected_paths(name):
    base = os.path.join(HERE, "expected", name)
    return base + ".stdout", base + ".stderr", base + ".status"


def read_expected(name):
    out, err, status = expected_paths(name)
    with open(out, "rb") as f1, open(err, "rb") as f2, open(status) as f3:
        return f1.read(), f2.read(), int(f3.read().strip())


def show(data, limit=1500):
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text)} chars)"


def compare(label, actual, expected, leftovers):
    problems = []
    for what, a, e in (("stdout", actual[0], expected[0]), ("stderr", actual[1], expected[1])):
        if a != e:
            problems.append(f"{what} differs:\n--- expected\n{show(e)}\n--- {label}\n{show(a)}")
    if actual[2] != expected[2]:
        problems.append(f"exit status {actual[2]}, expected {expected[2]}")
    if leftovers:
        problems.append(f"left files in its directory: {leftovers}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update-expected", action="store_true", help="write expected/ from the native builds")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    opts = ap.parse_args()

    guest_dir, cases = load_cases()
    if opts.case:
        unknown = set(opts.case) - {c["name"] for c in cases}
        if unknown:
            sys.exit(f"unknown case(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c["name"] in opts.case]
    for c in cases:
        for path in (os.path.join(HERE, "build", "native", c["program"]),
                     os.path.join(HERE, "build", "wasm", c["program"] + ".wasm")):
            if not os.path.exists(path):
                sys.exit(f"{path} is missing: run tests/wasi-programs/build.sh first")

    if opts.update_expected:
        os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
        for c in cases:
            (out, err, status), leftovers = run_native(c)
            if leftovers:
                sys.exit(f"{c['name']}: native run left {leftovers} in its directory")
            paths = expected_paths(c["name"])
            for path, data in zip(paths, (out, err, f"{status}\n".encode())):
                with open(path, "wb") as f:
                    f.write(data)
            print(f"{c['name']:14s} exit {status}, {len(out)} bytes stdout, {len(err)} bytes stderr")
        return

    failed = 0
    for c in cases:
        expected = read_expected(c["name"])
        for label, runner in (("native", run_native), ("node", lambda case: run_node(case, guest_dir))):
            actual, leftovers = runner(c)
            problems = compare(label, actual, expected, leftovers)
            if problems:
                failed += 1
                print(f"FAIL {c['name']} ({label}):")
                for p in problems:
                    print("  " + p.replace("\n", "\n  "))
            else:
                print(f"ok   {c['name']} ({label})")
    if failed:
        print(f"{failed} run(s) failed")
        sys.exit(1)
    print("native and node agree with the expected outputs")


if __name__ == "__main__":
    main()
