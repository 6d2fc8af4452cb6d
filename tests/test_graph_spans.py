"""Inline initializers viewed in the .onnx file's bytes (relulint/graph/onnx_spans.py).

The walk must find exactly the bytes protobuf's own parse gives as `raw_data`, follow protobuf where
a field is written twice (the later one wins), and refuse (None: raw_data is read as before) what
it does not walk. Linting with the views gives the findings of linting without them.
"""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from relulint.config import Settings  # noqa: E402
from relulint.engine import lint_file  # noqa: E402
from relulint.graph import onnx_frontend, onnx_spans  # noqa: E402


def _model(rng, extra_inits=()) -> onnx.ModelProto:
    w1 = rng.uniform(0, 1, (300, 400)).astype(np.float32)  # all positive: RL201
    w2 = (rng.standard_normal((10, 300)) * 0.05).astype(np.float32)
    w2[:5] = -np.abs(w2[:5])  # after a ReLU: never positive (RL501 with an input range)
    inits = [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(np.zeros(300, np.float32), "b1"),
             numpy_helper.from_array(w2, "W2"), numpy_helper.from_array(-np.ones(10, np.float32), "b2"),
             *extra_inits]
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="fc1", transB=1),
             helper.make_node("Relu", ["z1"], ["r1"], name="relu1"),
             helper.make_node("Gemm", ["r1", "W2", "b2"], ["z2"], name="fc2", transB=1),
             helper.make_node("Relu", ["z2"], ["y"], name="relu2")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 400])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def test_spans_are_the_raw_data_protobuf_reads():
    m = _model(np.random.default_rng(0))
    data = m.SerializeToString()
    spans = onnx_spans.initializer_spans(data)
    assert spans is not None and set(spans) == {"W1", "b1", "W2", "b2"}
    for t in m.graph.initializer:
        off, n = spans[t.name]
        assert data[off:off + n] == t.raw_data


def test_a_name_used_twice_takes_the_last_tensor_as_protobuf_does():
    rng = np.random.default_rng(1)
    again = numpy_helper.from_array(np.full((10,), 3.0, np.float32), "b2")  # a second "b2", later
    m = _model(rng, [again])
    data = m.SerializeToString()
    off, n = onnx_spans.initializer_spans(data)["b2"]
    assert np.frombuffer(data[off:off + n], np.float32).tolist() == [3.0] * 10
    typed = helper.make_tensor("b1", TensorProto.FLOAT, [300], np.zeros(300).tolist())  # float_data, no raw
    assert "b1" not in onnx_spans.initializer_spans(_model(rng, [typed]).SerializeToString())


@pytest.mark.parametrize("blob", [b"", b"\x3a\x05abc", b"\x3a\x80", b"\x0b\x0c", b"\x08\x01"])
def test_what_the_walk_does_not_trust_is_refused(blob):
    """No graph, a graph longer than the file, a truncated varint, a group: None."""
    assert onnx_spans.initializer_spans(blob) is None


def test_two_graph_fields_or_too_many_fields_are_refused(monkeypatch):
    data = _model(np.random.default_rng(2)).SerializeToString()
    assert onnx_spans.initializer_spans(data + b"\x3a\x00") is None  # a second graph: protobuf merges
    monkeypatch.setattr(onnx_spans, "MAX_FIELDS", 3)
    assert onnx_spans.initializer_spans(data) is None


def test_linting_with_views_gives_the_same_findings(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    onnx.save(_model(np.random.default_rng(3)), str(path))
    views = []
    real = onnx_frontend.ExternalData.inline_view
    monkeypatch.setattr(onnx_frontend, "SPANS_MIN_FILE", 0)
    monkeypatch.setattr(onnx_frontend.ExternalData, "inline_view",
                        lambda self, t, d: views.append(t.name) or real(self, t, d))
    settings = Settings(input_range=(0.0, 1.0))
    with_views = lint_file(str(path), settings).findings
    assert {"W1", "W2", "b1", "b2"} <= set(views)
    monkeypatch.setattr(onnx_spans, "initializer_spans", lambda data: None)
    views.clear()
    without = lint_file(str(path), settings).findings
    assert views == [] and without == with_views
    assert {f.code for f in with_views} >= {"RL201", "RL501"}
