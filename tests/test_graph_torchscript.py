"""The TorchScript frontend: scripted and traced seeds give the source codes, findings point at the
user's Python line, correct models are silent, and checkpoints are refused without unpickling."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from relulint.config import Settings
from relulint.engine import lint_file

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from test_graph_onnx import GRAPH_CODES, SEEDS, _module, _ResNet  # noqa: E402

nn = torch.nn


def save(model, example, path, how: str) -> str:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        model = model.eval()
        sm = torch.jit.script(model) if how == "script" else torch.jit.trace(model, example)
        sm.save(str(path))
    return str(path)


def _settings(loss: str | None = None, **kw) -> Settings:
    s = Settings(**kw)
    s.graph_loss = loss  # the CLI's --loss / [tool.relulint] graph-loss
    return s


@pytest.mark.parametrize("how", ["script", "trace"])
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_saved_gives_source_codes(seed, how, tmp_path):
    src, loss, expected = SEEDS[seed]
    _, mod = _module(src, tmp_path, f"ts_seed{seed}_{how}")
    torch.manual_seed(0)
    cls = [v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, nn.Module)
           and v.__module__ == mod.__name__][0]
    path = save(cls(), mod.EXAMPLE, tmp_path / f"seed{seed}.pt", how)
    got = {f.code for f in lint_file(path, _settings(loss)).findings} & GRAPH_CODES
    assert got == expected


def test_traced_findings_point_at_the_users_line(tmp_path):
    src = """
import torch
import torch.nn as nn

class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.relu(self.fc2(h))
"""
    py, mod = _module(src, tmp_path, "ts_lines")
    path = save(mod.Reg(), torch.zeros(2, 4), tmp_path / "reg.pt", "trace")
    (f,) = [f for f in lint_file(path, _settings("mse")).findings if f.code == "RL101"]
    assert (f.origin.path, f.origin.line) == (str(py), 13)
    assert f.origin.node.endswith("(aten::relu)")
    scripted = save(mod.Reg(), torch.zeros(2, 4), tmp_path / "reg_s.pth", "script")
    (f,) = [f for f in lint_file(scripted, _settings("mse")).findings if f.code == "RL101"]
    assert (f.origin.path, f.origin.line) == (str(py), 13)


def test_lowering_names_layers_from_attributes(tmp_path):
    from relulint.graph import lower_graph

    path = save(_ResNet(), torch.zeros(1, 3, 16, 16), tmp_path / "r.pt", "script")
    facts, err = lower_graph(path, Settings(input_range=(0.0, 1.0)))
    assert err is None
    ops = facts.networks[0].ops
    affine = [op for op in ops if op.kind == "affine"]
    assert [op.name for op in affine][:2] == ["stem.0", "blocks.0.c1"] and affine[-1].name == "fc"
    assert affine[0].fan_in == 27 and affine[-1].fan_in == 16
    assert [op.kind for op in ops].count("norm") == 5
    relus = [op for op in ops if op.activation is not None and op.activation.kind == "relu"]
    assert len(relus) == 5 and all(op.dead_units == (0, 16) for op in relus)


@pytest.mark.parametrize("how", ["script", "trace"])
def test_correct_models_are_silent(how, tmp_path):
    torch.manual_seed(0)
    path = save(_ResNet(), torch.zeros(1, 3, 16, 16), tmp_path / "resnet.pt", how)
    assert lint_file(path, _settings("categorical_crossentropy", input_range=(0.0, 1.0))).findings == []
    reg = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1))
    path = save(reg, torch.zeros(1, 13), tmp_path / "reg.pt", how)
    assert lint_file(path, _settings("mse", input_range=(-3.0, 3.0))).findings == []


def test_seed_004_in_torchscript(tmp_path):
    layer = nn.Linear(4, 8)
    nn.init.uniform_(layer.weight, 0.0, 1.0)
    nn.init.zeros_(layer.bias)
    path = save(nn.Sequential(layer, nn.ReLU(), nn.Linear(8, 1)), torch.zeros(2, 4), tmp_path / "s4.pt", "script")
    (f,) = lint_file(path, Settings(select=["RL501"], input_range=(-1.0, 0.0))).findings
    assert f.message.startswith("8 of 8 units of 0 ")


# ------------------------------------------------------------------------------------ refusals


def _rl002(path) -> str:
    (f,) = lint_file(str(path), Settings()).findings
    assert f.code == "RL002" and f.origin.path == str(path)
    return f.message


def test_state_dict_is_refused_without_unpickling(tmp_path, monkeypatch):
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    torch.save(model, tmp_path / "whole.pth")
    torch.save(model.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)

    def boom(*a, **k):
        raise AssertionError("torch.load must not be called on a checkpoint")

    monkeypatch.setattr(torch, "load", boom)
    monkeypatch.setattr(torch.jit, "load", boom)
    assert "not TorchScript" in _rl002(tmp_path / "sd.pt")
    assert "not TorchScript" in _rl002(tmp_path / "whole.pth")
    assert "not TorchScript" in _rl002(tmp_path / "legacy.pt")


def test_corrupt_torchscript_gives_rl002(tmp_path):
    good = save(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), torch.zeros(1, 4), tmp_path / "good.pt", "script")
    data = Path(good).read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.ptl").write_bytes(np.random.default_rng(0).bytes(2048))
    (tmp_path / "text.torchscript").write_text("hello")
    for name in ("trunc.pt", "noise.ptl", "text.torchscript"):
        msg = _rl002(tmp_path / name)
        assert "TorchScript" in msg or "torch.jit.load failed" in msg
