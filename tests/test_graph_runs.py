"""Block ops (relulint/graph/runs.py): a run of repeated layers lowered in vectorised steps answers
exactly as the per-node path does, op for op and finding for finding.

Every case lints the same file twice, with runs and the bulk field reader (the default) and with
`onnx_frontend.RUNS` and `onnx_frontend.BULK` off, and compares the findings (code, message, position, node, evidence, related locations) and the IR
(every op, made on demand from the block). Graphs are generated: uniform chains, chains with one odd
layer in the middle, MatMul + bias Add, BatchNorm / Dropout in the pattern, residual graphs (no
block: the per-node path both ways), external data, with and without an input range.
"""

from __future__ import annotations

import os
import random

import pytest

np = pytest.importorskip("numpy")
onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from relulint.config import Settings  # noqa: E402
from relulint.engine import lint_file  # noqa: E402
from relulint.graph import onnx_frontend  # noqa: E402
from relulint.graph.runs import RunNetwork  # noqa: E402

# weight draws: (mean, std multiple of He) -> what the init rules make of them
DISTS = {"he": (0.0, 1.0), "pos": (None, None), "tiny": (0.0, 0.01), "huge": (0.0, 40.0), "const": (0.05, 0.0)}


def _weights(rng, dist: str, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    he = (2.0 / fan_in) ** 0.5
    if dist == "pos":
        return rng.uniform(0.0, 1.0, shape).astype(np.float32)
    mean, mult = DISTS[dist]
    return (mean + rng.standard_normal(shape) * he * mult).astype(np.float32)


class Builder:
    """A chain (or residual graph) of layers written with onnx.helper."""

    def __init__(self, width: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.x = "x"
        self.width = width
        self.in_width = width
        self.k = 0

    def name(self, base: str) -> str:
        self.k += 1
        return f"{base}{self.k}"

    def layer(self, act: str | None = "Relu", dist: str = "he", out: int | None = None, form: str = "gemm",
              bn: bool = False, dropout: bool = False, alpha: float | None = None) -> None:
        fan_in, out = self.width, out or self.width
        n = self.name("fc")
        if form == "matmul":  # how exporters write Linear: MatMul + bias Add
            w = _weights(self.rng, dist, fan_in, (out, fan_in)).T.copy()
            self.inits += [numpy_helper.from_array(w, f"W{n}"), numpy_helper.from_array(np.zeros(out, np.float32), f"b{n}")]
            self.nodes.append(helper.make_node("MatMul", [self.x, f"W{n}"], [f"m{n}"], name=f"{n}_mm"))
            self.nodes.append(helper.make_node("Add", [f"m{n}", f"b{n}"], [f"z{n}"], name=f"{n}_add"))
        else:
            trans = form == "gemm"
            w = _weights(self.rng, dist, fan_in, (out, fan_in))
            self.inits += [numpy_helper.from_array(w if trans else w.T.copy(), f"W{n}"),
                           numpy_helper.from_array(self.rng.uniform(-0.1, 0.1, out).astype(np.float32), f"b{n}")]
            self.nodes.append(helper.make_node("Gemm", [self.x, f"W{n}", f"b{n}"], [f"z{n}"], name=n,
                                               transB=1 if trans else 0))
        self.x = f"z{n}"
        self.width = out
        if bn:
            b = self.name("bn")
            vals = [np.ones(out), np.zeros(out), self.rng.uniform(-1, 1, out), self.rng.uniform(0.5, 2, out)]
            names = [f"{b}_{p}" for p in ("s", "b", "m", "v")]
            self.inits += [numpy_helper.from_array(v.astype(np.float32), nm) for v, nm in zip(vals, names, strict=True)]
            self.nodes.append(helper.make_node("BatchNormalization", [self.x, *names], [f"y{b}"], name=b))
            self.x = f"y{b}"
        if act is not None:
            a = self.name("act")
            kw = {"alpha": alpha} if alpha is not None else {}
            self.nodes.append(helper.make_node(act, [self.x], [f"a{a}"], name=a, **kw))
            self.x = f"a{a}"
        if dropout:
            d = self.name("drop")
            self.nodes.append(helper.make_node("Dropout", [self.x], [f"d{d}"], name=d))
            self.x = f"d{d}"

    def residual(self) -> None:
        """x + relu(gemm(x)): a join, so the graph is no chain."""
        skip = self.x
        self.layer("Relu")
        r = self.name("res")
        self.nodes.append(helper.make_node("Add", [self.x, skip], [f"r{r}"], name=r))
        self.x = f"r{r}"

    def save(self, path, meta: dict | None = None, uint8: bool = False) -> str:
        inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, self.in_width])]
        if uint8:  # raw pixels cast to float: RL301's case
            inputs = [helper.make_tensor_value_info("raw", TensorProto.UINT8, [None, self.in_width])]
            self.nodes.insert(0, helper.make_node("Cast", ["raw"], ["x"], name="cast", to=TensorProto.FLOAT))
        g = helper.make_graph(self.nodes, "chain", inputs,
                              [helper.make_tensor_value_info(self.x, TensorProto.FLOAT, None)], self.inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        if meta:
            helper.set_model_props(model, meta)
        onnx.save(model, str(path))
        return str(path)


def _external(path: str) -> str:
    out = path.replace(".onnx", "_ext.onnx")
    onnx.save_model(onnx.load(path), out, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="w.bin", size_threshold=0)
    return out


def _lint(path: str, runs: bool, settings: Settings, monkeypatch):
    """Block ops and the bulk reader (onnx_bulk) on, or both off: the per-node path reading every
    node's fields one by one."""
    monkeypatch.setattr(onnx_frontend, "RUNS", runs)
    monkeypatch.setattr(onnx_frontend, "BULK", runs)
    return lint_file(path, settings)


def _same(path: str, settings: Settings, monkeypatch, expect_block: bool | None = None):
    fast = _lint(path, True, settings, monkeypatch)
    slow = _lint(path, False, settings, monkeypatch)
    f_net, s_net = fast.facts.networks[0], slow.facts.networks[0]
    assert type(s_net) is not RunNetwork
    if expect_block is not None:
        assert isinstance(f_net, RunNetwork) == expect_block
    key = [(f.code, f.message, f.origin, f.evidence, f.related) for f in fast.findings]
    assert key == [(f.code, f.message, f.origin, f.evidence, f.related) for f in slow.findings]
    assert len(f_net.ops) == len(s_net.ops)
    assert list(f_net.ops) == list(s_net.ops)  # every op, made from the block, as the per-node path made it
    assert f_net.output_indices() == s_net.output_indices()
    assert f_net.inputs == s_net.inputs
    return fast.findings


SETTINGS = [Settings(), Settings(input_range=(0.0, 1.0)), Settings(input_range=(-1.0, 0.0), graph_loss="mse")]


@pytest.mark.parametrize("dist,code", [("he", None), ("pos", "RL201"), ("tiny", "RL202"), ("huge", "RL203"),
                                       ("const", None)])
def test_uniform_chain_gives_the_per_node_findings(dist, code, tmp_path, monkeypatch):
    b = Builder(8, 1)
    for _ in range(30):
        b.layer("Relu", dist)
    path = b.save(tmp_path / "m.onnx")
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    codes = [f.code for f in found]
    if code is None:
        assert code not in codes
    else:  # one finding per offending node, each named by its node
        assert codes.count(code) == 30
        assert len({f.origin.node for f in found if f.code == code}) == 30
    for s in SETTINGS[1:]:
        _same(path, s, monkeypatch)


@pytest.mark.parametrize("odd", ["sigmoid", "width", "positive", "leaky", "clip", "transposed"])
def test_one_odd_layer_in_the_middle(odd, tmp_path, monkeypatch):
    b = Builder(8, 2)
    for i in range(41):
        if i != 20:
            b.layer("Relu")
        elif odd == "sigmoid":
            b.layer("Sigmoid")
        elif odd == "width":
            b.layer("Relu", out=12)
        elif odd == "positive":
            b.layer("Relu", "pos")
        elif odd == "leaky":
            b.layer("LeakyRelu", alpha=0.001)
        elif odd == "transposed":
            b.layer("Relu", form="gemm_t")
        else:
            b.nodes.append(helper.make_node("Clip", [b.x], ["clipped"], name="clip", min=0.0, max=6.0))
            b.x = "clipped"
    path = b.save(tmp_path / "m.onnx")
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    if odd == "positive":
        assert [f.origin.node for f in found if f.code == "RL201"] == ["fc41 (Gemm)"]
    for s in SETTINGS[1:]:
        _same(path, s, monkeypatch)


@pytest.mark.parametrize("shape", ["matmul", "bn", "dropout", "selu", "sigmoid_out"])
def test_patterns(shape, tmp_path, monkeypatch):
    b = Builder(6, 3)
    for i in range(24):
        if shape == "matmul":
            b.layer("Relu", "pos" if i % 7 == 3 else "he", form="matmul")
        elif shape == "bn":
            b.layer("Relu", bn=True)
        elif shape == "dropout":
            b.layer("Relu", "tiny", dropout=True)
        elif shape == "selu":
            b.layer("Selu", "huge" if i == 5 else "he", dropout=i % 2 == 0)
        else:
            b.layer("Relu" if i < 23 else "Sigmoid")
    path = b.save(tmp_path / "m.onnx", meta={"relulint.loss": "mse"})
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    if shape == "selu":
        assert "RL204" in {f.code for f in found}
    if shape == "sigmoid_out":
        assert "RL102" in {f.code for f in found}
    for s in SETTINGS[1:]:
        _same(path, s, monkeypatch)


def test_relu_output_regression_and_raw_input(tmp_path, monkeypatch):
    b = Builder(8, 4)
    for _ in range(20):
        b.layer("Relu")
    path = b.save(tmp_path / "m.onnx", meta={"relulint.loss": "mse"}, uint8=True)
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    assert {"RL101", "RL301"} <= {f.code for f in found}


def test_trained_weights_stay_silent_in_a_block(tmp_path, monkeypatch):
    b = Builder(8, 5)
    for _ in range(20):
        b.layer("Relu", "pos")
    path = b.save(tmp_path / "m.onnx", meta={"relulint.weights": "trained"})
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    assert not any(f.code.startswith("RL2") for f in found)


def test_residual_graph_takes_the_per_node_path(tmp_path, monkeypatch):
    b = Builder(8, 6)
    for i in range(30):
        b.residual() if i % 3 == 0 else b.layer("Relu", "pos" if i == 10 else "he")
    path = b.save(tmp_path / "m.onnx")
    for s in SETTINGS:
        _same(path, s, monkeypatch, expect_block=False)


def test_external_data_block_reads_the_same_weights(tmp_path, monkeypatch):
    b = Builder(8, 7)
    for i in range(40):
        b.layer("Relu", "pos" if i in (3, 30) else "tiny" if i > 33 else "he")
    path = b.save(tmp_path / "m.onnx")
    ext = _external(path)
    inline = _same(path, Settings(), monkeypatch, expect_block=True)
    external = _same(ext, Settings(), monkeypatch, expect_block=True)
    assert [(f.code, f.message, f.origin.node) for f in inline] == [(f.code, f.message, f.origin.node) for f in external]
    for s in SETTINGS[1:]:
        _same(ext, s, monkeypatch)


def test_bounds_reach_the_first_repetitions_then_the_block(tmp_path, monkeypatch):
    """With an input range the repetitions the bounds still reach are lowered node by node (RL501
    needs their boxes); the rest becomes a block once the bounds stop."""
    b = Builder(8, 8)
    for _ in range(300):  # weights 40x He: the bounds overflow (and stop) after some 70 layers
        b.layer("Relu", "huge")
    path = b.save(tmp_path / "m.onnx")
    _same(path, Settings(input_range=(0.0, 1.0)), monkeypatch, expect_block=True)
    # inputs in (-1, 0) with all-positive weights and zero bias: the first ReLU is provably dead
    b = Builder(8, 9)
    b.layer("Relu", "pos")
    for _ in range(60):
        b.layer("Relu")
    for node in b.inits[:2]:
        node.CopyFrom(numpy_helper.from_array(np.zeros(tuple(node.dims), np.float32) if node.name.startswith("b")
                                              else np.abs(numpy_helper.to_array(node)), node.name))
    path = b.save(tmp_path / "dead.onnx")
    found = _same(path, Settings(input_range=(-1.0, -0.5)), monkeypatch)
    assert "RL501" in {f.code for f in found}


@pytest.mark.parametrize("seed", range(16))
def test_random_graphs(seed, tmp_path, monkeypatch):
    """Random patterns, lengths, odd layers and weight draws: fast and per-node paths agree."""
    r = random.Random(seed)
    b = Builder(r.choice([4, 6, 8]), seed)
    acts = ["Relu", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Selu", None]
    pattern = [dict(act=r.choice(acts), form=r.choice(["gemm", "gemm", "gemm_t", "matmul"]),
                    bn=r.random() < 0.2, dropout=r.random() < 0.2) for _ in range(r.choice([1, 1, 2, 3]))]
    base = r.choice(["he", "he", "pos", "tiny", "huge"])
    for i in range(r.randint(10, 60)):
        spec = dict(pattern[i % len(pattern)])
        dist = base if r.random() > 0.1 else r.choice(list(DISTS))
        if r.random() < 0.03:
            spec["out"] = b.width + 2  # an odd width: the block splits there
        if r.random() < 0.05:
            b.residual()
            continue
        b.layer(dist=dist, **spec)
    loss = r.choice([None, "mse", "cross_entropy"])
    path = b.save(tmp_path / "m.onnx", meta={"relulint.loss": loss} if loss else None, uint8=r.random() < 0.2)
    if r.random() < 0.5:
        path = _external(path)
    for s in SETTINGS:
        _same(path, s, monkeypatch)


def test_every_layer_another_width_costs_linear_checks(tmp_path, monkeypatch):
    """Periodic op types but no two layers alike: no block, and the repetition checks stay linear in
    the number of layers (windows from the last equal repetition, not the whole rest each time)."""
    from relulint.graph import onnx_runs

    b = Builder(4, 10)
    for i in range(200):
        b.layer("Relu", out=4 + i % 7 + (i // 7) % 3)  # neighbours always differ in width
    path = b.save(tmp_path / "m.onnx")
    checked = []
    real = onnx_runs._agreeing
    monkeypatch.setattr(onnx_runs, "_agreeing", lambda g, p, n, s, m, reps: checked.append(reps) or real(g, p, n, s, m, reps))
    _same(path, Settings(), monkeypatch, expect_block=False)
    assert 0 < sum(checked) <= 2 * onnx_runs.MIN_REPS * 200


def test_runs_split_where_the_width_changes(tmp_path, monkeypatch):
    b = Builder(8, 11)
    for i in range(60):
        b.layer("Relu", "pos" if i == 45 else "he", out=8 if i < 20 else 12 if i < 40 else 6)
    path = b.save(tmp_path / "m.onnx")
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    assert [f.origin.node for f in found if f.code == "RL201"] == ["fc91 (Gemm)"]  # (layer i is node fc{2i+1})
    for s in SETTINGS[1:]:
        _same(path, s, monkeypatch)


# ------------------------------------------------------------------------------------ external data, read lazily
# Locations are validated when a tensor is read, not up front: every read (per tensor or a block's
# stacked read, one file or several) goes through the same path check, and a tensor never read is
# never opened. Both paths must still give the same findings, and the inline file's.


def _rewrite_entries(path: str, edit) -> None:
    """edit(index, tensor) rewrites one initializer's external_data entries (the weights stay put)."""
    m = onnx.load(path, load_external_data=False)
    for k, t in enumerate(m.graph.initializer):
        edit(k, t)
    onnx.save(m, path)


def _set_entries(t, pairs) -> None:
    del t.external_data[:]
    for key, value in pairs:
        t.external_data.add(key=key, value=value)


def _entries(t) -> dict[str, str]:
    return {e.key: e.value for e in t.external_data}


def _chain(tmp_path, n: int = 40, seed: int = 12) -> tuple[str, str]:
    b = Builder(8, seed)
    for i in range(n):
        b.layer("Relu", "pos" if i in (5, 33) else "he")
    path = b.save(tmp_path / "m.onnx")
    return path, _external(path)


def _same_both_ways(path: str, settings: Settings, monkeypatch) -> list:
    """Findings with block ops and without, required equal (also for a file that is one RL002)."""
    fast = _lint(path, True, settings, monkeypatch).findings
    slow = _lint(path, False, settings, monkeypatch).findings
    key = [(f.code, f.message, f.origin, f.evidence, f.related) for f in fast]
    assert key == [(f.code, f.message, f.origin, f.evidence, f.related) for f in slow]
    return fast


def _opened(monkeypatch) -> list[str]:
    """Every external data file relulint maps or reads a range of, from now on."""
    from relulint import safe_read

    seen: list[str] = []
    real_map, real_range = onnx_frontend.ExternalData._map, safe_read.read_range
    monkeypatch.setattr(onnx_frontend.ExternalData, "_map", staticmethod(lambda full: seen.append(full) or real_map(full)))
    monkeypatch.setattr(safe_read, "read_range", lambda full, *a, **k: seen.append(full) or real_range(full, *a, **k))
    return seen


@pytest.mark.parametrize("order", ["length-first", "no-length", "offset-location"])
def test_external_entries_in_unusual_order(order, tmp_path, monkeypatch):
    path, ext = _chain(tmp_path)

    def edit(k, t):
        e = _entries(t)
        if order == "length-first":
            _set_entries(t, [("length", e["length"]), ("location", e["location"]), ("offset", e["offset"])])
        elif order == "no-length":
            _set_entries(t, [("location", e["location"]), ("offset", e["offset"])])
        else:
            _set_entries(t, [("offset", e["offset"]), ("location", e["location"]), ("length", e["length"])])

    _rewrite_entries(ext, edit)
    inline = _same(path, Settings(), monkeypatch, expect_block=True)
    external = _same(ext, Settings(), monkeypatch, expect_block=True)
    assert [(f.code, f.message, f.origin.node) for f in inline] == [(f.code, f.message, f.origin.node) for f in external]
    assert [f.origin.node for f in external if f.code == "RL201"] == ["fc11 (Gemm)", "fc67 (Gemm)"]
    for s in SETTINGS[1:]:
        _same(ext, s, monkeypatch)


def test_external_data_in_several_files(tmp_path, monkeypatch):
    """Every other layer's tensors moved to a second data file (offsets kept): a block gathers from both."""
    import shutil

    path, ext = _chain(tmp_path)
    shutil.copy(tmp_path / "w.bin", tmp_path / "w2.bin")

    def edit(k, t):
        e = _entries(t)
        _set_entries(t, [("location", "w2.bin" if k // 2 % 2 else "w.bin"), ("offset", e["offset"]), ("length", e["length"])])

    _rewrite_entries(ext, edit)
    seen = _opened(monkeypatch)
    inline = _same(path, Settings(), monkeypatch, expect_block=True)
    external = _same(ext, Settings(), monkeypatch, expect_block=True)
    assert [(f.code, f.message, f.origin.node) for f in inline] == [(f.code, f.message, f.origin.node) for f in external]
    assert {os.path.basename(p) for p in seen} == {"w.bin", "w2.bin"}
    for s in SETTINGS[1:]:
        _same(ext, s, monkeypatch)


@pytest.mark.parametrize("bad", ["outside", "absolute", "missing-file", "no-location"])
@pytest.mark.parametrize("where", [3, 30])  # a weight read node by node (first repetitions) / in the block
def test_bad_weight_reference_is_one_rl002_both_ways(bad, where, tmp_path, monkeypatch):
    import shutil

    (tmp_path / "model").mkdir()
    path, ext = _chain(tmp_path / "model")
    shutil.copy(tmp_path / "model" / "w.bin", tmp_path / "w.bin")  # a real file, outside the model's folder
    target = f"Wfc{2 * where + 1}"

    def edit(k, t):
        if t.name != target:
            return
        e = _entries(t)
        loc = {"outside": "../w.bin", "absolute": str(tmp_path / "w.bin"), "missing-file": "gone.bin"}.get(bad)
        _set_entries(t, ([("location", loc)] if loc else []) + [("offset", e["offset"]), ("length", e["length"])])

    _rewrite_entries(ext, edit)
    seen = _opened(monkeypatch)
    for s in SETTINGS:
        found = _same_both_ways(ext, s, monkeypatch)
        assert [f.code for f in found] == ["RL002"]
        assert found[0].origin.path == ext and repr(target) in found[0].message
        assert ("missing" if bad == "missing-file" else "outside the model's folder") in found[0].message
    assert all(os.path.dirname(p) == str(tmp_path / "model") for p in seen)  # nothing outside was opened


def test_unread_bias_outside_the_folder_is_never_opened(tmp_path, monkeypatch):
    """A Gemm bias is read only by the interval bounds: without them (no input range) it is never
    read, so a bad location is never opened and the findings are the inline file's. Where the bounds
    read a bias (the first layers, with a range) a bad one is RL002, both ways."""
    import shutil

    (tmp_path / "model").mkdir()
    path, ext = _chain(tmp_path / "model")
    shutil.copy(tmp_path / "model" / "w.bin", tmp_path / "w.bin")

    def point_outside(name):
        def edit(k, t):
            if t.name == name:
                e = _entries(t)
                _set_entries(t, [("location", "../w.bin"), ("offset", e["offset"]), ("length", e["length"])])
        return edit

    _rewrite_entries(ext, point_outside("bfc61"))  # layer 30, inside the block
    seen = _opened(monkeypatch)
    inline = _same(path, Settings(), monkeypatch, expect_block=True)
    assert "RL002" not in {f.code for f in _same_both_ways(ext, Settings(), monkeypatch)}
    for s in SETTINGS[1:]:  # bounds that reach layer 30 read its bias (RL002): either way alike
        _same_both_ways(ext, s, monkeypatch)
    external = _same(ext, Settings(), monkeypatch, expect_block=True)
    assert [(f.code, f.message, f.origin.node) for f in inline] == [(f.code, f.message, f.origin.node) for f in external]
    assert all(os.path.dirname(p) == str(tmp_path / "model") for p in seen)

    _rewrite_entries(ext, point_outside("bfc1"))  # the first layer's bias: the bounds read it
    found = _same_both_ways(ext, Settings(input_range=(0.0, 1.0)), monkeypatch)
    assert [f.code for f in found] == ["RL002"] and "'bfc1'" in found[0].message
    assert all(os.path.dirname(p) == str(tmp_path / "model") for p in seen)


# ------------------------------------------------------------------------------------ the bulk reader


def _per_node_fields(nodes) -> tuple:
    return ([n.op_type for n in nodes], [list(n.input) for n in nodes], [list(n.output) for n in nodes],
            [[a.SerializeToString() for a in n.attribute] for n in nodes])


@pytest.mark.parametrize("seed", range(4))
def test_bulk_reader_gives_the_per_node_fields(seed, tmp_path):
    """Random graphs with omitted optional inputs (""), nodes without inputs (Constant), several
    outputs, several attributes: the bulk lists are the per-node reads, node for node."""
    from relulint.graph import onnx_bulk

    r = random.Random(seed)
    nodes = []
    for k in range(r.randint(1, 300)):
        ins = [r.choice(["x", "", f"t{k}", "ü-name", "a/b.c:0"]) for _ in range(r.randint(0, 4))]
        outs = [f"o{k}_{j}" for j in range(r.choice([1, 1, 1, 2, 3]))]
        attrs = {a: r.choice([1, 2.5, "s", [1, 2]]) for a in r.sample(["alpha", "beta", "axis", "mode"], r.randint(0, 3))}
        nodes.append(helper.make_node(r.choice(["Gemm", "Relu", "Constant", "Split"]), ins, outs, name=f"n{k}", **attrs))
    got = onnx_bulk.read(nodes)
    assert got is not None
    assert (got.op_types, got.inputs, got.outputs, got.attributes) == _per_node_fields(nodes)


def test_bulk_reader_refuses_what_it_cannot_split(tmp_path, monkeypatch):
    """A tensor named "\\x00" (the separator) or a node without an op type: no bulk result, and
    linting reads node by node with the same findings."""
    from relulint.graph import onnx_bulk

    assert onnx_bulk.read([helper.make_node("Relu", ["\x00"], ["y"])]) is None
    assert onnx_bulk.read([helper.make_node("Relu", ["x"], ["\x00"])]) is None
    assert onnx_bulk.read([onnx.NodeProto(input=["x"], output=["y"])]) is None  # no op type
    assert onnx_bulk.read([]) is None
    # two op_type fields in the file: protobuf keeps the last, and so does the bulk read (of the parsed node)
    two = onnx.NodeProto.FromString(helper.make_node("Relu", ["x"], ["y"]).SerializeToString() + b'"\x04Tanh')
    assert two.op_type == "Tanh" and onnx_bulk.read([two]).op_types == ["Tanh"]

    b = Builder(8, 13)
    for i in range(30):
        b.layer("Relu", "pos" if i == 17 else "he")
    b.nodes[-1].output[0] = "\x00"  # the graph's output tensor, named with the separator
    b.x = "\x00"
    path = b.save(tmp_path / "m.onnx")
    calls = []
    real = onnx_bulk.read
    monkeypatch.setattr(onnx_bulk, "read", lambda nodes, raw=None: calls.append(real(nodes, raw)) or calls[-1])
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    assert calls and calls[0] is None  # (the per-node reader took over)
    assert [f.origin.node for f in found if f.code == "RL201"] == ["fc35 (Gemm)"]


def test_node_bytes_from_the_file_read_as_the_parsed_nodes(tmp_path, monkeypatch):
    """The bulk reader takes each node's bytes from the file (one light parse) instead of serializing
    the parsed nodes: the same fields; a node the light parse cannot split as the real parse reads it
    (op_type written twice: protobuf keeps the last) falls back, with the same findings."""
    from relulint.graph import onnx_bulk

    b = Builder(8, 15)
    for i in range(20):
        b.layer("Relu", "pos" if i == 11 else "he")
    path = b.save(tmp_path / "m.onnx")
    data = open(path, "rb").read()
    nodes = onnx.load(path, load_external_data=False).graph.node[:]
    raw = onnx_bulk.node_bytes(data)
    assert raw == [n.SerializeToString() for n in nodes]
    assert onnx_bulk.read(nodes, raw) == onnx_bulk.read(nodes)
    monkeypatch.setattr(onnx_bulk, "NODE_BYTES_MAX_FILE", len(data) - 1)
    assert onnx_bulk.node_bytes(data) is None  # (then the nodes are serialized one by one)
    monkeypatch.undo()

    two = helper.make_node("Relu", ["x"], ["y"]).SerializeToString() + b'"\x04Tanh'
    parsed = [onnx.NodeProto.FromString(two)]
    assert onnx_bulk.read(parsed, [two]) is None and onnx_bulk.read(parsed).op_types == ["Tanh"]
    # a file whose node 5 (a Relu) writes its op type twice: the light parse sees two and refuses
    real_bytes = onnx_bulk.node_bytes

    def doubled(data):
        out = real_bytes(data)
        out[5] = out[5].replace(b'"\x04Relu', b'"\x04Relu"\x04Relu')
        return out

    expected = lint_file(path, Settings()).findings
    calls = []
    real = onnx_bulk.read
    monkeypatch.setattr(onnx_bulk, "node_bytes", doubled)
    monkeypatch.setattr(onnx_bulk, "read", lambda nodes, raw=None: calls.append(real(nodes, raw)) or calls[-1])
    assert lint_file(path, Settings()).findings == expected
    assert calls == [None]


def test_attributes_written_differently_end_a_block_without_changing_findings(tmp_path, monkeypatch):
    """The bulk reader compares attributes as bytes: a Gemm whose transB=1 is serialized with an
    explicit default field (same meaning, other bytes) ends the block early; findings are unchanged."""
    b = Builder(8, 14)
    for i in range(40):
        b.layer("Relu", "pos" if i == 30 else "he")
    a = b.nodes[40].attribute[0]  # layer 20's Gemm
    assert a.name == "transB"
    a.f = 0.0  # explicitly present, still 0: protobuf writes the field, the value means nothing for an INT attribute
    path = b.save(tmp_path / "m.onnx")
    found = _same(path, Settings(), monkeypatch, expect_block=True)
    assert [f.origin.node for f in found if f.code == "RL201"] == ["fc61 (Gemm)"]
    from relulint.graph.runs import OpRun

    blocks = [seg for seg in _lint(path, True, Settings(), monkeypatch).facts.networks[0].ops.segments
              if isinstance(seg, OpRun)]
    assert len(blocks) == 2  # split at layer 20
    for s in SETTINGS[1:]:
        _same(path, s, monkeypatch)


@pytest.mark.parametrize("seed", range(40))
def test_simple_chain_check_agrees_with_the_sweep(seed):
    """`_simple_chain` (list-wide) against the node-by-node sweep: where it answers, the sweep finds
    every node on the path, as a chain, with the same data tensors. Random chains, most of them
    spoiled in one place: a second read of a data tensor, a branch, plumbing, a node without inputs,
    two outputs, an output written twice or over the input, an omitted input, a read of a later output."""
    r = random.Random(seed)
    n = r.randint(1, 40)
    n_in = [[f"t{k - 1}" if k else "x", *(f"w{k}_{j}" for j in range(r.randint(0, 2)))] for k in range(n)]
    n_out = [[f"t{k}"] for k in range(n)]
    ops = [r.choice(["Gemm", "Relu", "Add"]) for _ in range(n)]
    k = r.randrange(n)
    spoil = r.choice(["none", "none", "reread", "reread_input", "branch", "plumbing", "no_inputs", "two_outputs",
                      "twice", "over_input", "omitted", "later", "empty_output"])
    if spoil == "reread" and k > 1:
        n_in[k].append(f"t{k - 2}")
    elif spoil == "reread_input":
        n_in[k].append("x")
    elif spoil == "branch" and k > 0:
        n_in[k][0] = "x"
    elif spoil == "plumbing":
        ops[k] = "Shape"
    elif spoil == "no_inputs":
        n_in[k] = []
    elif spoil == "two_outputs":
        n_out[k].append(f"extra{k}")
    elif spoil == "twice" and k > 0:
        n_out[k] = [f"t{k - 1}"]
    elif spoil == "over_input":
        n_out[k] = ["x"]
    elif spoil == "omitted":
        n_in[k].insert(1, "")
    elif spoil == "later" and k < n - 1:
        n_in[k].append(f"t{n - 1}")
    elif spoil == "empty_output":
        n_out[k] = [""]
    fast = onnx_frontend._simple_chain(n_in, n_out, ops, {"x"})
    data = {"x"}
    on_path, chain, prev = onnx_frontend._sweep(n_in, n_out, ops, data)
    if fast is not None:
        assert (on_path, chain, prev, data) == (list(range(n)), True, n_out[-1], fast)
    if spoil in ("none", "omitted"):
        assert fast is not None


def test_bulk_external_offsets_only_for_the_usual_layout():
    """onnx_bulk.external_offsets reads (location, offsets) list-wide only when every tensor names
    location, offset, length in that order, one file, the expected length, plain decimal offsets;
    anything else is None (the entries are then read one by one)."""
    from relulint.graph import onnx_bulk

    def tensor(*pairs):
        t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
        for key, value in pairs:
            t.external_data.add(key=key, value=value)
        return t

    good = [tensor(("location", "w.bin"), ("offset", str(16 * k)), ("length", "16")) for k in range(5)]
    assert onnx_bulk.external_offsets(good, 16) == ("w.bin", [0, 16, 32, 48, 64])
    assert onnx_bulk.external_offsets(good, 32) is None  # another length
    for odd in (tensor(("location", "w2.bin"), ("offset", "80"), ("length", "16")),  # another file
                tensor(("offset", "80"), ("location", "w.bin"), ("length", "16")),  # another order
                tensor(("location", "w.bin"), ("offset", "80")),  # no length
                tensor(("location", "w.bin"), ("offset", "+80"), ("length", "16")),
                tensor(("location", "w.bin"), ("offset", " 80"), ("length", "16")),
                tensor(("location", "w.bin"), ("offset", ""), ("length", "16")),
                tensor(("location", "w.bin"), ("offset", "80"), ("length", "16"), ("checksum", "x"))):
        assert onnx_bulk.external_offsets([*good, odd], 16) is None
    assert onnx_bulk.external_offsets([], 16) is None
