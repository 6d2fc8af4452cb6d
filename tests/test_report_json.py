"""--output-format json: ruff's key names, 1-based rows and columns, stable shape; text formats agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from relulint.engine import FileResult
from relulint.finding import Edit, Finding, Fix, Severity
from relulint.ir import Origin
from relulint.report import render
from relulint.report.json import rule_info
from relulint.rules import BY_CODE


def sample() -> list[FileResult]:
    f = Finding(
        code="RL101", name="relu-regression-output", severity=Severity.ERROR,
        message="relu on the output of a model trained with nn.MSELoss() clamps predictions to [0, inf)",
        origin=Origin("pkg/model.py", 2, 39, 2, 48),
        evidence={"activation": "nn.ReLU()", "shape": (8, 1), "ratio": float("inf")},
        fix=Fix("Remove the final nn.ReLU()", (Edit("", 2, 37, 2, 48),), "unsafe"),
        help="Remove the final relu",
        related=[(Origin("pkg/train.py", 3, 10, 3, 22), "regression loss nn.MSELoss()")],
    )
    g = Finding(code="RL000", name="syntax-error", severity=Severity.ERROR, message="syntax error: invalid syntax",
                origin=Origin("pkg/a.py", 1, 4, 1, 4))
    return [FileResult(path="pkg/model.py", findings=[f]), FileResult(path="pkg/a.py", findings=[g])]


def test_golden_json():
    got = json.loads(render("json", sample(), None))
    assert got == [
        {
            "code": "RL000", "name": "syntax-error", "severity": "error", "message": "syntax error: invalid syntax",
            "filename": os.path.abspath("pkg/a.py"),
            "location": {"row": 1, "column": 5}, "end_location": {"row": 1, "column": 5},
            "fix": None, "help": None, "url": None, "evidence": {}, "related": [],
            "confirmation": None, "measured": None,
        },
        {
            "code": "RL101", "name": "relu-regression-output", "severity": "error",
            "message": "relu on the output of a model trained with nn.MSELoss() clamps predictions to [0, inf)",
            "filename": os.path.abspath("pkg/model.py"),
            "location": {"row": 2, "column": 40}, "end_location": {"row": 2, "column": 49},
            "fix": {"applicability": "unsafe", "message": "Remove the final nn.ReLU()",
                    "edits": [{"content": "", "location": {"row": 2, "column": 38},
                               "end_location": {"row": 2, "column": 49}}]},
            "help": "Remove the final relu",
            "url": BY_CODE["RL101"].url(),
            "evidence": {"activation": "nn.ReLU()", "shape": [8, 1], "ratio": "inf"},
            "related": [{"filename": os.path.abspath("pkg/train.py"), "location": {"row": 3, "column": 11},
                         "message": "regression loss nn.MSELoss()"}],
            "confirmation": None, "measured": None,
        },
    ]


def test_empty_is_an_empty_array():
    assert json.loads(render("json", [FileResult(path="x.py")], None)) == []


def test_concise_golden_and_positions_match_json():
    out = render("concise", sample(), None)
    assert out == (
        "pkg/a.py:1:5: RL000 [syntax-error] syntax error: invalid syntax\n"
        "pkg/model.py:2:40: RL101 [relu-regression-output] relu on the output of a model trained with "
        "nn.MSELoss() clamps predictions to [0, inf)\n"
    )
    # the [*] marker appears only when the fix would be applied: unsafe fixes need --unsafe-fixes
    assert "RL101 [*] [relu-regression-output]" in render("concise", sample(), None, unsafe_fixes=True)


def test_full_golden():
    results = sample()
    results[0].source = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
    assert render("full", results, None).split("\n\n")[1] == "\n".join([
        "error[RL101] [relu-regression-output]: relu on the output of a model trained with nn.MSELoss() "
        "clamps predictions to [0, inf)",
        " --> pkg/model.py:2:40",
        "  |",
        "2 | model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())",
        "  |                                        ^^^^^^^^^",
        "  |",
        "help: Remove the final nn.ReLU()",
        "related: pkg/train.py:3:11: regression loss nn.MSELoss()",
    ])


def test_dynamic_fields_serialised():
    results = sample()
    f = results[0].findings[0]
    f.confirmation, f.measured = "confirmed", {"zero_share": 0.97, "grad_norm": 0.0}
    got = json.loads(render("json", results, None))[1]
    assert got["confirmation"] == "confirmed" and got["measured"] == {"zero_share": 0.97, "grad_norm": 0.0}
    assert render("concise", results, None).splitlines()[1].endswith("(confirmed: zero_share=0.97, grad_norm=0)")
    f.measured = {"text": "97% of the units never fired", "zero_share": 0.97}
    assert render("concise", results, None).splitlines()[1].endswith("(confirmed: 97% of the units never fired)")
    full = render("full", results, None)
    assert "(confirmed)" in full and "measured: 97% of the units never fired" in full


def test_json_through_the_cli_prints_nothing_else(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
                                   "loss_fn = nn.MSELoss()\n(\n")
    (tmp_path / "ok.py").write_text("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
                                    "loss_fn = nn.MSELoss()\n")
    p = subprocess.run([sys.executable, "-m", "relulint", ".", "--format", "json", "--no-cache"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr == ""
    data = json.loads(p.stdout)
    assert [(d["code"], os.path.basename(d["filename"]), d["location"]["row"]) for d in data] == \
        [("RL000", "m.py", 4), ("RL101", "ok.py", 2)]
    for d in data:
        assert set(d) == {"code", "name", "severity", "message", "filename", "location", "end_location", "fix",
                          "help", "url", "evidence", "related", "confirmation", "measured"}


def test_rule_info_shape():
    info = rule_info(BY_CODE["RL101"])
    assert set(info) >= {"code", "name", "severity", "summary", "fix_availability", "passes", "explanation",
                         "options"}
    assert info["code"] == "RL101" and info["passes"] == ["graph", "source"]
    assert json.dumps(info)
