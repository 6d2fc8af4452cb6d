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


REG_SRC = """
import torch
import torch.nn as nn

class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return torch.relu(self.fc2(h))  # line 13
"""


def test_traced_findings_point_at_the_users_line(tmp_path):
    py, mod = _module(REG_SRC, tmp_path, "ts_lines")
    path = save(mod.Reg(), torch.zeros(2, 4), tmp_path / "reg.pt", "trace")
    (f,) = [f for f in lint_file(path, _settings("mse")).findings if f.code == "RL101"]
    assert (f.origin.path, f.origin.line) == (str(py), 13)
    assert f.origin.node.endswith("(aten::relu)")
    scripted = save(mod.Reg(), torch.zeros(2, 4), tmp_path / "reg_s.pth", "script")
    (f,) = [f for f in lint_file(scripted, _settings("mse")).findings if f.code == "RL101"]
    assert (f.origin.path, f.origin.line) == (str(py), 13)


def test_two_archives_of_one_source_stay_apart_and_name_their_graph(tmp_path):
    """Both archives' findings land on the user's line; each names the archive it came from."""
    py, mod = _module(REG_SRC, tmp_path, "ts_two")
    found = []
    for name in ("a.pt", "b.pt"):
        path = save(mod.Reg(), torch.zeros(2, 4), tmp_path / name, "script")
        (f,) = [f for f in lint_file(path, _settings("mse")).findings if f.code == "RL101"]
        assert (f.origin.path, f.origin.line) == (str(py), 13)
        found.append([text for _, text in f.related if text.startswith("graph ")])
    assert [texts[0].split(",")[0] for texts in found] == ["graph a.pt", "graph b.pt"]


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


def test_setstate_payload_fails_the_test_with_torch_and_creates_nothing_through_relulint(tmp_path):
    """The archive below stores a `__setstate__` that prints a marker: `torch.jit.load` runs it (so
    this test would catch a frontend that loads the file); relulint must only read it."""
    import json
    import subprocess
    import sys

    src = '''
import torch, torch.nn as nn, warnings
from typing import Tuple
warnings.simplefilter("ignore")

class Payload(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2.0

    def forward(self, x):
        return x * self.scale

    @torch.jit.export
    def __getstate__(self) -> Tuple[float, bool]:
        return (self.scale, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[float, bool]) -> None:
        print("RELULINT_MARKER_SETSTATE")
        self.scale = state[0]
        self.training = state[1]

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.p = Payload()

    def forward(self, x):
        return torch.relu(self.p(self.fc(x)))

torch.jit.script(Net().eval()).save(PATH)
'''
    path = tmp_path / "mark.pt"
    (tmp_path / "make_mark.py").write_text(f"PATH = {str(path)!r}\n{src}")
    subprocess.run([sys.executable, str(tmp_path / "make_mark.py")], check=True, timeout=300)
    loaded = subprocess.run([sys.executable, "-c", f"import torch; torch.jit.load({str(path)!r})"],
                            capture_output=True, text=True, timeout=300)
    assert "RELULINT_MARKER_SETSTATE" in loaded.stdout  # the payload is live
    run = subprocess.run([sys.executable, "-m", "relulint", "check", str(path), "--output-format", "json"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "RELULINT_MARKER" not in run.stdout + run.stderr
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr
    json.loads(run.stdout)  # stdout stays a clean report
    # the same archive still lowers: the payload's state is kept as inert data
    from relulint.graph import lower_graph

    facts, err = lower_graph(str(path), Settings())
    assert err is None and [op.kind for op in facts.networks[0].ops][0] == "affine"


def test_graph_pass_never_loads_with_torch(tmp_path, monkeypatch):
    path = save(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU()), torch.zeros(2, 4),
                tmp_path / "m.pt", "script")

    def boom(*a, **k):
        raise AssertionError("the graph pass must not load archives with torch")

    monkeypatch.setattr(torch.jit, "load", boom)
    monkeypatch.setattr(torch, "load", boom)
    monkeypatch.setattr(torch.jit, "_load_for_lite_interpreter", boom, raising=False)
    assert "RL101" in {f.code for f in lint_file(path, _settings("mse")).findings}


def test_linting_an_archive_does_not_import_torch(tmp_path):
    import subprocess
    import sys

    path = save(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), torch.zeros(2, 4), tmp_path / "m.pt", "trace")
    code = ("import sys\nfrom relulint.config import Settings\nfrom relulint.engine import lint_file\n"
            f"lint_file({path!r}, Settings())\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------ crafted archives: RL002


def _rewrite(src: str, dst: Path, change) -> str:
    """Copy archive `src` to `dst`, letting `change(name, data)` return new bytes (or None to drop)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
    return str(dst)


def _good(tmp_path) -> str:
    torch.manual_seed(0)
    return save(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), torch.zeros(2, 4),
                tmp_path / "good.pt", "script")


def test_pickle_global_outside_the_allowlist_is_refused_and_not_called(tmp_path):
    marker = tmp_path / "pwned"
    evil = (b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    path = _rewrite(_good(tmp_path), tmp_path / "evil.pt",
                    lambda n, d: evil if n.endswith("/data.pkl") else d)
    msg = _rl002(path)
    assert "os.system" in msg and "data.pkl" in msg
    assert not marker.exists()
    # a builtins global (eval/exec/getattr) is refused the same way
    evil2 = b"cbuiltins\neval\n(S'1+1'\ntR."
    path2 = _rewrite(_good(tmp_path), tmp_path / "evil2.pt",
                     lambda n, d: evil2 if n.endswith("/data.pkl") else d)
    assert "builtins.eval" in _rl002(path2)


def test_truncated_missing_and_oversized_storages_give_rl002(tmp_path):
    good = _good(tmp_path)
    trunc = _rewrite(good, tmp_path / "trunc.pt", lambda n, d: d[:7] if n.endswith("/data/0") else d)
    assert "data/0" in _rl002(trunc) and "truncated" in _rl002(trunc)
    missing = _rewrite(good, tmp_path / "missing.pt", lambda n, d: None if n.endswith("/data/0") else d)
    assert "data/0" in _rl002(missing)
    garbage = _rewrite(good, tmp_path / "garbage.pt",
                       lambda n, d: b"\x80\x02(((" if n.endswith("/data.pkl") else d)
    assert "data.pkl" in _rl002(garbage)
    badcode = _rewrite(good, tmp_path / "badcode.pt",
                       lambda n, d: b"class (:\n" if "/code/" in n and n.endswith(".py") else d)
    msg = _rl002(badcode)
    assert "/code/__torch__/" in msg and "parse" in msg


def test_zip_bomb_storage_is_refused_before_it_is_inflated(tmp_path):
    import re
    import struct
    import time
    import zipfile

    good = _good(tmp_path)
    numel = 1 << 26  # 256 MiB of float32 claimed by storage "0", deflated to a few hundred KB
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("/data.pkl"):  # ('storage', FloatStorage, '0', 'cpu', 32) -> numel
                data, n = re.subn(rb"(FloatStorage\nq.(?:X\x01\x00\x00\x000q.|h.)(?:X\x03\x00\x00\x00cpuq.|h.))K ",
                                  lambda m: m.group(1) + b"J" + struct.pack("<i", numel), data, count=1,
                                  flags=re.DOTALL)
                assert n == 1
            if info.filename.endswith("/data/0"):
                zout.writestr(info.filename, bytes(numel * 4), compress_type=zipfile.ZIP_DEFLATED)
            else:
                zout.writestr(info, data)
    assert path.stat().st_size < 2 << 20
    start = time.perf_counter()
    msg = _rl002(path)
    assert "zip bomb" in msg and "data/0" in msg
    assert time.perf_counter() - start < 10  # refused from the declared size, not after inflating
    # the zip directory's own size claims do not widen the budget: an unread member that claims
    # 2 GiB compressed changes nothing
    raw = bytearray(path.read_bytes())
    entries = [m.start() for m in re.finditer(rb"PK\x01\x02", raw)]  # central directory records
    (entry,) = [e for e in entries
                if raw[e + 46:e + 46 + struct.unpack("<H", raw[e + 28:e + 30])[0]].endswith(b".data/serialization_id")]
    raw[entry + 20:entry + 24] = struct.pack("<I", 0x7FFFFFFF)
    (tmp_path / "bomb_claims.pt").write_bytes(bytes(raw))
    assert "zip bomb" in _rl002(tmp_path / "bomb_claims.pt")


# ------------------------------------------------------------------ the code walk


def test_scripted_affine_findings_point_at_the_call_in_forward(tmp_path):
    """`torch.linear` sits in torch's own `nn.Linear.forward`; the finding takes the user's call."""
    src, loss, _ = SEEDS["002"]
    py, mod = _module(src, tmp_path, "ts_affine_pos")
    torch.manual_seed(0)
    for how in ("script", "trace"):
        path = save(mod.HandJoints(), mod.EXAMPLE, tmp_path / f"hj_{how}.pt", how)
        findings = lint_file(path, _settings(loss)).findings
        assert all("site-packages" not in f.origin.path for f in findings)
        (f,) = [f for f in findings if f.code == "RL203"]
        assert (f.origin.path, f.origin.line) == (str(py), 18), how  # x = torch.relu(self.fc1(...))


class _Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.seq = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Hardtanh(0.0, 6.0))
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x)) + x
        x = self.seq(x)
        if x.sum() > 0:  # data-dependent: one opaque node in the scripted walk
            x = x * 2
        return nn.functional.softmax(self.head(x), dim=1)


@pytest.mark.parametrize("how", ["script", "trace"])
def test_module_lists_sequentials_functionals_and_data_branches(how, tmp_path):
    from relulint.graph import lower_graph

    path = save(_Branchy(), torch.zeros(2, 8), tmp_path / "b.pt", how)
    facts, err = lower_graph(path, Settings())
    assert err is None
    ops = facts.networks[0].ops
    assert [op.name for op in ops if op.kind == "affine"] == ["blocks.0", "blocks.1", "seq.0", "head"]
    acts = [op.activation.kind for op in ops if op.activation is not None]
    # F.softmax's `if dtype is None` is decided from the archive, so softmax is the last op
    assert acts == ["relu", "relu", "leaky_relu", "relu6", "softmax"]
    assert ops[-1].activation.kind == "softmax"
    opaque = [op for op in ops if op.display.startswith("prim::If")]
    assert bool(opaque) == (how == "script")  # tracing followed one branch


def test_recursive_or_huge_code_is_refused(tmp_path):
    good = save(nn.Sequential(nn.Linear(4, 4), nn.ReLU()), torch.zeros(1, 4), tmp_path / "g.pt", "script")

    def loop(name, data):  # Linear.forward calls itself
        if "modules/linear" in name and name.endswith(".py"):
            return data.replace(b"return torch.linear(input, weight, bias)",
                                b"return (self).forward(torch.linear(input, weight, bias), )")
        return data

    msg = _rl002(_rewrite(good, tmp_path / "rec.pt", loop))
    assert "recursive" in msg


def test_mutated_archives_give_facts_or_rl002_never_a_traceback(tmp_path, capsys):
    """A bounded mutator over real TorchScript and .pt2 archives: byte flips, truncations,
    insertions and token swaps in one member each time."""
    import io
    import random
    import zipfile

    from relulint.graph import lower_graph

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(32, 4), nn.ReLU())
    example = torch.zeros(1, 1, 4, 4)
    sources = [save(model, example, tmp_path / "s.pt", "script"), save(model, example, tmp_path / "t.pt", "trace")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.export.save(torch.export.export(model.eval(), (example,)), str(tmp_path / "m.pt2"))
    sources.append(str(tmp_path / "m.pt2"))
    rng = random.Random(1234)
    tokens = [b"0", b"-1", b"None", b"(", b")", b"self", b"torch.relu", b"[", b"999999999", b"\x80", b"c"]
    outcomes = {"facts": 0, "RL002": 0}
    for i in range(90):
        src = sources[i % len(sources)]
        with zipfile.ZipFile(src) as zin:
            infos = zin.infolist()
            target = rng.choice([x for x in infos if x.file_size])
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as zout:
                for info in infos:
                    d = bytearray(zin.read(info))
                    if info is target:
                        mode = i % 4
                        if mode == 0:
                            for _ in range(rng.randint(1, 8)):
                                d[rng.randrange(len(d))] = rng.randrange(256)
                        elif mode == 1:
                            d = d[: rng.randrange(len(d))]
                        elif mode == 2:
                            at = rng.randrange(len(d))
                            d[at:at] = rng.randbytes(rng.randint(1, 20))
                        else:
                            at = rng.randrange(len(d))
                            d[at:at + rng.randint(0, 5)] = rng.choice(tokens)
                    zout.writestr(info, bytes(d))
        path = tmp_path / f"fz{i}{Path(src).suffix}"
        path.write_bytes(buf.getvalue())
        facts, err = lower_graph(str(path), Settings(input_range=(0.0, 1.0)))
        assert (facts is None) != (err is None)
        if err is not None:
            assert err.code == "RL002" and err.origin.path == str(path)
        outcomes["facts" if err is None else "RL002"] += 1
    assert outcomes["facts"] and outcomes["RL002"]  # both kinds of outcome were exercised
    assert capsys.readouterr().out == ""


class _DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(4, 8), nn.Linear(8, 2), nn.Linear(8, 3)

    def forward(self, x) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        h = torch.relu(self.fc1(x))
        return {"out": (torch.relu(self.fc2(h)), h), "aux": (self.fc3(h), x)}


@pytest.mark.parametrize("how", ["script", "trace"])
def test_dict_and_nested_tuple_outputs_keep_every_head(how, tmp_path):
    from relulint.graph import lower_graph

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        model = _DictOut().eval()
        sm = torch.jit.script(model) if how == "script" else torch.jit.trace(model, torch.zeros(2, 4), strict=False)
        sm.save(str(tmp_path / "d.pt"))
    facts, err = lower_graph(str(tmp_path / "d.pt"), Settings())
    assert err is None
    assert [op.name for op in facts.networks[0].ops if op.kind == "affine"] == ["fc1", "fc2", "fc3"]
