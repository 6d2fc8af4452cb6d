"""What the result cache buys, and what checking it costs.

Copies `examples/` (or --tree DIR) N times into a temporary project and runs `relulint check` in
it, in-process, three ways: without the cache, cold (every file a miss, entries written), and warm
(every file a hit: digest checked, dependencies re-hashed, fixes recomputed for files with
fixable findings). Prints the median wall time of each, the entries on disk, and how long pruning
a folder of --prune-entries entries (MAX_ENTRIES lowered to half of them) takes.

Run: .venv/bin/python benchmarks/bench_cache.py [--copies 5] [--repeats 3] [--prune-entries 4000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def _run(argv: list[str]) -> float:
    from relulint.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(argv)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", default=str(Path(__file__).resolve().parents[1] / "examples"))
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--prune-entries", type=int, default=4000)
    args = ap.parse_args()
    from relulint import cache as cache_mod
    from relulint.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        for i in range(args.copies):
            shutil.copytree(args.tree, root / f"copy{i}")
        files = sum(1 for _ in root.rglob("*.py"))
        old = os.getcwd()
        os.chdir(root)
        try:
            base = [".", "--isolated", "-q", "--jobs", "1"]
            none = statistics.median(_run([*base, "--no-cache"]) for _ in range(args.repeats))
            cold, warm = [], []
            for _ in range(args.repeats):
                shutil.rmtree(root / cache_mod.CACHE_DIR, ignore_errors=True)
                cold.append(_run(base))
                warm.append(_run(base))
            entries = sum(1 for _ in (root / cache_mod.CACHE_DIR).rglob("*.json"))
        finally:
            os.chdir(old)
        print(f"{files} files ({args.copies} copies of {args.tree})")
        print(f"no cache: {none:.2f} s   cold: {statistics.median(cold):.2f} s   "
              f"warm: {statistics.median(warm):.2f} s   entries: {entries}")

        c = cache_mod.Cache(Path(tmp) / "prune", Settings())
        src = Path(tmp) / "one.py"
        src.write_text("x = 1\n")
        result = type("R", (), {"findings": [], "source": "x = 1\n", "facts": None})()
        for i in range(args.prune_entries):
            c.put(str(Path(tmp) / f"f{i}.py"), b"x = 1\n", result)
        cache_mod.MAX_ENTRIES = args.prune_entries // 2
        start = time.perf_counter()
        removed = c.prune()
        print(f"prune: {args.prune_entries} entries -> removed {removed} in {time.perf_counter() - start:.3f} s")
        c.close()


if __name__ == "__main__":
    main()
