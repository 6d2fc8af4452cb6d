"""Reading TorchScript and `.pt2` archives as data: graph pass cost per format, and against
`torch.jit.load` / `torch.export.load` (what relulint no longer calls) for scale.

    .venv/bin/python benchmarks/bench_archive_read.py [--layers 1000] [--width 32]

Builds a deep MLP (Linear -> ReLU, `--layers` times) and a VGG-ish CNN, saves each as a traced and
a scripted TorchScript archive and as a `.pt2`, then prints per file: size, ops lowered, the whole
graph pass (`lower_graph`: read + walk + lowering + stats + bounds), ops/s, the peak Python heap
(tracemalloc, on a second run), and the torch loader's time on the same file.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
import warnings


def models(layers: int, width: int):
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    mlp = nn.Sequential(*[m for _ in range(layers) for m in (nn.Linear(width, width), nn.ReLU())]).eval()
    convs: list[nn.Module] = []
    c = 3
    for out in (32, 64, 128, 128):
        convs += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(), nn.MaxPool2d(2)]
        c = out
    cnn = nn.Sequential(*convs, nn.Flatten(), nn.Linear(128 * 4 * 4, 256), nn.ReLU(), nn.Linear(256, 10)).eval()
    return [("mlp", mlp, torch.zeros(1, width)), ("cnn", cnn, torch.zeros(1, 3, 64, 64))]


def save_all(name, model, example, folder: str) -> list[tuple[str, str]]:
    import torch

    out = []
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        for how in ("trace", "script"):
            path = os.path.join(folder, f"{name}_{how}.pt")
            (torch.jit.trace(model, example) if how == "trace" else torch.jit.script(model)).save(path)
            out.append((f"{name} {how}", path))
        path = os.path.join(folder, f"{name}.pt2")
        torch.export.save(torch.export.export(model, (example,)), path)
        out.append((f"{name} .pt2", path))
    return out


def measure(path: str) -> tuple[float, int, float]:
    from relulint.config import Settings
    from relulint.graph import lower_graph

    gc.collect()
    start = time.perf_counter()  # timed without tracemalloc, which slows allocation several-fold
    facts, err = lower_graph(path, Settings(input_range=(0.0, 1.0)))
    took = time.perf_counter() - start
    if err is not None:
        raise SystemExit(f"{path}: {err.message}")
    ops = len(facts.networks[0].ops)
    del facts
    gc.collect()
    tracemalloc.start()
    lower_graph(path, Settings(input_range=(0.0, 1.0)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return took, ops, peak / 2**20


def torch_load(path: str) -> float:
    import torch

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.endswith(".pt2"):
            torch.export.load(path)
        else:
            torch.jit.load(path, map_location="cpu")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=1000)
    ap.add_argument("--width", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'file':<14} {'MB':>6} {'ops':>6} {'pass s':>7} {'ops/s':>8} {'peak MB':>8} {'torch load s':>12}")
        for name, model, example in models(args.layers, args.width):
            for label, path in save_all(name, model, example, folder):
                took, ops, peak = measure(path)
                loaded = torch_load(path)
                print(f"{label:<14} {os.path.getsize(path) / 2**20:6.1f} {ops:6d} {took:7.2f} {ops / took:8.0f} "
                      f"{peak:8.1f} {loaded:12.2f}")


if __name__ == "__main__":
    main()
