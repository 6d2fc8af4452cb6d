"""Cost of the dynamic probe: a bare forward + backward vs the probed one, batch 64.

Models: a small ResNet-style CNN (basic blocks with BatchNorm, 3 stages, 3x32x32 inputs) and an
MLP (784-1024-1024-1024-10), both with cross-entropy on random labels.
- time: median of `--repeats` runs in one process, after warm-up;
- peak memory: on CUDA, `max_memory_allocated` above the steady state; on the CPU, the peak RSS
  (VmHWM, reset through /proc/self/clear_refs) above the RSS before the step, each configuration
  in a fresh subprocess so one configuration's high-water mark cannot hide the other's.
Aim: probed <= 1.3x the time and <= 1.5x the peak memory of the bare step.

Run: .venv/bin/python benchmarks/bench_probe.py [--repeats 15] [--device cpu|cuda] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def build(name: str):
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                              nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
        return model, torch.randn(64, 784), torch.randint(0, 10, (64,))

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            idt = x if self.down is None else self.down(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + idt)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
            self.layers = nn.Sequential(Block(32, 32, 1), Block(32, 32, 1), Block(32, 64, 2), Block(64, 64, 1),
                                        Block(64, 128, 2), Block(128, 128, 1))
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            x = self.layers(self.stem(x))
            return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

    return ResNet(), torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))


def step_fn(kind: str, model, x, y, device: str):
    import torch
    import torch.nn as nn

    loss_fn = nn.CrossEntropyLoss()
    if kind == "bare":
        def bare():
            for p in model.parameters():
                p.grad = None
            loss = loss_fn(model(x), y)
            loss.backward()
            # the same reductions the probe ends with: one grad norm per parameter, one sync
            norms = torch.stack([torch.linalg.vector_norm(p.grad) for p in model.parameters()]).tolist()
            if device == "cuda":
                torch.cuda.synchronize()
            for p in model.parameters():
                p.grad = None  # the probe leaves no gradients behind either: same state after both
            return norms
        return bare
    from relulint.dynamic.torch_probe import TorchProbe

    def probed():
        return TorchProbe(model, device).measure(x, y, loss_fn)
    return probed


def memory(name: str, kind: str, device: str) -> int:
    """Peak memory of one step above the state before it (model, batch and framework loaded)."""
    import torch

    model, x, y = build(name)
    model.to(device).train()
    x, y = x.to(device), y.to(device)
    fn = step_fn(kind, model, x, y, device)
    if device == "cuda":
        fn()  # CUDA: warm-up first, then reset the peak counter
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn()
        return torch.cuda.max_memory_allocated() - base
    fn()  # warm-up: lazy initialisation is not the step's cost
    import gc

    gc.collect()
    current = _rss_kib("VmRSS")
    if current is not None and _reset_peak_rss():
        fn()  # Linux: VmHWM was reset to the current RSS, so it now holds this step's peak
        return (_rss_kib("VmHWM") - current) * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # elsewhere: only growth past the old peak
    fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Writing 5 to /proc/self/clear_refs resets VmHWM (the peak RSS) on Linux."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def timing(name: str, device: str, repeats: int) -> tuple[float, float, float]:
    """(bare median s, probed median s, median of per-pair ratios): runs interleaved, so a noisy
    machine slows both alike."""
    import torch

    model, x, y = build(name)
    model.to(device).train()
    x, y = x.to(device), y.to(device)
    fns = {k: step_fn(k, model, x, y, device) for k in ("bare", "probed")}
    for f in fns.values():
        f()
    times: dict[str, list[float]] = {"bare": [], "probed": []}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            if device == "cuda":
                torch.cuda.synchronize()
            times[k].append(time.perf_counter() - t0)
    ratios = [p / b for b, p in zip(times["bare"], times["probed"], strict=True)]
    return statistics.median(times["bare"]), statistics.median(times["probed"]), statistics.median(ratios)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--child", nargs=3, metavar=("MODEL", "KIND", "DEVICE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        name, kind, device = args.child
        print(json.dumps({"peak_bytes": memory(name, kind, device)}))
        return
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(f"device {device}, batch 64, median of {args.repeats} interleaved runs, threads {torch.get_num_threads()}")
    print(f"{'model':8} {'bare ms':>9} {'probed ms':>10} {'time x':>7} {'bare MiB':>9} {'probed MiB':>11} {'mem x':>6}")
    for name in ("resnet", "mlp"):
        bare_s, probed_s, ratio = timing(name, device, args.repeats)
        peak = {}
        for kind in ("bare", "probed"):  # a fresh process per configuration: high-water marks are per process
            cmd = [sys.executable, __file__, "--child", name, kind, device]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            # a fixed mmap threshold: glibc then returns every large tensor to the OS when it is freed,
            # so the RSS high-water mark of one step is that step's peak (not the allocator's cache)
            env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
            child = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
            peak[kind] = json.loads(child.stdout.strip().splitlines()[-1])["peak_bytes"]
        mib = 1024 * 1024
        mem_ratio = peak["probed"] / peak["bare"] if peak["bare"] > 0 else float("nan")
        print(f"{name:8} {bare_s * 1e3:9.2f} {probed_s * 1e3:10.2f} {ratio:7.2f} "
              f"{peak['bare'] / mib:9.1f} {peak['probed'] / mib:11.1f} {mem_ratio:6.2f}")


if __name__ == "__main__":
    main()
