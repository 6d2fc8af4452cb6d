"""What linting one file alone costs in a big package, drivers (and drivers of drivers) included.

Pre-commit and editors lint a changed file alone: relulint then reads the scripts that import it (and,
through modules that train nothing, the training scripts above them). Each file here is linted in a
fresh process with nothing cached, and the CPU time of `lint_file` alone is measured (the imports of
relulint itself are done before the clock starts). With `--compare PYTHON`, the same files are also
linted by another interpreter's relulint (a checkout before a change), file by file back to back, and
the ratio is printed: on a shared machine ratios hold where absolute times do not.

    python benchmarks/bench_drivers.py PATH... [--limit N] [--compare OTHER/.venv/bin/python]

PATHs are files or folders (every .py below them). A folder holding the package should carry a project
marker (pyproject.toml, .git): without one, a file's project is its own folder and nothing above it
is read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, sys, time
from relulint.config import Settings
from relulint.engine import FactsCache, lint_file, neighbour_paths
import relulint.rules, relulint.source.interp  # (imports are not what is measured)
path = sys.argv[1]
wall, cpu = time.perf_counter(), time.process_time()
result = lint_file(path, Settings(), FactsCache())
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "findings": [f"{f.origin.path}:{f.origin.line} {f.code}" for f in result.findings],
                  "drivers": len(neighbour_paths(path, [])), "relulint": relulint.__file__}))
"""


def lint_alone(python: str, path: Path) -> dict:
    # -P: the current folder must not shadow the interpreter's own relulint (a checkout run from another)
    out = subprocess.run([python, "-P", "-c", CHILD, str(path.resolve())], capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--limit", type=int, default=0, help="at most this many files (spread over them)")
    ap.add_argument("--compare", help="another interpreter with relulint installed (the baseline)")
    args = ap.parse_args()
    files = sorted({f for p in map(Path, args.paths) for f in ([p] if p.is_file() else p.rglob("*.py"))})
    if args.limit and len(files) > args.limit:
        step = len(files) / args.limit
        files = [files[int(i * step)] for i in range(args.limit)]
    pythons = {"this": sys.executable} | ({"base": args.compare} if args.compare else {})
    for name, py in pythons.items():
        print(f"{name}: relulint from {lint_alone(py, files[0])['relulint']}")
    rows = []
    for f in files:
        row = {name: lint_alone(py, f) for name, py in pythons.items()}
        rows.append((f, row))
        cells = "  ".join(f"{name} {r['cpu'] * 1000:7.0f} ms CPU ({r['drivers']} drivers, {len(r['findings'])} findings)"
                          for name, r in row.items())
        print(f"{f}: {cells}", flush=True)
    for name in pythons:
        cpu = [r[name]["cpu"] for _, r in rows]
        print(f"{name}: {len(rows)} files alone, total {sum(cpu):.2f} s CPU, median {statistics.median(cpu) * 1000:.0f} ms, "
              f"max {max(cpu) * 1000:.0f} ms ({max(rows, key=lambda fr: fr[1][name]['cpu'])[0].name}), "
              f"findings {sum(len(r[name]['findings']) for _, r in rows)}")
    if args.compare:
        ratios = [r["this"]["cpu"] / max(r["base"]["cpu"], 1e-6) for _, r in rows]
        total = sum(r["this"]["cpu"] for _, r in rows) / max(sum(r["base"]["cpu"] for _, r in rows), 1e-6)
        print(f"this / base: total CPU {total:.2f}x, median per file {statistics.median(ratios):.2f}x, "
              f"max {max(ratios):.2f}x ({max(zip(ratios, rows, strict=True), key=lambda x: x[0])[1][0].name})")
        changed = [(f, r["base"]["findings"], r["this"]["findings"]) for f, r in rows
                   if sorted(r["base"]["findings"]) != sorted(r["this"]["findings"])]
        for f, before, after in changed:
            print(f"findings changed for {f}: {before} -> {after}")


if __name__ == "__main__":
    main()
