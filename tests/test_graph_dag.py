"""Graphs lowered into the DAG IR: residual adds, branches, two heads, interleaved node order.

Each ONNX graph is written node by node (onnx.helper), so the node order and the edges are exactly
the ones under test; the torch models check that ONNX, TorchScript and .pt2 give the same DAG.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from relulint.config import Settings
from relulint.engine import lint_file
from relulint.graph import lower_graph
from relulint.ir import NETWORK_INPUT

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

W = 8


def _graph(path, nodes, outputs: list[str], weights: dict[str, float], loss: str | None = "mse") -> str:
    """`weights`: Gemm name -> mean of its (W x W) weight (0.0: a zero-mean He init)."""
    rng = np.random.default_rng(0)
    inits = []
    for name, mean in weights.items():
        w = (rng.standard_normal((W, W)) * np.sqrt(2 / W) + mean).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"{name}.w"), numpy_helper.from_array(np.zeros(W, np.float32), f"{name}.b")]
    g = helper.make_graph(nodes, "dag", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, W])],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, W]) for o in outputs], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    if loss:
        helper.set_model_props(m, {"relulint.loss": loss})
    onnx.save(m, str(path))
    return str(path)


def gemm(name: str, x: str, out: str):
    return helper.make_node("Gemm", [x, f"{name}.w", f"{name}.b"], [out], name=name, transB=1)


def relu(name: str, x: str, out: str):
    return helper.make_node("Relu", [x], [out], name=name)


def add(name: str, a: str, b: str, out: str):
    return helper.make_node("Add", [a, b], [out], name=name)


def codes(path: str, **settings) -> list[tuple[str, str]]:
    return sorted((f.code, f.origin.node) for f in lint_file(path, Settings(**settings)).findings)


def network(path: str):
    facts, err = lower_graph(path, Settings())
    assert err is None
    return facts.networks[0]


def test_relu_into_a_residual_add_then_a_final_linear_is_silent(tmp_path):
    path = _graph(tmp_path / "m.onnx", [gemm("fc1", "x", "h"), relu("r1", "h", "a"), add("skip", "a", "x", "s"),
                                        gemm("out", "s", "y")], ["y"], {"fc1": 0.0, "out": 0.0})
    net = network(path)
    assert [op.inputs for op in net.ops] == [None, None, (1, NETWORK_INPUT), None]
    assert net.output_activation() is None
    assert [c for c, _ in codes(path)] == []


def test_residual_add_as_the_output_is_not_a_relu_output(tmp_path):
    """relu(fc1(x)) + x leaves the network: it can be negative, so no RL101 (the list IR fired here)."""
    path = _graph(tmp_path / "m.onnx", [gemm("fc1", "x", "h"), relu("r1", "h", "a"), add("skip", "a", "x", "y")],
                  ["y"], {"fc1": 0.0})
    assert [c for c, _ in codes(path)] == []


def test_final_linear_then_relu_after_a_residual_add_fires(tmp_path):
    path = _graph(tmp_path / "m.onnx", [gemm("fc1", "x", "h"), relu("r1", "h", "a"), add("skip", "a", "x", "s"),
                                        gemm("out", "s", "z"), relu("r_out", "z", "y")], ["y"], {"fc1": 0.0, "out": 0.0})
    assert codes(path) == [("RL101", "r_out (Relu)")]


def test_two_headed_network(tmp_path):
    trunk = [gemm("fc", "x", "h"), relu("r", "h", "a")]
    mixed = _graph(tmp_path / "mixed.onnx", trunk + [gemm("fa", "a", "za"), relu("ra", "za", "ya"),
                                                     gemm("fb", "a", "yb")], ["ya", "yb"], {"fc": 0.0, "fa": 0.0, "fb": 0.0})
    net = network(mixed)
    assert net.output_indices() == [3, 4]
    assert codes(mixed) == []  # which head the loss reads is unknown: silent
    both = _graph(tmp_path / "both.onnx", trunk + [gemm("fa", "a", "za"), relu("ra", "za", "ya"),
                                                   gemm("fb", "a", "zb"), relu("rb", "zb", "yb")],
                  ["ya", "yb"], {"fc": 0.0, "fa": 0.0, "fb": 0.0})
    assert codes(both) == [("RL101", "ra (Relu)")]  # every head clamps: whichever the loss reads


def test_hidden_features_returned_beside_the_output(tmp_path):
    """The ReLU features are a graph output and feed the last layer: two heads that disagree."""
    path = _graph(tmp_path / "m.onnx", [gemm("fc", "x", "h"), relu("r", "h", "feat"), gemm("out", "feat", "y")],
                  ["feat", "y"], {"fc": 0.0, "out": 0.0})
    assert network(path).output_indices() == [1, 2]
    assert codes(path) == []


def test_interleaved_branches_keep_one_finding_per_layer(tmp_path):
    """ONNX order a1, b1, relu(a1), relu(b1), concat: each branch layer still feeds its own ReLU."""
    nodes = [gemm("a1", "x", "ha"), gemm("b1", "x", "hb"), relu("ra", "ha", "aa"), relu("rb", "hb", "ab"),
             helper.make_node("Concat", ["aa", "ab"], ["c"], name="cat", axis=1),
             helper.make_node("Gemm", ["c", "out.w", "out.b"], ["y"], name="out", transB=1)]
    rng = np.random.default_rng(1)
    path = _graph(tmp_path / "m.onnx", nodes, ["y"], {"a1": 0.5, "b1": 0.5}, loss=None)
    m = onnx.load(path)
    m.graph.initializer.extend([numpy_helper.from_array(rng.normal(0, 0.25, (1, 2 * W)).astype(np.float32), "out.w"),
                                numpy_helper.from_array(np.zeros(1, np.float32), "out.b")])
    onnx.save(m, path)
    net = network(path)
    assert net.activation_after(0).kind == "relu" and net.activation_after(1).kind == "relu"
    assert net.ops[4].inputs == (2, 3)
    assert codes(path) == [("RL201", "a1 (Gemm)"), ("RL201", "b1 (Gemm)")]


def test_a_layer_whose_value_fans_out_is_not_judged_against_one_branch(tmp_path):
    """fc1's value feeds a ReLU and the skip: the init rules that need "the activation after fc1"
    stay silent on it (a positive mean is no longer only in front of a ReLU)."""
    path = _graph(tmp_path / "m.onnx", [gemm("fc1", "x", "h"), relu("r1", "h", "a"), add("skip", "a", "h", "s"),
                                        gemm("out", "s", "y")], ["y"], {"fc1": 0.5, "out": 0.0}, loss=None)
    net = network(path)
    assert net.consumers(0) == [1, 2] and net.activation_after(0) is None
    assert [c for c, _ in codes(path) if c == "RL201"] == []


def test_small_layers_get_their_statistics_in_batches(tmp_path):
    """A deep stack of small layers (batched statistics) gives numpy's figures per layer, and the
    same figures as the layer lowered alone, with and without an input range."""
    rng = np.random.default_rng(3)
    n_layers = 40
    nodes, inits, x = [], [], "x"
    weights = []
    for k in range(n_layers):
        w = rng.normal(0.3 * (k % 3), 0.1 + k / 100, (W, W)).astype(np.float32)
        if k == 7:
            w[:] = 0.25  # a constant layer: exact figures, std 0
        weights.append(w)
        inits += [numpy_helper.from_array(w, f"fc{k}.w"), numpy_helper.from_array(np.zeros(W, np.float32), f"fc{k}.b")]
        nodes += [gemm(f"fc{k}", x, f"z{k}"), relu(f"r{k}", f"z{k}", f"a{k}")]
        x = f"a{k}"
    g = helper.make_graph(nodes, "deep", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, W])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, W])], inits)
    path = str(tmp_path / "deep.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
    runs = []
    for input_range in (None, (0.0, 1.0)):
        facts, err = lower_graph(path, Settings(input_range=input_range))
        assert err is None
        runs.append([op.weight_stats for op in facts.networks[0].ops if op.kind == "affine"])
    assert runs[0] == runs[1] and len(runs[0]) == n_layers
    for st, w in zip(runs[0], weights, strict=True):
        w64 = w.astype(np.float64)
        assert st.count == w.size and st.min == w64.min() and st.max == w64.max()
        assert st.mean == pytest.approx(w64.mean(), rel=1e-12, abs=1e-15)
        assert st.std == pytest.approx(w64.std(), rel=1e-9, abs=1e-15)
    assert runs[0][7].std == 0.0 and runs[0][7].mean == pytest.approx(0.25)
    alone = _graph(tmp_path / "one.onnx", [gemm("fc0", "x", "y")], ["y"], {}, loss=None)
    m = onnx.load(alone)
    m.graph.initializer.extend([numpy_helper.from_array(weights[5], "fc0.w"),
                                numpy_helper.from_array(np.zeros(W, np.float32), "fc0.b")])
    onnx.save(m, alone)
    assert network(alone).ops[0].weight_stats == runs[0][5]


# ------------------------------------------------------------------------------ torch formats

torch = pytest.importorskip("torch")
nn = torch.nn


class Residual(nn.Module):
    """x -> fc1 -> relu -> (+ x) -> out -> relu: a residual MLP with a clamped output."""

    def __init__(self, clamp: bool):
        super().__init__()
        self.fc1 = nn.Linear(W, W)
        self.out = nn.Linear(W, W)
        self.clamp = clamp

    def forward(self, x):
        h = torch.relu(self.fc1(x)) + x
        y = self.out(h)
        return torch.relu(y) if self.clamp else y


def _export(model, path, fmt: str) -> str:
    x = torch.zeros(1, W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "onnx":
            torch.onnx.export(model.eval(), (x,), str(path), dynamo=False)
        elif fmt == "torchscript":
            torch.jit.trace(model.eval(), x).save(str(path))
        else:
            torch.export.save(torch.export.export(model.eval(), (x,)), str(path))
    return str(path)


@pytest.mark.parametrize("fmt,suffix", [("onnx", "onnx"), ("torchscript", "pt"), ("pt2", "pt2")])
def test_residual_model_in_every_format(fmt, suffix, tmp_path):
    torch.manual_seed(0)
    for clamp in (False, True):
        path = _export(Residual(clamp), tmp_path / f"r{int(clamp)}.{suffix}", fmt)
        net = network(path)
        joins = [op for i, op in enumerate(net.ops) if len(net.inputs_of(i)) == 2]
        assert len(joins) == 1 and joins[0].kind == "other"  # the residual add reads relu and the input
        assert NETWORK_INPUT in joins[0].inputs
        found = [f.code for f in lint_file(path, Settings(graph_loss="mse")).findings]
        assert found == (["RL101"] if clamp else []), (fmt, clamp, found)
