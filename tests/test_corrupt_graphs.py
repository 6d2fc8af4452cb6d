"""Corrupt and crafted ONNX graphs give one RL002 (or the findings of what is still readable), never an
internal error, a traceback or a NaN in a message (issue 14 item 9). External data is read as far as
the tensor's dims declare, never the whole file (item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

onnx = pytest.importorskip("onnx")
import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from relulint.config import Settings  # noqa: E402
from relulint.engine import lint_file  # noqa: E402


def _base(nodes=None, inits=None, inputs=None, outputs=None, meta=True):
    w = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    nodes = (
        nodes
        if nodes is not None
        else [
            helper.make_node("Gemm", ["x", "w"], ["h"], name="fc", transB=1),
            helper.make_node("Relu", ["h"], ["y"], name="out_relu"),
        ]
    )
    g = helper.make_graph(
        nodes,
        "g",
        inputs if inputs is not None else [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        outputs if outputs is not None else [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        inits if inits is not None else [w],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    if meta:
        m.metadata_props.add(key="relulint.loss", value="mse")
    return m


def _variants() -> dict[str, bytes]:
    good = _base().SerializeToString()
    out = {
        "good": good,
        "truncated": good[: len(good) // 2],
        "truncated_tail": good[:-3],
        "noise": np.random.default_rng(1).bytes(300),
        "flipped": bytes(b ^ 0x55 if i % 7 == 0 else b for i, b in enumerate(good)),
    }
    m = _base(inits=[])
    out["missing_init"] = m.SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.dims[:] = [4, 4]
    out["wrong_dims"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.dims[:] = [-1, 2]
    out["negative_dims"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.dims[:] = [2**40, 2**30]
    out["huge_dims"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.dims[:] = []
    out["scalar_weight"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((2,), 0.5, dtype=np.float32), "w")
    out["1d_weight"] = _base(inits=[t]).SerializeToString()
    t = helper.make_tensor("w", TensorProto.STRING, [1, 2], [b"a", b"b"])
    out["string_weight"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.data_type = 999
    out["bad_dtype"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), np.nan, dtype=np.float32), "w")
    out["nan_weight"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), np.inf, dtype=np.float32), "w")
    out["inf_weight"] = _base(inits=[t]).SerializeToString()
    cyc = [
        helper.make_node("Gemm", ["y", "w"], ["h"], name="fc", transB=1),
        helper.make_node("Relu", ["h"], ["y"], name="r"),
    ]
    out["cycle"] = _base(nodes=cyc).SerializeToString()
    selfloop = [
        helper.make_node("Relu", ["h"], ["h"], name="r"),
        helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1),
    ]
    out["self_loop"] = _base(nodes=selfloop).SerializeToString()
    out["no_inputs_node"] = _base(nodes=[helper.make_node("Relu", [], ["y"], name="r")]).SerializeToString()
    out["gemm_one_input"] = _base(
        nodes=[helper.make_node("Gemm", ["x"], ["h"], name="fc"), helper.make_node("Relu", ["h"], ["y"])]
    ).SerializeToString()
    out["conv_bad_weight"] = _base(
        nodes=[helper.make_node("Conv", ["x", "w"], ["h"], name="c"), helper.make_node("Relu", ["h"], ["y"])]
    ).SerializeToString()
    out["attr_wrong_type"] = _base(
        nodes=[
            helper.make_node("Gemm", ["x", "w"], ["h"], name="fc", transB="yes", alpha=[1.0, 2.0]),
            helper.make_node("Relu", ["h"], ["y"]),
        ]
    ).SerializeToString()
    out["no_outputs"] = _base(outputs=[]).SerializeToString()
    out["no_graph_inputs"] = _base(inputs=[]).SerializeToString()
    out["dup_outputs"] = _base(
        nodes=[helper.make_node("Gemm", ["x", "w"], ["y"], transB=1), helper.make_node("Relu", ["x"], ["y"])]
    ).SerializeToString()
    out["unknown_op"] = _base(
        nodes=[helper.make_node("FooBar", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"])]
    ).SerializeToString()
    out["empty_names"] = _base(
        nodes=[helper.make_node("Gemm", ["", ""], [""], transB=1), helper.make_node("Relu", [""], ["y"])]
    ).SerializeToString()
    bn = [
        helper.make_node("BatchNormalization", ["x", "w", "w", "w", "w"], ["h"], epsilon=-1.0),
        helper.make_node("Relu", ["h"], ["y"]),
    ]
    out["bn_bad"] = _base(nodes=bn).SerializeToString()
    out["matmul_mismatch"] = _base(
        nodes=[helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Relu", ["h"], ["y"])]
    ).SerializeToString()
    add = [
        helper.make_node("Add", ["x", "w"], ["h"]),
        helper.make_node("Div", ["h", "w"], ["k"]),
        helper.make_node("Relu", ["k"], ["y"]),
    ]
    out["arith"] = _base(nodes=add).SerializeToString()
    m = _base()
    m.ir_version = -5
    out["neg_ir"] = m.SerializeToString()
    m = _base()
    m.opset_import[0].version = 99999
    out["future_opset"] = m.SerializeToString()
    m = _base()
    del m.opset_import[:]
    out["no_opset"] = m.SerializeToString()
    m = _base()
    m.graph.node[0].doc_string = 'File "/etc/passwd", line 99999999999999999999, in f'
    out["huge_line_doc"] = m.SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.raw_data = b"\x00" * 3
    out["raw_short"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.ClearField("raw_data")
    out["no_data"] = _base(inits=[t]).SerializeToString()
    t = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    t.ClearField("raw_data")
    t.float_data.extend([1.0])
    out["float_data_short"] = _base(inits=[t]).SerializeToString()
    m = _base(meta=False)
    m.metadata_props.add(key="relulint.loss", value="not-a-loss")
    out["bad_loss_meta"] = m.SerializeToString()
    nested = _base()
    sub = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["z"])],
        "sub",
        [],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
    )
    nested.graph.node.append(helper.make_node("If", ["x"], ["q"], then_branch=sub, else_branch=sub))
    out["if_subgraph"] = nested.SerializeToString()
    return out


VARIANTS = _variants()


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_corrupt_graph_is_one_rl002_or_plain_findings(tmp_path, name):
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(VARIANTS[name])
    findings = lint_file(str(path), Settings()).findings
    assert not [f for f in findings if f.code == "RL001"], [f.message for f in findings]
    unreadable = [f for f in findings if f.code == "RL002"]
    assert len(unreadable) <= 1 and (not unreadable or len(findings) == 1)
    for f in findings:
        assert "nan" not in f.message.lower().replace("nan%", "nan") or f.code == "RL002", f.message
        assert "Traceback" not in f.message


def test_malformed_tensors_name_the_problem(tmp_path):
    for name in ("wrong_dims", "string_weight", "bad_dtype", "raw_short"):
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(VARIANTS[name])
        (f,) = lint_file(str(path), Settings()).findings
        assert f.code == "RL002" and f.message.startswith("malformed graph"), (name, f.message)


def _external_model(tmp_path, name: str, data_file: str, pad_to: int) -> str:
    w = numpy_helper.from_array(np.full((16, 8), 0.5, dtype=np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value=data_file)
    with open(tmp_path / data_file, "wb") as fh:
        fh.write(np.full((16, 8), 0.5, dtype=np.float32).tobytes())
        fh.truncate(pad_to)  # sparse: costs no disk, but reading it whole costs its size in memory
    m = _base(
        nodes=[
            helper.make_node("Gemm", ["x", "w"], ["h"], name="fc", transB=1),
            helper.make_node("Relu", ["h"], ["y"], name="out_relu"),
        ],
        inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        inits=[w],
    )
    onnx.save(m, str(tmp_path / name))
    return str(tmp_path / name)


def test_external_data_is_read_only_as_far_as_the_dims_declare(tmp_path):
    small = _external_model(tmp_path, "small.onnx", "small.bin", 512)
    big = _external_model(tmp_path, "big.onnx", "big.bin", 1 << 30)  # a 16x8 tensor naming a 1 GiB file
    script = textwrap.dedent(f"""
        import resource
        from relulint.config import Settings
        from relulint.engine import lint_file
        lint_file({small!r}, Settings())  # imports and first-use costs, measured out
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        codes = [f.code for f in lint_file({big!r}, Settings()).findings]
        print(codes, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    codes, grown_kb = out.stdout.rsplit(" ", 1)
    assert "RL101" in codes and int(grown_kb) < 200_000, out.stdout
    with open(tmp_path / "big.bin", "r+b") as fh:
        fh.truncate(100)  # shorter than the dims declare
    (f,) = lint_file(big, Settings()).findings
    assert f.code == "RL002" and ("shorter" in f.message or "ends before" in f.message), f.message
    os.remove(tmp_path / "big.bin")
