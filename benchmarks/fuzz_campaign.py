"""A fuzz campaign with per-input outcomes: the figures behind issue 14 (inputs tried, crashes, hangs,
internal errors, reads outside the project).

Builds the inputs of tests/test_fuzz.py (mutated real model files, mutated ONNX and TorchScript
graphs; --scale multiplies the counts) plus hostile files (deep expressions, FIFOs, /dev/zero
symlinks, doc strings naming files outside), then lints each input in a forked child of this
process (relulint imported once), with an address-space limit, a time limit, and an audit hook that
records every file opened outside the project and Python's own library. Each input is classed as
ok, crash (the child died of a signal), hang (killed at --timeout), internal (an RL001
internal-error) or outside (it opened a file outside the project).

The in-process `lint_file` is what is measured, not the CLI's worker isolation: a crash here is a
crash of the engine on that input. Run it with any checkout's interpreter to compare:

    .venv/bin/python benchmarks/fuzz_campaign.py [--scale 1] [--timeout 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def build(folder: Path, scale: int) -> dict[str, list[Path]]:
    import test_fuzz as tf

    rng = random.Random(1414)
    seeds = sorted((ROOT / "tests" / "real_models").glob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    out: dict[str, list[Path]] = {"source": [], "onnx": [], "torchscript": [], "hostile": []}
    (folder / "m").mkdir()
    for n in range(40 * scale):
        seed = rng.choice(seeds)
        p = folder / "m" / f"mut{n:03d}_{seed.stem}.py"
        p.write_bytes(tf._mutate_source(seed.read_text(), rng))
        out["source"].append(p)
    try:
        onnx, model = tf._onnx_model()
        (folder / "g").mkdir()
        rng = random.Random(2024)
        for n in range(60 * scale):
            p = folder / "g" / f"mut{n:03d}.onnx"
            p.write_bytes(tf._mutate_onnx(onnx, model, rng))
            out["onnx"].append(p)
    except Exception as exc:  # onnx missing: no graph inputs
        print(f"no ONNX inputs: {exc}", file=sys.stderr)
    try:
        import torch

        net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1), torch.nn.ReLU())
        (folder / "t").mkdir()
        torch.jit.script(net.eval()).save(str(folder / "seed.pt"))
        good = (folder / "seed.pt").read_bytes()
        (folder / "seed.pt").unlink()
        rng = random.Random(77)
        for n in range(30 * scale):
            raw = bytearray(good)
            for _ in range(rng.randrange(1, 10)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            data = bytes(raw) if n % 2 else good[: rng.randrange(1, len(good))]
            p = folder / "t" / f"mut{n:03d}.pt"
            p.write_bytes(data)
            out["torchscript"].append(p)
    except Exception as exc:
        print(f"no TorchScript inputs: {exc}", file=sys.stderr)
    h = folder / "h"
    h.mkdir()
    outside = folder.parent / (folder.name + "_outside")
    outside.mkdir(exist_ok=True)
    (outside / "secret.py").write_text("import torch.nn as nn\nloss_fn = nn.MSELoss()\n")
    buggy = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())\n"
    (h / "deep_or.py").write_text("import torch\nx = " + " or ".join(f"a{i}" for i in range(8000)) + "\n")
    (h / "deep_not.py").write_text("import torch\nx = " + "not " * 8000 + "a\n")
    (h / "pow.py").write_text(buggy + "N = 9 ** 9 ** 9\nlayer = nn.Linear(4, N)\n")
    (h / "linked.py").symlink_to(outside / "secret.py")
    (h / "zero.py").symlink_to("/dev/zero")
    (h / "with_neighbour.py").write_text("import linked\n" + buggy)
    if hasattr(os, "mkfifo"):
        os.mkfifo(h / "fifo.py")
    if out["onnx"]:
        onnx, model = tf._onnx_model()
        for k, doc in enumerate(['File "/etc/passwd", line 1', f'File "{outside / "secret.py"}", line 2',
                                 'File "../../../outside.py", line 3']):
            m = type(model)()
            m.CopyFrom(model)
            m.graph.node[-1].doc_string = doc
            onnx.save(m, str(h / f"doc{k}.onnx"))
    out["hostile"] = sorted(h.iterdir())
    return out


def lint_one(path: Path, project: str, timeout: float, mem_bytes: int) -> dict:
    """Lint one input in a forked child; its outcome as a dict."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(rfd)
        code = 0
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
            import importlib.util

            pkg = os.path.dirname(os.path.dirname(importlib.util.find_spec("relulint").origin))
            allowed = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, pkg, str(ROOT),
                                                                     *sysconfig.get_paths().values(), *sys.path) if p})
            outside: list[str] = []

            def hook(event, args):
                if event == "open" and args and isinstance(args[0], (str, bytes)):
                    p = os.path.realpath(os.fsdecode(args[0]))
                    if not (p.startswith(project + os.sep) or p.startswith(allowed) or p.startswith("/dev/null")):
                        outside.append(p)

            sys.addaudithook(hook)
            from relulint.config import Settings
            from relulint.engine import FactsCache, lint_file

            settings = Settings()
            if hasattr(settings, "project_root"):
                settings.project_root = project
            r = lint_file(str(path), settings, FactsCache())
            out = {"codes": [f.code for f in r.findings], "internal": [f.message[:160] for f in r.findings
                                                                       if f.name == "internal-error"],
                   "outside": sorted(set(outside))}
        except BaseException as exc:  # noqa: BLE001 (reported, not raised: the child must exit)
            out = {"codes": [], "internal": [f"escaped: {type(exc).__name__}: {str(exc)[:120]}"], "outside": []}
            code = 3
        os.write(wfd, json.dumps(out).encode())
        os._exit(code)
    os.close(wfd)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(rfd)
            return {"outcome": "hang"}
        time.sleep(0.02)
    data = b""
    while chunk := os.read(rfd, 1 << 16):
        data += chunk
    os.close(rfd)
    if os.WIFSIGNALED(status):
        return {"outcome": "crash", "signal": signal.Signals(os.WTERMSIG(status)).name}
    res = json.loads(data or b"{}")
    if res.get("outside"):
        res["outcome"] = "outside"
    elif res.get("internal"):
        res["outcome"] = "internal"
    else:
        res["outcome"] = "ok"
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--mem-gb", type=float, default=3.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "proj"
        (project / ".git").mkdir(parents=True)
        inputs = build(project, args.scale)
        total: dict[str, int] = {}
        for kind, paths in inputs.items():
            counts: dict[str, int] = {}
            for p in paths:
                res = lint_one(p, str(project.resolve()), args.timeout, int(args.mem_gb * 2**30))
                counts[res["outcome"]] = counts.get(res["outcome"], 0) + 1
                if args.verbose and res["outcome"] != "ok":
                    print(f"  {kind} {p.name}: {res}")
            figures = {"inputs": len(paths), **{k: counts.get(k, 0) for k in ("ok", "crash", "hang", "internal",
                                                                                "outside")}}
            for k, v in figures.items():
                total[k] = total.get(k, 0) + v
            print(f"{kind:12} {figures}")
        print(f"{'total':12} {total}")
        import shutil

        shutil.rmtree(Path(tmp) / "proj_outside", ignore_errors=True)


if __name__ == "__main__":
    main()
