"""Source-pass speed on a real corpus, next to bare `libcst.parse_module` on the same files.

Both run in the same invocation with the same number of processes (default 2), so the ratio is what
the design aims at (relulint <= 3x the bare parse). Also prints the slowest files (target: none over
2 s), peak memory, and every finding relulint reports on these correct, widely used models (target: 0).

Corpus: a folder (`--corpus`, e.g. the one `real_model_code.sh` unpacks: timm, torchvision, keras
applications, diffusers, transformers), else timm's model sources fetched into .bench/ plus the
installed Keras applications.

    python benchmarks/bench_source_pass.py [--corpus DIR] [--jobs N] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"


def fetch_timm() -> Path:
    target = BENCH / "timm"
    if (target / "timm" / "models").is_dir():
        return target / "timm" / "models"
    BENCH.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "timm", "-d", str(BENCH)],
                   check=True)
    wheel = sorted(BENCH.glob("timm-*.whl"))[-1]
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith("timm/models/") and name.endswith(".py"):
                zf.extract(name, target)
    return target / "timm" / "models"


def keras_applications() -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("keras")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    apps = Path(list(spec.submodule_search_locations)[0]) / "src" / "applications"
    return apps if apps.is_dir() else None


def _measure(fn, files: list[Path]) -> float:
    start = time.perf_counter()
    fn(files)
    return time.perf_counter() - start


def bare_parse(files: list[Path]) -> None:
    import libcst as cst

    for f in files:
        cst.parse_module(f.read_text(encoding="utf-8"))


def parse_with_metadata(files: list[Path]) -> None:
    import libcst as cst
    from libcst.metadata import (
        MetadataWrapper,
        ParentNodeProvider,
        PositionProvider,
        QualifiedNameProvider,
        ScopeProvider,
    )

    for f in files:
        w = MetadataWrapper(cst.parse_module(f.read_text(encoding="utf-8")), unsafe_skip_copy=True)
        w.resolve_many([QualifiedNameProvider, PositionProvider, ParentNodeProvider, ScopeProvider])


def relulint_pass(files: list[Path], jobs: int = 1) -> list:
    from relulint.config import Settings
    from relulint.engine import lint_paths

    return lint_paths([str(f) for f in files], Settings(), jobs=jobs)


def _parse_chunk(paths: list[str]) -> None:
    bare_parse([Path(p) for p in paths])


def _timed_chunk(paths: list[str]) -> list[tuple[str, float, list[str]]]:
    """relulint on each file of a chunk, timed per file (one process, its own neighbour cache)."""
    from relulint.config import Settings
    from relulint.engine import FactsCache, lint_file

    cache = FactsCache()
    settings = Settings()
    out = []
    for p in paths:
        start = time.process_time()  # CPU time: the machine may be shared
        r = lint_file(p, settings, cache)
        out.append((p, time.process_time() - start,
                    [f"{Path(f.origin.path).name}:{f.origin.line} {f.code} {f.message[:90]}" for f in r.findings]))
    return out


def _pool(fn, files: list[str], jobs: int) -> list:
    if jobs <= 1:
        return [fn(files)]
    from concurrent.futures import ProcessPoolExecutor

    chunks = [files[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(fn, chunks))


def child(mode: str, corpus: list[str], jobs: int) -> None:
    """Run one measurement in a fresh process so peak RSS belongs to it alone."""
    files = [Path(p) for p in corpus]
    extra: dict = {}
    start = time.perf_counter()
    if mode == "parse":
        _pool(_parse_chunk, corpus, jobs)
    elif mode == "metadata":
        parse_with_metadata(files)
    else:
        timed = [row for part in _pool(_timed_chunk, corpus, jobs) for row in part]
        findings = [f for _, _, fs in timed for f in fs]
        extra["findings"] = len(findings)
        extra["by_code"] = {}
        for f in findings:
            code = f.split()[1]
            extra["by_code"][code] = extra["by_code"].get(code, 0) + 1
        extra["examples"] = findings[:12]
        extra["slowest"] = sorted(((t, p) for p, t, _ in timed), reverse=True)[:5]
    elapsed = time.perf_counter() - start
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    extra["cpu_seconds"] = sum(u.ru_utime + u.ru_stime for u in usage)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": max(rss_kb, children_kb) / 1024, **extra}))


def run_child(mode: str, files: list[Path], jobs: int = 1) -> dict:
    listing = BENCH / "corpus.json"
    listing.write_text(json.dumps([str(f) for f in files]))
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--jobs", str(jobs), "--listing", str(listing)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", help="a folder of .py files instead of timm + keras applications")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="at most this many files (spread over the corpus)")
    ap.add_argument("--metadata", action="store_true", help="also time libcst's metadata providers")
    ap.add_argument("--child")
    ap.add_argument("--listing")
    args = ap.parse_args()
    if args.child:
        child(args.child, json.loads(Path(args.listing).read_text()), args.jobs)
        return
    BENCH.mkdir(exist_ok=True)
    folders = [Path(args.corpus)] if args.corpus else [fetch_timm()] + [p for p in [keras_applications()] if p]
    files = sorted(f for d in folders for f in d.rglob("*.py") if "_test" not in f.name)
    if args.limit and len(files) > args.limit:
        step = len(files) / args.limit
        files = [files[int(i * step)] for i in range(args.limit)]
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    lines = sum(f.read_text(encoding="utf-8").count("\n") for f in files)
    print(f"corpus: {len(files)} files, {lines} lines, {size_mb:.2f} MB from {', '.join(str(d) for d in folders)}")
    rows = [(f"libcst.parse_module, {args.jobs} processes", run_child("parse", files, args.jobs))]
    if args.metadata:
        rows.append(("parse + metadata (QN, positions, parents, scopes), 1 process", run_child("metadata", files)))
    rows.append((f"relulint source pass, {args.jobs} processes", run_child("relulint", files, args.jobs)))
    for name, r in rows:
        s = r["seconds"]
        print(f"{name:62s} {s:7.2f} s wall  {r['cpu_seconds']:7.2f} s CPU  {len(files) / s:7.1f} files/s  "
              f"{lines / s:8.0f} lines/s  peak {r['peak_rss_mb']:.0f} MB")
    r = rows[-1][1]
    print(f"relulint / bare parse (same files, {args.jobs} processes each): "
          f"{r['seconds'] / rows[0][1]['seconds']:.2f}x wall, {r['cpu_seconds'] / rows[0][1]['cpu_seconds']:.2f}x CPU")
    print("slowest files (CPU s): " + ", ".join(f"{Path(p).name} {t:.2f} s" for t, p in r["slowest"]))
    print(f"findings on these correct models: {r['findings']} {r['by_code']}")
    for line in r["examples"]:
        print("   ", line)


if __name__ == "__main__":
    main()
