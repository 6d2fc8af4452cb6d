"""RL501 provably-dead-units: the rule's own graph cases, seed 004, and soundness against onnxruntime.

Soundness is the property that matters: a unit reported dead must never be positive for any input
in the declared range. It is checked on random small MLPs (hypothesis) by running the exported
graph in onnxruntime on random inputs and the corners of the input box.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest

from relulint.config import Settings
from relulint.engine import lint_file
from relulint.rules import BY_CODE
from relulint.testing import assert_snapshot, expectations, load_graph_case, render_case, snapshot_path

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RULE = BY_CODE["RL501"]


def _load_case(case, tmp_path, name):
    src, (model, example, rng) = load_graph_case(case.source, tmp_path, name)
    return src, model, example, rng


def _export_onnx(model, example, path, fold=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), dynamo=False, input_names=["x"], do_constant_folding=fold,
                          dynamic_axes={"x": {0: "n"}})


@pytest.mark.parametrize(("i", "valid"), [(i, True) for i in range(len(RULE.VALID))] +
                         [(i, False) for i in range(len(RULE.INVALID))],
                         ids=lambda v: str(v))
def test_rule_cases_traced(i, valid, tmp_path):
    """Each case traced to TorchScript: findings land on the `# expect:` lines of the user's file."""
    case = (RULE.VALID if valid else RULE.INVALID)[i]
    src, model, example, rng = _load_case(case, tmp_path, f"rl501_case_{'v' if valid else 'i'}{i}")
    pt = tmp_path / "model.pt"
    with torch.no_grad():
        torch.jit.trace(model, example).save(str(pt))
    result = lint_file(str(pt), Settings(select=["RL501"], input_range=rng))
    got = {(f.origin.line, f.code) for f in result.findings if f.origin.path == str(src)}
    want = set() if valid else {(ln, c) for ln, c in expectations(case.source) if c == "RL501"}
    assert got == want, [(str(f.origin), f.message) for f in result.findings]
    assert all(f.origin.path == str(src) for f in result.findings)
    snapshots = Path(__file__).resolve().parent / "snapshots"
    assert_snapshot(snapshot_path(snapshots, RULE, valid, case), render_case([result], str(tmp_path)))


@pytest.mark.parametrize(("i", "valid"), [(i, True) for i in range(len(RULE.VALID))] +
                         [(i, False) for i in range(len(RULE.INVALID))],
                         ids=lambda v: str(v))
def test_rule_cases_onnx(i, valid, tmp_path):
    """The same cases exported to ONNX: as many RL501 findings, located on the .onnx with the node."""
    case = (RULE.VALID if valid else RULE.INVALID)[i]
    _, model, example, rng = _load_case(case, tmp_path, f"rl501_onnx_{'v' if valid else 'i'}{i}")
    path = tmp_path / "model.onnx"
    _export_onnx(model, example, path)
    result = lint_file(str(path), Settings(select=["RL501"], input_range=rng))
    want = 0 if valid else len([1 for _, c in expectations(case.source) if c == "RL501"])
    assert len(result.findings) == want, [f.message for f in result.findings]
    for f in result.findings:
        assert f.origin.path == str(path) and f.origin.line == 1
        assert f.origin.node and "(Relu)" in f.origin.node


def test_no_input_range_is_silent(tmp_path):
    _, model, example, _ = _load_case(RULE.INVALID[0], tmp_path, "rl501_norange")
    path = tmp_path / "m.onnx"
    _export_onnx(model, example, path)
    assert lint_file(str(path), Settings(select=["RL501"])).findings == []


def test_message_counts_units(tmp_path):
    _, model, example, rng = _load_case(RULE.INVALID[3], tmp_path, "rl501_msg")
    path = tmp_path / "m.onnx"
    _export_onnx(model, example, path)
    (f,) = lint_file(str(path), Settings(select=["RL501"], input_range=rng)).findings
    assert f.message.startswith("1 of 3 units of ")
    assert "[0, 1]" in f.message
    assert f.evidence["dead_units"] == 1 and f.evidence["units"] == 3


# ------------------------------------------------------------------------------------ seed 004


def _dense_graph(layers, relu_after, matmul=False, name="g"):
    """An MLP as ONNX: layers [(W (out,in), b)], Relu after the layers flagged; every Relu's input
    is also a graph output so tests can read pre-activations."""
    nodes, inits, outputs = [], [], []
    x = "x"
    d_in = layers[0][0].shape[1]
    for k, (w, b) in enumerate(layers):
        wn, bn, y = f"W{k}", f"b{k}", f"z{k}"
        if matmul:
            inits.append(numpy_helper.from_array(w.T.astype(np.float32).copy(), wn))
            inits.append(numpy_helper.from_array(b.astype(np.float32), bn))
            nodes.append(helper.make_node("MatMul", [x, wn], [f"mm{k}"], name=f"mm{k}"))
            nodes.append(helper.make_node("Add", [f"mm{k}", bn], [y], name=f"add{k}"))
        else:
            inits.append(numpy_helper.from_array(w.astype(np.float32), wn))
            inits.append(numpy_helper.from_array(b.astype(np.float32), bn))
            nodes.append(helper.make_node("Gemm", [x, wn, bn], [y], name=f"fc{k}", transB=1))
        x = y
        if relu_after[k]:
            outputs.append(helper.make_tensor_value_info(y, TensorProto.FLOAT, [None, w.shape[0]]))
            nodes.append(helper.make_node("Relu", [y], [f"r{k}"], name=f"relu{k}"))
            x = f"r{k}"
    outputs.insert(0, helper.make_tensor_value_info(x, TensorProto.FLOAT, [None, layers[-1][0].shape[0]]))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, d_in])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def test_seed_004_negative_inputs_positive_weights(tmp_path):
    """Seed 004: inputs in (-1, 0), one ReLU layer with all-positive weights and zero bias: all dead."""
    rng = np.random.default_rng(4)
    w = rng.uniform(0.01, 1.0, size=(8, 4))
    model = _dense_graph([(w, np.zeros(8)), (rng.normal(size=(1, 8)), np.zeros(1))], [True, False])
    path = tmp_path / "seed004.onnx"
    onnx.save(model, str(path))
    (f,) = lint_file(str(path), Settings(select=["RL501"], input_range=(-1.0, 0.0))).findings
    assert f.code == "RL501" and f.message.startswith("8 of 8 units")
    assert f.origin.node == "relu0 (Relu)"
    # the same weights on centred inputs are alive
    assert lint_file(str(path), Settings(select=["RL501"], input_range=(-1.0, 1.0))).findings == []


def test_negative_weights_after_relu(tmp_path):
    """After a ReLU the input is >= 0: a layer with all-negative weights and bias <= 0 never fires."""
    rng = np.random.default_rng(5)
    layers = [(rng.normal(size=(6, 3)), rng.normal(size=6)), (-rng.uniform(0.1, 1, size=(5, 6)), np.zeros(5)),
              (rng.normal(size=(1, 5)), np.zeros(1))]
    path = tmp_path / "neg.onnx"
    onnx.save(_dense_graph(layers, [True, True, False], matmul=True), str(path))
    findings = lint_file(str(path), Settings(select=["RL501"], input_range=(-3.0, 3.0))).findings
    assert [f.origin.node for f in findings] == ["relu1 (Relu)"]
    assert findings[0].message.startswith("5 of 5 units of mm1 ")


# ------------------------------------------------------------------------------------ soundness


def _bounds(path, input_range):
    from relulint.graph import onnx_frontend

    bounds: dict = {}
    onnx_frontend.lower(str(path), Settings(input_range=input_range), bounds=bounds)
    return bounds


def _samples(d_in, lo, hi, rng, n=256):
    xs = rng.uniform(lo, hi, size=(n, d_in))
    if d_in <= 6:  # every corner of the box: where linear extremes live
        corners = np.array(list(itertools.product([lo, hi], repeat=d_in)))
        xs = np.concatenate([xs, corners])
    return xs.astype(np.float32)


@st.composite
def mlps(draw):
    n_layers = draw(st.integers(1, 3))
    dims = [draw(st.integers(1, 6)) for _ in range(n_layers + 1)]
    seed = draw(st.integers(0, 2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    layers = []
    for k in range(n_layers):
        mode = draw(st.sampled_from(["normal", "positive", "negative", "mixed_bias"]))
        shape = (dims[k + 1], dims[k])
        if mode == "normal":
            w, b = rng.normal(size=shape), rng.normal(size=shape[0]) * 0.5
        elif mode == "positive":
            w, b = rng.uniform(0, 1, size=shape), np.zeros(shape[0])
        elif mode == "negative":
            w, b = -rng.uniform(0, 1, size=shape), -rng.uniform(0, 0.5, size=shape[0])
        else:
            w, b = rng.normal(size=shape), rng.normal(size=shape[0]) * 3 - 1
        layers.append((w, b))
    lo = draw(st.floats(-5, 5, allow_nan=False))
    hi = draw(st.floats(-5, 5, allow_nan=False))
    lo, hi = min(lo, hi), max(lo, hi)
    relu_after = [True] * n_layers
    matmul = draw(st.booleans())
    return layers, relu_after, (lo, hi), matmul, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mlps())
def test_soundness_random_mlps(tmp_path, case):
    """Every pre-activation onnxruntime computes lies inside the box; a 'dead' unit is never > 0."""
    layers, relu_after, (lo, hi), matmul, seed = case
    path = tmp_path / "mlp.onnx"
    onnx.save(_dense_graph(layers, relu_after, matmul=matmul), str(path))
    bounds = _bounds(path, (lo, hi))
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    xs = _samples(layers[0][0].shape[1], lo, hi, np.random.default_rng(seed))
    outs = sess.run(None, {"x": xs})
    names = [o.name for o in sess.get_outputs()]
    for k in range(len(layers)):
        key = f"relu{k}"
        assert key in bounds
        box = bounds[key]
        z = outs[names.index(f"z{k}")]
        blo, bhi = box.vector(z.shape[1])
        assert np.all(z >= blo - 0.0) and np.all(z <= bhi + 0.0), (k, z.min(0), blo, z.max(0), bhi)
        dead = bhi <= 0
        assert not np.any(z[:, dead] > 0)


def test_soundness_cnn_against_onnxruntime(tmp_path):
    """Conv + BatchNorm + MaxPool + Flatten + Gemm exported from torch: bounds hold on random inputs."""
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 4, 3, groups=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 2 * 2, 5), nn.ReLU())
    with torch.no_grad():
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
        model[4].bias.fill_(-0.3)
    model.eval()
    path = tmp_path / "cnn.onnx"
    _export_onnx(model, torch.zeros(1, 3, 8, 8), path, fold=False)  # keep BatchNormalization
    assert any(n.op_type == "BatchNormalization" for n in onnx.load(str(path)).graph.node)
    bounds = _bounds(path, (0.0, 1.0))
    relus = [n for n in onnx.load(str(path)).graph.node if n.op_type == "Relu"]
    m = onnx.load(str(path))
    m.graph.output.extend([helper.make_tensor_value_info(n.input[0], TensorProto.FLOAT, None) for n in relus])
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    xs = np.random.default_rng(0).uniform(0, 1, size=(64, 3, 8, 8)).astype(np.float32)
    outs = sess.run(None, {sess.get_inputs()[0].name: xs})[1:]
    for n, z in zip(relus, outs, strict=True):
        box = bounds[n.name]
        per_unit = z.reshape(z.shape[0], z.shape[1], -1)
        assert box.layout in ("channels", "flat")
        assert np.all(per_unit.min(axis=(0, 2)) >= box.lo) and np.all(per_unit.max(axis=(0, 2)) <= box.hi)
