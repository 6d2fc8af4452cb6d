"""`.pt2` (torch.export) read as data: the same models exported to ONNX, TorchScript and `.pt2` give
the same codes, findings point at the user's line, decomposed programs lower the same, and broken
archives are one RL002."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import lint_file

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
from test_graph_onnx import GRAPH_CODES, SEEDS, _module, _ResNet, export  # noqa: E402
from test_graph_torchscript import REG_SRC, _rewrite, _rl002, _settings, save  # noqa: E402

nn = torch.nn


def save_pt2(model, example, path, decompose: bool = False) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model.eval(), (example,))
        if decompose:
            ep = ep.run_decompositions()
        torch.export.save(ep, str(path))
    return str(path)


def _codes(path, loss=None, **kw) -> set[str]:
    return {f.code for f in lint_file(str(path), _settings(loss, **kw)).findings}


def _seed_model(seed, tmp_path, tag):
    src, loss, expected = SEEDS[seed]
    py, mod = _module(src, tmp_path, f"pt2_seed{seed}_{tag}")
    torch.manual_seed(0)
    cls = [v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, nn.Module)
           and v.__module__ == mod.__name__][0]
    return py, cls().eval(), mod.EXAMPLE, loss, expected


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_onnx_torchscript_and_pt2_agree(seed, tmp_path):
    py, model, example, loss, expected = _seed_model(seed, tmp_path, "agree")
    onnx_codes = _codes(export(model, example, tmp_path / "m.onnx", loss=loss)) & GRAPH_CODES
    traced = _codes(save(model, example, tmp_path / "t.pt", "trace"), loss) & GRAPH_CODES
    scripted = _codes(save(model, example, tmp_path / "s.pt", "script"), loss) & GRAPH_CODES
    pt2 = _codes(save_pt2(model, example, tmp_path / "m.pt2"), loss) & GRAPH_CODES
    decomposed = _codes(save_pt2(model, example, tmp_path / "d.pt2", decompose=True), loss) & GRAPH_CODES
    assert onnx_codes == traced == scripted == pt2 == decomposed == expected


def test_pt2_findings_point_at_the_users_line(tmp_path):
    py, mod = _module(REG_SRC, tmp_path, "pt2_lines")
    path = save_pt2(mod.Reg(), torch.zeros(2, 4), tmp_path / "reg.pt2")
    (f,) = [f for f in lint_file(path, _settings("mse")).findings if f.code == "RL101"]
    assert (f.origin.path, f.origin.line) == (str(py), 13)
    assert f.origin.node.endswith("(aten::relu)")


def test_pt2_lowering_names_layers_and_keeps_norms(tmp_path):
    from relulint.graph import lower_graph

    for decompose in (False, True):
        path = save_pt2(_ResNet(), torch.zeros(1, 3, 16, 16), tmp_path / f"r{decompose}.pt2", decompose)
        facts, err = lower_graph(path, Settings(input_range=(0.0, 1.0)))
        assert err is None
        ops = facts.networks[0].ops
        affine = [op for op in ops if op.kind == "affine"]
        assert [op.name for op in affine][:2] == ["stem.0", "blocks.0.c1"] and affine[-1].name == "fc"
        assert affine[0].fan_in == 27 and affine[-1].fan_in == 16
        assert [op.kind for op in ops].count("norm") == 5
        relus = [op for op in ops if op.activation is not None and op.activation.kind == "relu"]
        assert len(relus) == 5 and all(op.dead_units == (0, 16) for op in relus)


def test_correct_pt2_models_are_silent(tmp_path):
    torch.manual_seed(0)
    path = save_pt2(_ResNet(), torch.zeros(1, 3, 16, 16), tmp_path / "resnet.pt2")
    assert lint_file(path, _settings("categorical_crossentropy", input_range=(0.0, 1.0))).findings == []
    reg = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1))
    path = save_pt2(reg, torch.zeros(1, 13), tmp_path / "reg.pt2")
    assert lint_file(path, _settings("mse", input_range=(-3.0, 3.0))).findings == []


def test_pt2_is_never_loaded_with_torch(tmp_path, monkeypatch):
    import subprocess
    import sys

    path = save_pt2(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU()), torch.zeros(2, 4),
                    tmp_path / "m.pt2")

    def boom(*a, **k):
        raise AssertionError("the graph pass must not load archives with torch")

    monkeypatch.setattr(torch.export, "load", boom)
    monkeypatch.setattr(torch, "load", boom)
    assert "RL101" in _codes(path, "mse")
    code = ("import sys\nfrom relulint.config import Settings\nfrom relulint.engine import lint_file\n"
            f"lint_file({path!r}, Settings())\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------ broken archives: RL002


def test_broken_pt2_archives_give_rl002(tmp_path):
    good = save_pt2(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), torch.zeros(2, 4), tmp_path / "good.pt2")
    trunc = _rewrite(good, tmp_path / "trunc.pt2", lambda n, d: d[:5] if n.endswith("weights/weight_0") else d)
    assert "weight_0" in _rl002(trunc)
    nograph = _rewrite(good, tmp_path / "nograph.pt2", lambda n, d: None if n.endswith("models/model.json") else d)
    assert "ExportedProgram" in _rl002(nograph)
    garbage = _rewrite(good, tmp_path / "garbage.pt2", lambda n, d: b"{not json" if n.endswith("model.json") else d)
    assert "model.json" in _rl002(garbage)
    (tmp_path / "noise.pt2").write_bytes(b"\x00" * 100)
    assert ".pt2" in _rl002(tmp_path / "noise.pt2")
    data = Path(good).read_bytes()
    (tmp_path / "half.pt2").write_bytes(data[: len(data) // 2])
    assert ".pt2" in _rl002(tmp_path / "half.pt2")


def test_pickled_weights_are_not_unpickled(tmp_path):
    """`torch.export.load` would `torch.load(weights_only=False)` a `use_pickle` weight; relulint
    leaves it unread (the layer's weights are unknown) and still lints the rest."""
    good = save_pt2(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU()), torch.zeros(2, 4),
                    tmp_path / "good.pt2")
    marker = tmp_path / "pwned"
    evil = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."

    def change(name, data):
        if name.endswith("model_weights_config.json"):
            cfg = json.loads(data)
            cfg["config"]["0.weight"]["use_pickle"] = True
            return json.dumps(cfg).encode()
        return evil if name.endswith("weights/weight_0") else data

    path = _rewrite(good, tmp_path / "pickled.pt2", change)
    findings = lint_file(path, _settings("mse")).findings
    assert not marker.exists()
    assert "RL101" in {f.code for f in findings}


class _RawPixels(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = x.float()
        x = torch.relu(self.conv(x))
        return self.fc(x.mean((2, 3)))


def test_uint8_input_reaches_rl301_in_every_format(tmp_path):
    model, example = _RawPixels().eval(), torch.zeros(1, 3, 8, 8, dtype=torch.uint8)
    paths = [export(model, example, tmp_path / "u8.onnx"), save(model, example, tmp_path / "u8.pt", "trace"),
             save_pt2(model, example, tmp_path / "u8.pt2")]
    for path in paths:
        (f,) = lint_file(path, Settings()).findings
        assert f.code == "RL301" and f.message.startswith("uint8 data in [0, 255]"), (path, f.message)
    # the same network fed float32 examples: no dtype evidence, no finding
    as_float = torch.zeros(1, 3, 8, 8)
    for path in (save(model, as_float, tmp_path / "f.pt", "trace"), save_pt2(model, as_float, tmp_path / "f.pt2")):
        assert lint_file(path, Settings()).findings == []
