"""Human output shows paths relative to the working directory, including the sources a traced
graph points at (recorded as absolute paths when the model was exported)."""

from __future__ import annotations

import os

from relulint.engine import FileResult
from relulint.finding import Finding, Severity
from relulint.ir import Origin
from relulint.report import text
from relulint.report._common import display_path


def _finding(path: str, related: str | None = None) -> Finding:
    return Finding(code="RL101", name="relu-regression-output", severity=Severity.ERROR, message="m",
                   origin=Origin(path, 12, 0, 12, 1),
                   related=[(Origin(related, 3, 4, 3, 5), "loss")] if related else [])


def test_absolute_paths_under_and_beside_the_cwd_become_relative(tmp_path, monkeypatch):
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "proj" / "sub")
    assert display_path(str(tmp_path / "proj" / "sub" / "m.py")) == "m.py"
    assert display_path(str(tmp_path / "proj" / "net.py")) == "../net.py"
    assert display_path("../net.py") == "../net.py"
    assert display_path("<stdin>") == "<stdin>" and display_path("-") == "-"


def test_only_the_root_in_common_stays_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert display_path("/usr/lib/python3/site-packages/torch/nn/x.py") == "/usr/lib/python3/site-packages/torch/nn/x.py"


def test_traced_graph_finding_prints_a_relative_path(tmp_path, monkeypatch):
    """The graph is in export/, the source it was traced from one folder up, relulint run in export/."""
    (tmp_path / "export").mkdir()
    monkeypatch.chdir(tmp_path / "export")
    f = _finding(str(tmp_path / "net.py"), related=str(tmp_path / "train.py"))
    line = text.render_concise([FileResult(str(tmp_path / "export" / "net.pt"), [f])])
    assert line.startswith("../net.py:12:1: RL101"), line
    block = text.render_full([FileResult("net.pt", [f])])
    assert " --> ../net.py:12:1" in block and "related: ../train.py:3:5: loss" in block
    assert os.sep + "net.py" not in line.replace("../net.py", "")
