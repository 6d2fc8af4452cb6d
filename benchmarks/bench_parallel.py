"""Work distribution of the source pass: dynamic small chunks (engine.lint_paths) against the old
static split (`paths[i::jobs]`, one share per worker), on a generated project where a few files are
much larger than the rest.

    python benchmarks/bench_parallel.py [--files 60] [--large 4] [--layers 10] [--jobs 2] [--repeats 3]

Prints the best wall time of each strategy and the ratio. With one large file per worker share the
static split leaves the other workers idle at the end; dynamic chunks hand out the rest meanwhile.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from relulint.config import Settings
from relulint.engine import _lint_chunk, lint_paths

SMALL = """\
import torch.nn as nn

model_{i} = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
loss_{i} = nn.MSELoss()
"""


def large(i: int, layers: int) -> str:
    body = ", ".join(f"nn.Linear({16}, {16}), nn.ReLU()" for _ in range(layers))
    blocks = "\n".join(f"block_{i}_{k} = nn.Sequential({body})" for k in range(40))
    return f"import torch.nn as nn\n\n{blocks}\nloss = nn.MSELoss()\n"


def static_split(paths: list[str], settings: Settings, jobs: int) -> None:
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_lint_chunk, [paths[i::jobs] for i in range(jobs)], [settings] * jobs))


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--large", type=int, default=4)
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        # large files spread over the project, all in one worker's static share (every jobs-th path)
        step = args.files // max(args.large, 1)
        large_at = {k * step - (k * step) % args.jobs for k in range(args.large)}
        for i in range(args.files):
            (root / f"m{i:04d}.py").write_text(large(i, args.layers) if i in large_at else SMALL.format(i=i))
            paths.append(str(root / f"m{i:04d}.py"))
        settings = Settings()
        t_dyn = best(lambda: lint_paths(paths, settings, args.jobs), args.repeats)
        t_static = best(lambda: static_split(paths, settings, args.jobs), args.repeats)
    print(f"{args.files} files ({args.large} large), {args.jobs} processes, best of {args.repeats}:")
    print(f"  static split (paths[i::jobs]) : {t_static:6.2f} s")
    print(f"  dynamic chunks (lint_paths)   : {t_dyn:6.2f} s   ({t_static / t_dyn:.2f}x)")


if __name__ == "__main__":
    main()
