"""The dynamic pass's integrations against the real libraries (no stand-ins): a Lightning Trainer
with LightningProbe, `--plot` (matplotlib), `--tensorboard` (tensorboard's event files), and the
language server spoken to over TCP. CUDA is the one thing still mocked (tests/test_dynamic_api.py):
no GPU is lent here."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from unittest import mock

import pytest

from relulint.cli import main

pytest.importorskip("torch")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from test_dynamic_api import DeadNet  # noqa: E402  (seed 004's dead network; same folder: on sys.path)


def _dead_line() -> tuple[str, int]:
    """Where DeadNet applies its (dead) ReLU: the line every RL401 on it must point at."""
    import test_dynamic_api

    path = test_dynamic_api.__file__
    lines = open(path).read().splitlines()
    return path, next(i for i, text in enumerate(lines, 1) if "torch.relu(self.fc1(x))" in text)


# ------------------------------------------------------------------------------------ Lightning


def _lightning_module():
    L = pytest.importorskip("lightning")

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = DeadNet()

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.mse_loss(self(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    return L, Module


def _loader():
    g = torch.Generator().manual_seed(0)
    x, y = -torch.rand(64, 4, generator=g), torch.rand(64, 1, generator=g)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)


def _trainer(L, cb, tmp_path):
    return L.Trainer(fast_dev_run=2, callbacks=[cb], accelerator="cpu", logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False, default_root_dir=str(tmp_path))


def test_lightning_trainer_with_the_callback(tmp_path, caplog):
    from relulint.dynamic import LightningProbe

    L, Module = _lightning_module()
    torch.manual_seed(0)
    module = Module()
    cb = LightningProbe(loss_fn=nn.MSELoss())
    before = module.net.fc2.bias.detach().clone()
    with caplog.at_level(logging.INFO, logger="relulint"):
        _trainer(L, cb, tmp_path).fit(module, _loader())
    assert cb.done and cb.findings is not None
    (dead,) = [f for f in cb.findings if f.code == "RL401"]
    assert dead.evidence["layer"] == "net.fc1+relu" and dead.evidence["dead_share"] == 1.0
    assert (dead.origin.path, dead.origin.line) == _dead_line()
    assert cb.findings.report.inputs.shape == (16, 4)  # the first real training batch
    assert not torch.equal(before, module.net.fc2.bias)  # training went on after the probe
    assert "RL401" in caplog.text


def test_lightning_callback_probes_on_global_rank_0_only(tmp_path):
    from relulint.dynamic import LightningProbe

    L, Module = _lightning_module()
    cb = LightningProbe(loss_fn=nn.MSELoss())
    trainer = _trainer(L, cb, tmp_path)
    with mock.patch.object(type(trainer), "global_rank", new_callable=mock.PropertyMock, return_value=1):
        trainer.fit(Module(), _loader())
    assert cb.done and cb.findings is None


# ------------------------------------------------------------------------------------ --plot, --tensorboard

ENTRY = """
    import torch
    import torch.nn as nn


    def relulint_batch():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
        nn.init.uniform_(model[0].weight, 0.0, 1.0)
        nn.init.zeros_(model[0].bias)
        return model, -torch.rand(32, 4), torch.rand(32, 1), nn.MSELoss()
"""


def _entry(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(ENTRY))
    return str(path)


def test_plot_writes_a_png_of_the_layers(tmp_path, capsys):
    image = pytest.importorskip("matplotlib.image")
    out = tmp_path / "probe.png"
    rc = main(["--dynamic", "--no-cache", "--device", "cpu", "--plot", str(out), _entry(tmp_path)])
    assert rc == 1 and f"wrote {out}" in capsys.readouterr().err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(str(out))
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.01  # not a blank canvas: bars were drawn


def test_tensorboard_event_file_holds_the_scalars(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logdir = tmp_path / "tb"
    rc = main(["--dynamic", "--no-cache", "--device", "cpu", "--steps", "2", "--tensorboard", str(logdir),
               "--output-format", "json", _entry(tmp_path)])
    capsys.readouterr()
    assert rc == 1
    events = [f for f in os.listdir(logdir) if f.startswith("events.out.tfevents")]
    assert events
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"loss", "dead_share/1", "weight_grad_norm/0"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("loss")] == [0, 1, 2]
    assert all(e.value == 1.0 for e in acc.Scalars("dead_share/1"))  # all-positive weights on negative inputs
    assert tags["histograms"]  # activation / gradient histograms per layer, at every step
    assert sorted({e.step for tag in tags["histograms"] for e in acc.Histograms(tag)}) == [0, 1, 2]


# ------------------------------------------------------------------------------------ lsp --tcp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send(sock, payload: dict) -> None:
    body = json.dumps(payload).encode()
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def _messages(sock, buf: bytearray):
    while True:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buf += chunk
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return
            rest += chunk
        buf[:] = rest[length:]
        yield json.loads(rest[:length])


def test_lsp_over_tcp_publishes_diagnostics(tmp_path):
    pytest.importorskip("pygls")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "relulint", "lsp", "--tcp", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"the server did not listen: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        sock.settimeout(60)
        buf = bytearray()
        _send(sock, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
        msgs = _messages(sock, buf)
        init = next(m for m in msgs if m.get("id") == 1)
        assert "capabilities" in init["result"]
        _send(sock, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        path = tmp_path / "m.py"
        text = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
        path.write_text(text)
        _send(sock, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}}})
        diag = next(m for m in msgs if m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == path.as_uri() and m["params"]["diagnostics"])
        (d,) = [d for d in diag["params"]["diagnostics"] if d["code"] == "RL101"]
        assert d["range"]["start"]["line"] == 1 and d["source"] == "relulint"
        _send(sock, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        assert next(m for m in msgs if m.get("id") == 2)["result"] is None
        _send(sock, {"jsonrpc": "2.0", "method": "exit"})
        sock.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
