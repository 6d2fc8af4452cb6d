"""`relulint --dynamic`: exit codes, one clear RL003 per failure (no traceback unless -v), JSON fields."""

from __future__ import annotations

import json
import textwrap

import pytest

from relulint.cli import main

pytest.importorskip("torch")

GOOD = """
    import torch, torch.nn as nn
    def relulint_batch():
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), torch.randn(16, 4)
"""

BAD = {
    "missing": ("import torch\n", "relulint_batch not found: expected a module-level function"),
    "raises": ("import torch\ndef relulint_batch():\n    raise ValueError('no data here')\n",
               "relulint_batch() raised ValueError: no data here"),
    "wrong_shape": ("import torch\ndef relulint_batch():\n    return 3\n", "returned a int: expected"),
    "not_a_model": ("import torch\ndef relulint_batch():\n    return 'model', torch.zeros(2)\n",
                    "returned a str as the model"),
    "forward_fails": ("import torch, torch.nn as nn\ndef relulint_batch():\n"
                      "    return nn.Linear(4, 2), torch.zeros(3, 5)\n", "the model's forward failed on the batch"),
    "nan_inputs": ("import torch, torch.nn as nn\ndef relulint_batch():\n"
                   "    return nn.Linear(2, 2), torch.tensor([[float('nan'), 1.0]])\n", "contain 1 NaN/inf value"),
    "import_error": ("import torch\nimport no_such_module_xyz\n", "importing"),
    "no_loss": ("import torch, torch.nn as nn\ndef relulint_batch():\n"
                "    return nn.Linear(2, 1), torch.zeros(4, 2), torch.zeros(4, 1)\n", "without a loss function"),
}


def _write(tmp_path, name, code):
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_entry_is_one_rl003_exit_2_no_traceback(case, tmp_path, capsys):
    code, expected = BAD[case]
    path = _write(tmp_path, "model.py", code)
    rc = main(["--dynamic", "--no-cache", "--output-format", "json", str(path)])
    out = capsys.readouterr()
    found = [f for f in json.loads(out.out) if f["code"] == "RL003"]
    assert rc == 2
    assert len(found) == 1 and expected in found[0]["message"], found
    assert "Traceback" not in out.err and "traceback" not in found[0].get("evidence", {})


def test_verbose_shows_the_traceback(tmp_path, capsys):
    path = _write(tmp_path, "model.py", BAD["raises"][0])
    assert main(["--dynamic", "--no-cache", "-v", str(path)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_clean_model_exit_0_with_table_on_stderr(tmp_path, capsys):
    path = _write(tmp_path, "model.py", GOOD)
    assert main(["--dynamic", "--no-cache", "--device", "cpu", str(path)]) == 0
    err = capsys.readouterr().err
    assert "relulint probe (torch, cpu)" in err and "dead share" in err


def test_entry_flag_module_or_file_function(tmp_path, capsys):
    path = _write(tmp_path, "train.py", GOOD.replace("relulint_batch", "make_batch"))
    assert main(["--dynamic", "--no-cache", "--entry", f"{path}:make_batch", str(path)]) == 0
    assert main(["--dynamic", "--no-cache", "--entry", f"{path}:nope", str(path)]) == 2
    assert "train.py:nope not found" in capsys.readouterr().out


def test_json_confirmation_and_measured_fields(tmp_path, capsys):
    path = _write(tmp_path, "model.py", """
        import torch, torch.nn as nn
        def relulint_batch():
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
            return model, torch.randn(64, 8), torch.randn(64, 1), nn.MSELoss()
    """)
    assert main(["--dynamic", "--no-cache", "--output-format", "json", str(path)]) == 1
    (rl101,) = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "RL101"]
    assert rl101["confirmation"] == "confirmed"
    assert "clamped at 0" in rl101["measured"]["text"] and rl101["measured"]["clamped_share"] > 0


def test_not_confirmed_static_finding_reports_the_figure_and_drops_to_info(tmp_path, capsys):
    # RL101 statically (ReLU output + MSE), but a bias of 5 keeps every output positive on this batch
    path = _write(tmp_path, "model.py", """
        import torch, torch.nn as nn
        def relulint_batch():
            torch.manual_seed(0)
            head = nn.Linear(16, 1)
            nn.init.constant_(head.bias, 5.0)
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), head, nn.ReLU())
            return model, torch.randn(64, 8), torch.rand(64, 1), nn.MSELoss()
    """)
    main(["--dynamic", "--no-cache", "--output-format", "json", str(path)])
    (rl101,) = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "RL101"]
    assert rl101["confirmation"] == "not-confirmed" and rl101["severity"] == "info"
    assert rl101["measured"]["clamped_share"] == 0.0


def test_static_pass_alone_does_not_import_the_file(tmp_path):
    marker = tmp_path / "imported.txt"
    path = _write(tmp_path, "model.py", f"import torch\nopen({str(marker)!r}, 'w').write('x')\n")
    main(["--no-cache", str(path)])
    assert not marker.exists()
    main(["--dynamic", "--no-cache", str(path)])
    assert marker.exists()


def test_plot_without_matplotlib_is_a_clear_message(tmp_path, capsys):
    from unittest import mock

    path = _write(tmp_path, "model.py", GOOD)
    with mock.patch.dict("sys.modules", {"matplotlib": None}):  # as if not installed
        assert main(["--dynamic", "--no-cache", "--plot", str(tmp_path / "r.png"), str(path)]) == 0
    assert "matplotlib is not installed" in capsys.readouterr().err
    assert not (tmp_path / "r.png").exists()


def test_onnx_graph_dead_shares_without_gradients(tmp_path, capsys):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.abs(np.random.default_rng(0).normal(size=(4, 8))).astype("float32"), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"], name="fc1"),
         helper.make_node("Relu", ["h"], ["a"], name="relu1"),
         helper.make_node("ReduceSum", ["a"], ["y"], name="sum", keepdims=1)],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    np.savez(tmp_path / "batch.npz", x=-np.random.default_rng(1).random((32, 4)).astype("float32"))
    rc = main(["--dynamic", "--no-cache", "--output-format", "json", "--inputs", str(tmp_path / "batch.npz"),
               str(path)])
    out = capsys.readouterr()
    found = [f for f in json.loads(out.out) if f["code"] == "RL401"]
    assert rc == 1 and len(found) == 1 and found[0]["evidence"]["dead_share"] == 1.0
    assert "no gradients" in out.err
    # no batch at all: one clear message
    assert main(["--dynamic", "--no-cache", str(path)]) == 2
