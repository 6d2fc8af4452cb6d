"""Language-server latency on a ~2,000-line PyTorch model file, against the real `relulint lsp` process.

Generates a project (a `model.py` of many nn.Module classes, their forwards and a training loop, and a
neighbour `train.py` that imports it), starts `relulint lsp --stdio` as a subprocess, opens the model
file and sends N single-character `didChange` edits at various lines, waiting for each edit's
`publishDiagnostics` (matched by document version). Prints first-open latency, didChange ->
publishDiagnostics latency (median, p90, max) and the server's memory (its process tree's peak RSS).
Aim (issue 9): at most 300 ms on a 2,000-line model file.

The latency includes the server's debounce: an editor sends an edit per keystroke, so the server
waits for a short pause before it lints; `--burst K` also sends K edits back to back (a fast typist)
and measures from the last one, which is where a stale lint must be dropped.

    python benchmarks/bench_lsp.py [--edits N] [--lines L] [--burst K] [--python OTHER_VENV_PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BLOCK_KINDS = ("conv", "mlp", "attn", "res")


def _block(i: int) -> str:
    kind = BLOCK_KINDS[i % len(BLOCK_KINDS)]
    width = 16 + 8 * (i % 5)
    if kind == "conv":
        return f'''
class ConvBlock{i}(nn.Module):
    """Conv, norm, activation, pooling."""

    def __init__(self, cin: int = {width}, cout: int = {width * 2}):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        x = self.act(x)
        return self.pool(x)
'''
    if kind == "mlp":
        return f'''
class MLP{i}(nn.Module):
    """Two linear layers with dropout."""

    def __init__(self, dim: int = {width}, hidden: int = {width * 4}, p: float = 0.1):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(p)
        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="relu")
        nn.init.zeros_(self.fc1.bias)

    def forward(self, x):
        h = F.gelu(self.fc1(x))
        h = self.drop(h)
        return self.fc2(h)
'''
    if kind == "attn":
        return f'''
class Attention{i}(nn.Module):
    """Single-head self-attention."""

    def __init__(self, dim: int = {width}):
        super().__init__()
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.scale = dim ** -0.5

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        out = attn @ v
        return self.proj(out)
'''
    return f'''
class Residual{i}(nn.Module):
    """Pre-norm residual MLP block."""

    def __init__(self, dim: int = {width}):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.body = nn.Sequential(nn.Linear(dim, dim * 2), nn.ReLU(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        return x + self.body(self.norm(x))
'''


def model_source(target_lines: int) -> str:
    head = '''"""A generated model zoo: many blocks, a composed network, a training loop."""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
'''
    blocks, i = [], 0
    tail_budget = 90
    while len((head + "".join(blocks)).splitlines()) < target_lines - tail_budget:
        blocks.append(_block(i))
        i += 1
    body = "".join(blocks)
    tail = '''

class Regressor(nn.Module):
    """The composed network: a stack of residual blocks and a linear head."""

    def __init__(self, dim: int = 16, depth: int = 4):
        super().__init__()
        self.inp = nn.Linear(8, dim)
        self.blocks = nn.ModuleList([Residual3(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, 1)
        self.out = nn.ReLU()

    def forward(self, x):
        x = self.inp(x)
        for block in self.blocks:
            x = block(x)
        return self.out(self.head(x))


def make_loader(n: int = 256) -> DataLoader:
    x = torch.randn(n, 8)
    y = torch.randn(n, 1)
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)


def train_epoch(model: nn.Module, loader: DataLoader, opt) -> float:
    loss_fn = nn.MSELoss()
    total = 0.0
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        pred = model(xb)
        loss = loss_fn(pred, yb)
        loss.backward()
        opt.step()
        total += loss.item()
    return total / max(len(loader), 1)


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    err = 0.0
    with torch.no_grad():
        for xb, yb in loader:
            err += F.mse_loss(model(xb), yb).item()
    return err


if __name__ == "__main__":
    net = Regressor()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = make_loader()
    for epoch in range(3):
        print(epoch, train_epoch(net, data, opt), evaluate(net, data))
'''
    return head + body + tail


TRAIN = '''import torch
import torch.nn as nn

from model import Regressor, make_loader

model = Regressor(dim=16, depth=2)
criterion = nn.MSELoss()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for xb, yb in make_loader():
    opt.zero_grad()
    loss = criterion(model(xb), yb)
    loss.backward()
    opt.step()
'''


class Server:
    """A minimal LSP client over the server's stdin/stdout."""

    def __init__(self, cwd: Path, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                k, _, v = line.decode().partition(":")
                if k.lower() == "content-length":
                    length = int(v)
            self.inbox.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, msg: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)[1]

    def wait(self, pred, timeout: float = 600) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from the server")
            when, msg = self.inbox.get(timeout=left)
            if pred(msg):
                return when, msg

    def diagnostics(self, uri: str, version: int) -> tuple[float, dict]:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and m["params"].get("version") == version)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):  # children are listed by the thread that started them
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.append(p)
            todo += _children(p)
    return seen


def tree_rss_kib(pid: int) -> int:
    """Current RSS of the process and its descendants (the server's lint worker), KiB."""
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by the process and its live descendants: what a lint
    costs whatever else the machine runs (wall-clock latency grows with the load, this does not)."""
    ticks = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def edit_at(lines: list[str], k: int) -> dict:
    """The k-th single-character edit, applied to `lines`; returns the LSP content change. At a
    spread of lines: bump the last digit of the line (a layer width, a rate, a class name), else add
    a space at its end. The text stays valid Python, as most keystrokes leave it between pauses."""
    n = (k * 37) % len(lines)
    text = lines[n]
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if digits:
        col = digits[-1]
        new = str((int(text[col]) + 1) % 10)
        lines[n] = text[:col] + new + text[col + 1:]
        end = col + 1
    else:
        col = end = len(text)
        new = " "
        lines[n] = text + new
    return {"range": {"start": {"line": n, "character": col}, "end": {"line": n, "character": end}},
            "text": new}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=5, help="edits sent back to back in the burst phase")
    ap.add_argument("--python", default=sys.executable,
                    help="the interpreter whose relulint serves (e.g. another checkout's venv, to compare)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_lsp_") as tmp:
        folder = Path(tmp)
        (folder / ".git").mkdir()  # the project root
        text = model_source(args.lines)
        (folder / "model.py").write_text(text)
        (folder / "train.py").write_text(TRAIN)
        uri = (folder / "model.py").as_uri()
        srv = Server(folder, [args.python, "-m", "relulint", "lsp", "--stdio"])
        peak = 0
        try:
            srv.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": {}})
            srv.send({"method": "initialized", "params": {}})
            t0 = time.perf_counter()
            srv.send({"method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}}})
            when, first = srv.diagnostics(uri, 1)
            open_s = when - t0
            codes = sorted(d["code"] for d in first["params"]["diagnostics"])
            peak = max(peak, tree_rss_kib(srv.proc.pid))

            lines = text.splitlines()
            version = 1
            latencies, cpu = [], []
            for k in range(args.edits):
                change = edit_at(lines, k)
                version += 1
                cpu0 = tree_cpu_s(srv.proc.pid)
                t0 = time.perf_counter()
                srv.send({"method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
                when, msg = srv.diagnostics(uri, version)
                latencies.append(when - t0)
                cpu.append(tree_cpu_s(srv.proc.pid) - cpu0)
                peak = max(peak, tree_rss_kib(srv.proc.pid))

            burst = []
            for _ in range(3 if args.burst > 1 else 0):
                for _j in range(args.burst):
                    change = edit_at(lines, version)
                    version += 1
                    srv.send({"method": "textDocument/didChange", "params": {
                        "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
                    t0 = time.perf_counter()
                    time.sleep(0.03)  # ~30 ms between keystrokes
                when, _ = srv.diagnostics(uri, version)
                burst.append(when - t0)
                peak = max(peak, tree_rss_kib(srv.proc.pid))
            srv.request("shutdown", None)
            srv.send({"method": "exit"})
            srv.proc.wait(timeout=30)
        finally:
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()

    ms = [x * 1000 for x in latencies]
    print(f"model.py: {len(text.splitlines())} lines, {len(text):,} chars; neighbour train.py imports it")
    print(f"findings on open: {codes}")
    print(f"first open -> publishDiagnostics: {open_s * 1000:.0f} ms")
    print(f"didChange -> publishDiagnostics over {len(ms)} edits: median {statistics.median(ms):.0f} ms, "
          f"p90 {pct(ms, 0.9):.0f} ms, max {max(ms):.0f} ms (aim: <= 300 ms)")
    cpu_ms = [x * 1000 for x in cpu]
    print(f"server CPU per edit (process tree): median {statistics.median(cpu_ms):.0f} ms, "
          f"p90 {pct(cpu_ms, 0.9):.0f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if burst:
        print(f"after a burst of {args.burst} edits 30 ms apart, last edit -> its diagnostics: "
              + ", ".join(f"{b * 1000:.0f} ms" for b in burst))
    print(f"server memory (process tree RSS, sampled peak): {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
