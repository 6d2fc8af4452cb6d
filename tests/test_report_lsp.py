"""`--format lsp` and the position conversions behind it (0-based lines, UTF-16 columns)."""

from __future__ import annotations

import json
from pathlib import Path

from relulint import positions
from relulint.engine import lint_source
from relulint.fixes import attach_results
from relulint.ir import Origin
from relulint.report import lsp

# a non-BMP character (U+1F600, 2 UTF-16 units) before the flagged code on the same line
SOURCE = """import torch.nn as nn
tag = "😀"; model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())
loss_fn = nn.MSELoss()
"""


def test_utf16_conversion_round_trip():
    line = 'tag = "😀"; x'
    cp = line.index("x")
    assert positions.cp_to_utf16(line, cp) == cp + 1
    assert positions.utf16_to_cp(line, cp + 1) == cp
    assert positions.utf16_to_cp(line, 8) == 8  # inside the surrogate pair: rounds up past the emoji
    assert positions.cp_to_utf16(line, 999) == positions.utf16_len(line)  # stale column: clamped


def test_offsets_handle_crlf_and_clamping():
    src = "ab\r\ncd😀e\nf"
    starts = positions.line_starts(src)
    assert starts == [0, 4, 9]
    assert src[positions.to_offset(starts, src, 2, 3)] == "e"
    assert positions.from_offset(starts, 7) == (2, 3)
    assert positions.to_offset(starts, src, 1, 50) == 2  # clamped to the line


def test_diagnostic_shape_and_positions(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(SOURCE, encoding="utf-8")
    (result,) = attach_results([lint_source(SOURCE, str(path))])  # fixes as the lsp format gets them
    doc = json.loads(lsp.render([result], None))
    assert list(doc) == [path.as_uri()]
    (d,) = doc[path.as_uri()]
    line = SOURCE.splitlines()[1]
    cp = line.index("nn.ReLU()")
    assert d["range"] == {"start": {"line": 1, "character": cp + 1},
                          "end": {"line": 1, "character": cp + 1 + len("nn.ReLU()")}}
    assert d["severity"] == 1 and d["code"] == "RL101" and d["source"] == "relulint"
    page = Path(__file__).resolve().parents[1] / "docs" / "rules" / "RL101.md"
    assert d["codeDescription"] == {"href": page.as_uri()}  # the rule's page in this checkout
    (rel,) = d["relatedInformation"]
    assert rel["location"]["range"]["start"] == {"line": 2, "character": 10}
    assert rel["message"].startswith("regression loss")
    (edit,) = d["data"]["edits"]
    assert edit["newText"] == "" and edit["range"]["start"]["line"] == 1
    assert d["data"]["applicability"] == "unsafe"


def test_related_location_in_neighbour_file_uses_its_text(tmp_path):
    # a driver: imports the model and applies the loss to its output
    (tmp_path / "train.py").write_text('import torch.nn as nn\nx = "😀"; loss_fn = nn.MSELoss()\n'
                                       'from model import model\nloss = loss_fn(model(x), x)\n', encoding="utf-8")
    src = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
    (tmp_path / "model.py").write_text(src)
    (result,) = attach_results([lint_source(src, str(tmp_path / "model.py"))])
    (d,) = json.loads(lsp.render([result], None))[(tmp_path / "model.py").as_uri()]
    (rel,) = d["relatedInformation"]
    assert rel["location"]["uri"] == (tmp_path / "train.py").as_uri()
    cp = len('x = "😀"; loss_fn = ')
    assert rel["location"]["range"]["start"] == {"line": 1, "character": cp + 1}


def test_origin_without_end_is_a_point():
    assert positions.lsp_range(Origin("m.py", 3, 2), ["", "", "  x"]) == {
        "start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 2}}


def test_severity_mapping():
    from relulint.finding import Finding, Severity

    for sev, want in ((Severity.ERROR, 1), (Severity.WARNING, 2), (Severity.INFO, 3)):
        f = Finding("RL202", "init-scale-vanishing", sev, "m", Origin("<stdin>", 1, 0, 1, 1))
        assert lsp.diagnostic(f, ["x"])["severity"] == want
