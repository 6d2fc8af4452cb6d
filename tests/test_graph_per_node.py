"""One graph finding per offending node: located by node name (and the exporter's source line when it
recorded one), deduplicated on the node, and the same codes from ONNX, TorchScript and .pt2."""

from __future__ import annotations

import warnings
from collections import Counter

import pytest

from relulint.config import Settings
from relulint.engine import lint_file

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
nn = torch.nn


class TwoBad(nn.Module):
    """fc1 and fc2 both get a positive-mean init and feed a ReLU: two RL201, one per node."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 16)
        self.out = nn.Linear(16, 1)
        for layer in (self.fc1, self.fc2):
            nn.init.uniform_(layer.weight, 0.0, 1.0)

    def forward(self, x):
        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def _onnx(model, path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, 8),), str(path), dynamo=False)
    return str(path)


def _script(model, path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(model.eval(), torch.zeros(1, 8)).save(str(path))
    return str(path)


def _pt2(model, path) -> str:
    ep = torch.export.export(model.eval(), (torch.zeros(1, 8),))
    torch.export.save(ep, str(path))
    return str(path)


def _per_node(path: str) -> Counter:
    found = [f for f in lint_file(path, Settings()).findings if f.code.startswith(("RL1", "RL2"))]
    nodes = [(f.code, f.origin.node, f.origin.path, f.origin.line) for f in found]
    assert len(set(nodes)) == len(nodes), nodes  # no two findings on one node
    return Counter(f.code for f in found)


def test_onnx_two_offending_nodes_give_two_findings(tmp_path):
    torch.manual_seed(0)
    path = _onnx(TwoBad(), tmp_path / "m.onnx")
    found = [f for f in lint_file(path, Settings()).findings if f.code == "RL201"]
    assert len(found) == 2
    assert all(f.origin.line == 1 for f in found)  # no source line recorded: node names tell them apart
    assert len({f.origin.node for f in found}) == 2


def test_doc_string_lines_from_one_source_line_keep_both_nodes(tmp_path):
    """A loop that builds two layers on one line: both nodes point at it, both findings stay."""
    torch.manual_seed(0)
    path = _onnx(TwoBad(), tmp_path / "m.onnx")
    src = tmp_path / "net.py"
    src.write_text("\n".join(f"line{i} = {i}" for i in range(1, 12)) + "\n")
    m = onnx.load(path)
    for n in m.graph.node:
        n.doc_string = f'File "{src}", line 7, in __init__'
    onnx.save(m, path)
    found = [f for f in lint_file(path, Settings()).findings if f.code == "RL201"]
    assert len(found) == 2 and {(f.origin.path, f.origin.line) for f in found} == {(str(src), 7)}


@pytest.mark.parametrize("fmt", ["torchscript", "pt2"])
def test_onnx_torchscript_pt2_same_codes_per_node(fmt, tmp_path):
    torch.manual_seed(0)
    model = TwoBad()
    expected = _per_node(_onnx(model, tmp_path / "m.onnx"))
    assert expected["RL201"] == 2
    if fmt == "pt2":
        from relulint.graph import lower_graph

        path = _pt2(model, tmp_path / "m.pt2")
        facts, err = lower_graph(path, Settings())
        if err is not None and "not a graph file" in err.message:
            pytest.skip(".pt2 is not read by this build's graph pass yet")
    else:
        path = _script(model, tmp_path / "m.pt")
    assert _per_node(path) == expected


def test_external_data_read_through_one_map_gives_the_inline_figures(tmp_path):
    """Weights left on disk (one data file, many tensors) are read by offset: same IR as inline."""
    from relulint.graph import lower_graph

    torch.manual_seed(0)
    inline = _onnx(TwoBad(), tmp_path / "inline.onnx")
    ext = str(tmp_path / "ext.onnx")
    onnx.save_model(onnx.load(inline), ext, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="ext.data", size_threshold=0)
    a, _ = lower_graph(inline, Settings())
    b, err = lower_graph(ext, Settings())
    assert err is None
    stats = [[(op.name, op.weight_stats) for op in f.networks[0].ops if op.weight_stats] for f in (a, b)]
    assert stats[0] == stats[1] and len(stats[0]) == 3
    assert _per_node(ext) == _per_node(inline)


def test_external_data_shorter_than_its_offsets_is_one_rl002(tmp_path):
    torch.manual_seed(0)
    ext = str(tmp_path / "ext.onnx")
    onnx.save_model(onnx.load(_onnx(TwoBad(), tmp_path / "m.onnx")), ext, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="ext.data", size_threshold=0)
    data = tmp_path / "ext.data"
    data.write_bytes(data.read_bytes()[:100])
    (f,) = lint_file(ext, Settings()).findings
    assert f.code == "RL002" and "external data" in f.message


def test_a_pure_chain_lowers_to_a_chain(tmp_path):
    """A Sequential of Linear/ReLU: every op reads the previous one, so the IR says nothing (inputs None)."""
    from relulint.graph import lower_graph

    torch.manual_seed(0)
    path = _onnx(nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(8, 8), nn.ReLU())]), tmp_path / "c.onnx")
    facts, err = lower_graph(path, Settings())
    assert err is None
    net = facts.networks[0]
    assert [op.kind for op in net.ops] == ["affine", "activation"] * 6
    assert all(op.inputs is None for op in net.ops) and net.is_chain()
    assert net.output_indices() == [11]
