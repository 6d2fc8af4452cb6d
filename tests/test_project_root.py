"""Nothing outside the project root is opened, after following symlinks (issue 14, item 4).

The check is an audit hook on `open` in a separate process running the real CLI: it records every
file the run opens, and no path outside the project may be among them except Python's own library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from relulint.project import inside, project_root

BUGGY_MODEL = textwrap.dedent("""\
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())
    loss_fn = nn.MSELoss()
""")

SECRET = "import torch.nn as nn\n# relulint: file-ignore[RL101]\nloss_fn = nn.MSELoss()\n"

HOOK = textwrap.dedent("""\
    import json, os, sys
    opened = []
    def hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            p = args[0].decode() if isinstance(args[0], bytes) else args[0]
            opened.append(os.path.realpath(p))
    sys.addaudithook(hook)
    from relulint.cli import main
    code = main(sys.argv[2:])
    seen = list(opened)  # before the report file below is opened
    with open(sys.argv[1], "w") as fh:
        json.dump({"code": code, "opened": seen}, fh)
""")


def _onnx_with_doc_strings(path: Path, docs: list[str]) -> None:
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.full((1, 2), 0.5, dtype=np.float32), "w")
    gemm = helper.make_node("Gemm", ["x", "w"], ["h"], name="fc", transB=1)
    relu = helper.make_node("Relu", ["h"], ["y"], name="out_relu")
    relu.doc_string = "\n".join(docs)
    g = helper.make_graph([gemm, relu], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.metadata_props.add(key="relulint.loss", value="mse")
    onnx.save(m, str(path))


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(SECRET + "\n" * 10)
    proj = tmp_path / "proj"
    (proj / ".git").mkdir(parents=True)
    (proj / "src").mkdir()
    (proj / "src" / "model.py").write_text("import losses\n" + BUGGY_MODEL)  # the source pass follows imports
    (proj / "src" / "evil.py").symlink_to(outside / "secret.py")  # a sibling neighbour pointing out
    (proj / "src" / "losses.py").symlink_to(outside / "secret.py")  # an imported module pointing out
    (proj / "src" / "zero.py").symlink_to("/dev/zero")
    (proj / "src" / "runner.py").write_text("import losses\nimport model\n")
    return proj, outside


def _run_audited(tmp_path: Path, cwd: Path, *args: str) -> dict:
    out = tmp_path / "audit.json"
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-c", HOOK, str(out), *args], cwd=cwd, env=env, timeout=120,
                   capture_output=True, text=True, check=False)
    return json.loads(out.read_text())


def _outside_reads(opened: list[str], proj: Path) -> list[str]:
    import sysconfig

    import relulint

    here = os.path.dirname(os.path.dirname(os.path.abspath(relulint.__file__)))  # relulint's own code
    allowed = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, here,
                                             *sysconfig.get_paths().values(), *sys.path) if p}
    root = os.path.realpath(proj)
    bad = []
    for p in opened:
        if p == root or p.startswith(root + os.sep) or p.startswith(("/dev/null", "/proc/", "/sys/")):
            continue
        if any(p.startswith(a + os.sep) for a in allowed):
            continue  # Python's own modules and the installed packages
        bad.append(p)
    return bad


def test_symlinked_sources_outside_the_project_are_not_opened(tmp_path):
    proj, outside = _layout(tmp_path)
    (proj / "src" / "graph.py").symlink_to(outside / "secret.py")  # a linted target pointing out
    got = _run_audited(tmp_path, proj, "--no-cache", "--output-format", "json", "src")
    assert got["code"] == 1  # the model's own finding survives
    assert not [p for p in got["opened"] if p.startswith(str(outside.resolve()))]
    assert _outside_reads(got["opened"], proj) == []
    assert "/dev/zero" not in got["opened"]


def test_onnx_doc_strings_naming_outside_files_are_not_opened(tmp_path):
    proj, outside = _layout(tmp_path)
    _onnx_with_doc_strings(proj / "src" / "net.onnx", [
        'File "/etc/passwd", line 1, in forward',
        f'File "{outside / "secret.py"}", line 3, in forward',
        'File "../../outside/secret.py", line 3, in forward',
    ])
    got = _run_audited(tmp_path, proj, "--no-cache", "--output-format", "json", "--select", "RL101",
                       "src/net.onnx")
    assert got["code"] == 1  # the finding stays at the node, and the outside file-ignore is not honoured
    assert "/etc/passwd" not in got["opened"]
    assert not [p for p in got["opened"] if p.startswith(str(outside.resolve()))]
    assert _outside_reads(got["opened"], proj) == []


def test_onnx_finding_stays_at_the_node_when_its_frame_is_outside(tmp_path):
    from relulint.config import Settings
    from relulint.engine import lint_file

    proj, outside = _layout(tmp_path)
    net = proj / "src" / "net.onnx"
    _onnx_with_doc_strings(net, [f'File "{outside / "secret.py"}", line 3, in forward'])
    settings = Settings(select=["RL101"], project_root=project_root([str(net)]))
    (f,) = lint_file(str(net), settings).findings
    assert (f.origin.path, f.origin.line) == (str(net), 1)
    (proj / "src" / "net_src.py").write_text("a = 1\nb = 2\nc = 3\n")
    _onnx_with_doc_strings(net, ['File "net_src.py", line 3, in forward'])
    (f,) = lint_file(str(net), settings).findings
    assert (os.path.basename(f.origin.path), f.origin.line) == ("net_src.py", 3)


def test_project_root_is_the_repository_else_the_common_folder(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    assert project_root([str(tmp_path / "repo" / "a" / "b")]) == str((tmp_path / "repo").resolve())
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "x" / "z").mkdir()
    (tmp_path / "x" / "z" / "m.py").write_text("")
    assert project_root([str(tmp_path / "x" / "y"), str(tmp_path / "x" / "z" / "m.py")]) == str((tmp_path / "x").resolve())
    link = tmp_path / "x" / "y" / "out.py"
    link.symlink_to(tmp_path / "repo" / "a")
    assert not inside(str(link), project_root([str(tmp_path / "x")]))
    assert inside(str(tmp_path / "x" / "z" / "m.py"), project_root([str(tmp_path / "x")]))
