"""Fuzzing, bounded in time (issue 14): generated programs over the source pass, mutated real model
files, mutated ONNX and TorchScript graphs. Every run must keep the exit contract (0 or 1, no
traceback, no signal death), give each input at most one engine diagnostic, never an internal error,
and leave the findings of the other files intact.

Inputs are derived from fixed seeds so a failure reproduces; `RELULINT_FUZZ_SCALE=10` multiplies the
counts for a longer campaign (the figures in the issue came from such runs)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("RELULINT_FUZZ_SCALE", "1"))
BUGGY = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())\n" \
        "loss_fn = nn.MSELoss()\n"
ENGINE = {"RL000", "RL001", "RL002"}


def run_batch(folder: Path, timeout_s: float = 15) -> tuple[int, list[dict], str]:
    """The CLI over `folder` in a fresh process with a per-file time budget."""
    proc = subprocess.run([sys.executable, "-m", "relulint", "--no-cache", "--output-format", "json", "--jobs", "2",
                           "--timeout", str(timeout_s), "."], cwd=folder, capture_output=True, text=True,
                          timeout=600, check=False)
    found = json.loads(proc.stdout) if proc.stdout.strip() else []
    return proc.returncode, found, proc.stderr


def check_contract(folder: Path, found: list[dict], code: int, err: str, anchor: str) -> dict[str, int]:
    """The exit contract and per-file isolation; returns counts for the figures."""
    assert code in (0, 1), f"exit {code}: {err[-2000:]}"
    assert "Traceback" not in err
    by_file: dict[str, list[dict]] = {}
    for f in found:
        by_file.setdefault(os.path.relpath(f["filename"], folder), []).append(f)
    assert [f["code"] for f in by_file.get(anchor, [])] == ["RL101"], "the good file's finding is lost"
    internal = [f for f in found if f["name"] == "internal-error"]
    assert not internal, internal[:3]
    for name, fs in by_file.items():
        engine = [f for f in fs if f["code"] in ENGINE]
        assert len(engine) <= 1, (name, engine)
    return {"inputs": sum(p.is_file() for p in folder.rglob("*")) - 1, "hangs": sum(f["name"] == "timeout" for f in found),
            "diagnostics": sum(f["code"] in ENGINE for f in found)}


# ------------------------------------------------------------------------------------ generated programs


def test_generated_programs_through_the_source_pass():
    hypothesis = pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")
    from hypothesis import HealthCheck, given, settings

    from relulint.config import Settings
    from relulint.engine import lint_source

    header = "import torch\nimport torch.nn as nn\n"

    @settings(max_examples=25 * SCALE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def lint(code: str) -> None:
        result = lint_source(header + code, "generated.py", Settings(), neighbours=False)
        assert not [f for f in result.findings if f.name == "internal-error"], result.findings
        assert len([f for f in result.findings if f.code in ENGINE]) <= 1

    lint()
    assert hypothesis.__version__


# ------------------------------------------------------------------------------------ mutated sources


def _mutate_source(text: str, rng: random.Random) -> bytes:
    lines = text.splitlines(keepends=True) or ["\n"]
    kind = rng.randrange(9)
    i = rng.randrange(len(lines))
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif kind == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 3:  # numbers: zero, negative, huge, float specials
        import re

        repl = rng.choice(["0", "-1", "10**300", "9**9**9", "float('nan')", "1e309", "2**64", "-0.0"])
        lines[i] = re.sub(r"\b\d+(\.\d+)?\b", repl, lines[i], count=1)
    elif kind == 4:
        lines.insert(i, "x = " + "(" * rng.randrange(50, 150) + "1" + ")" * 150 + "\n")
    elif kind == 5:
        lines.insert(i, "y = " + " or ".join(["a"] * rng.randrange(500, 3000)) + "\n")
    elif kind == 6:
        text = "".join(lines)
        return text.encode()[: rng.randrange(1, max(2, len(text.encode())))]
    elif kind == 7:
        raw = bytearray("".join(lines).encode())
        for _ in range(rng.randrange(1, 8)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    else:
        lines.insert(i, rng.choice(["a = a\n", "n = n * n\n", "b = c\nc = b\n", "def f(x): return f(x)\n",
                                    "nn.Sequential(*[nn.Linear(8, 8)] * 10000)\n", "# -*- coding: latin-1 -*-\n"]))
    return "".join(lines).encode()


def test_mutated_real_model_files(tmp_path):
    seeds = sorted((ROOT / "tests" / "real_models").glob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    rng = random.Random(1414)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "anchor.py").write_text(BUGGY)
    (tmp_path / "m").mkdir()
    for n in range(40 * SCALE):
        seed = rng.choice(seeds)
        (tmp_path / "m" / f"mut{n:03d}_{seed.stem}.py").write_bytes(_mutate_source(seed.read_text(), rng))
    code, found, err = run_batch(tmp_path)
    figures = check_contract(tmp_path, found, code, err, os.path.join("good", "anchor.py"))
    print("source mutants:", figures)


# ------------------------------------------------------------------------------------ graphs


def _onnx_model():
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w1 = numpy_helper.from_array(np.random.default_rng(0).normal(0, 0.5, (8, 4)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(np.random.default_rng(1).normal(0, 0.3, (1, 8)).astype(np.float32), "w2")
    b = numpy_helper.from_array(np.zeros(8, dtype=np.float32), "b")
    nodes = [helper.make_node("Gemm", ["x", "w1", "b"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu1"),
             helper.make_node("Gemm", ["r", "w2"], ["o"], name="fc2", transB=1),
             helper.make_node("Relu", ["o"], ["y"], name="out_relu")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])], [w1, w2, b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.metadata_props.add(key="relulint.loss", value="mse")
    return onnx, m


def _mutate_onnx(onnx, model, rng: random.Random) -> bytes:
    m = type(model)()
    m.CopyFrom(model)
    kind = rng.randrange(8)
    g = m.graph
    if kind == 0:
        t = rng.choice(list(g.initializer))
        t.dims[:] = [rng.choice([-1, 0, 1, 3, 2**31, 2**62]) for _ in range(rng.randrange(0, 4))]
    elif kind == 1:
        del g.initializer[rng.randrange(len(g.initializer))]
    elif kind == 2:
        n = rng.choice(list(g.node))
        if len(n.input):
            n.input[rng.randrange(len(n.input))] = rng.choice(["", "y", "h", "nope", n.output[0]])
    elif kind == 3:
        t = rng.choice(list(g.initializer))
        t.data_type = rng.choice([0, 2, 8, 13, 16, 999])
    elif kind == 4:
        t = rng.choice(list(g.initializer))
        t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data) + 1)]
    elif kind == 5:
        n = rng.choice(list(g.node))
        n.op_type = rng.choice(["Conv", "MatMul", "Add", "BatchNormalization", "Clip", "Foo", ""])
    elif kind == 6:
        n = rng.choice(list(g.node))
        n.doc_string = rng.choice(['File "/etc/passwd", line 1', 'File "../../x.py", line 2', "x.py:-1"])
    data = m.SerializeToString()
    if kind == 7 or rng.random() < 0.3:  # byte-level damage on top
        raw = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw[: rng.randrange(len(raw) // 2, len(raw) + 1)])
    return data


def test_mutated_onnx_graphs(tmp_path):
    onnx, model = _onnx_model()
    rng = random.Random(2024)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "anchor.py").write_text(BUGGY)
    onnx.save(model, str(tmp_path / "good" / "model.onnx"))
    (tmp_path / "g").mkdir()
    for n in range(60 * SCALE):
        (tmp_path / "g" / f"mut{n:03d}.onnx").write_bytes(_mutate_onnx(onnx, model, rng))
    code, found, err = run_batch(tmp_path)
    figures = check_contract(tmp_path, found, code, err, os.path.join("good", "anchor.py"))
    assert "RL101" in [f["code"] for f in found if f["filename"].endswith("model.onnx")]
    print("onnx mutants:", figures)


def test_mutated_torchscript_archives(tmp_path):
    torch = pytest.importorskip("torch")
    import io
    import zipfile

    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1), torch.nn.ReLU())
    torch.jit.script(net.eval()).save(str(tmp_path / "seed.pt"))
    good = (tmp_path / "seed.pt").read_bytes()
    (tmp_path / "seed.pt").unlink()
    rng = random.Random(77)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "anchor.py").write_text(BUGGY)
    (tmp_path / "t").mkdir()
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    for n in range(30 * SCALE):
        kind = rng.randrange(4)
        if kind == 0:  # byte damage
            raw = bytearray(good)
            for _ in range(rng.randrange(1, 10)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            data = bytes(raw)
        elif kind == 1:  # truncation
            data = good[: rng.randrange(1, len(good))]
        else:  # a rebuilt archive with one member dropped, emptied or rewritten
            out = io.BytesIO()
            victim = rng.randrange(len(members))
            with zipfile.ZipFile(out, "w") as z:
                for k, (info, body) in enumerate(members):
                    if k == victim and kind == 2:
                        continue
                    if k == victim:
                        body = rng.choice([b"", body[: len(body) // 2], b"def forward(self, x):\n  return x\n" * 3,
                                           bytes(rng.randrange(256) for _ in range(64))])
                    z.writestr(info.filename, body)
            data = out.getvalue()
        (tmp_path / "t" / f"mut{n:03d}.pt").write_bytes(data)
    code, found, err = run_batch(tmp_path)
    figures = check_contract(tmp_path, found, code, err, os.path.join("good", "anchor.py"))
    print("torchscript mutants:", figures)
