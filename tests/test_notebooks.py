"""Jupyter notebooks: code cells linted as one script, findings placed by code cell and line in it
(`nb.ipynb:cell 2:3:23`, JSON "cell"), IPython magics and shell escapes skipped, never a fix written
into the JSON, and a broken notebook is one RL001 naming the file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from relulint.config import Settings
from relulint.engine import lint_buffer, lint_file
from relulint.notebook import to_script


def write_notebook(path, cells, nbformat: int = 4) -> str:
    """cells: (cell_type, source) pairs; the source is stored as a list of lines, as Jupyter does."""
    def cell(kind, src):
        c = {"cell_type": kind, "metadata": {}, "source": src.splitlines(True)}
        if kind == "code":
            c.update(outputs=[{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}], execution_count=1)
        return c

    if nbformat == 3:
        nb = {"worksheets": [{"cells": [dict(cell(k, s), input=s) for k, s in cells]}], "nbformat": 3}
    else:
        nb = {"cells": [cell(k, s) for k, s in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))
    return str(path)


MODEL_CELL = "model = nn.Sequential(\n    nn.Linear(13, 64), nn.ReLU(),\n    nn.Linear(64, 1), {OUT})\n"
TRAIN_CELL = ("x = torch.randn(32, 13)\ny = torch.randn(32, 1)\nopt = torch.optim.Adam(model.parameters())\n"
              "for _ in range(10):\n    loss = nn.MSELoss()(model(x), y)\n    opt.zero_grad(); loss.backward(); opt.step()\n")


def cells_for(out: str, magics: bool = True):
    imports = "import torch\nimport torch.nn as nn\n"
    if magics:
        imports = "%matplotlib inline\n!pip install -q torch\n" + imports
    return [
        ("markdown", "# House prices\n"),
        ("code", imports),
        ("code", MODEL_CELL.format(OUT=out) + ("model?\n" if magics else "")),
        ("raw", "not code\n"),
        ("code", ("%%time\n" if magics else "") + TRAIN_CELL),
        ("code", "%%bash\nls -la | grep data\n" if magics else "print('done')\n"),
    ]


def where(result) -> list[tuple[str, int | None, int, int]]:
    return [(f.code, f.origin.cell, f.origin.line, f.origin.col) for f in result.findings]


@pytest.mark.parametrize("magics", [True, False])
def test_finding_is_placed_in_its_code_cell(tmp_path, magics):
    nb = write_notebook(tmp_path / "prices.ipynb", cells_for("nn.ReLU()", magics))
    result = lint_file(nb, Settings())
    assert where(result) == [("RL101", 2, 3, 22)]
    related = result.findings[0].related
    assert [(o.cell, o.line) for o, _ in related if o.path == nb] == [(3, 5 + magics)]


def test_correct_notebook_is_silent(tmp_path):
    nb = write_notebook(tmp_path / "prices.ipynb", cells_for("nn.Identity()"))
    assert lint_file(nb, Settings()).findings == []


def test_nbformat_3_notebook(tmp_path):
    nb = write_notebook(tmp_path / "old.ipynb", cells_for("nn.ReLU()", magics=False), nbformat=3)
    assert where(lint_file(nb, Settings())) == [("RL101", 2, 3, 22)]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"cells": 3}', ""])
def test_broken_notebook_is_one_rl001(tmp_path, text):
    path = tmp_path / "broken.ipynb"
    path.write_text(text)
    found = lint_file(str(path), Settings()).findings
    assert [f.code for f in found] == ["RL001"]
    assert "notebook" in found[0].message


def test_syntax_error_in_a_cell_is_placed_in_that_cell(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", [("code", "import torch\n"), ("code", "x = (1,\ny = 2\n")])
    found = lint_file(nb, Settings()).findings
    assert [(f.code, f.origin.cell) for f in found] == [("RL000", 2)]


def test_noqa_in_a_cell(tmp_path):
    cells = cells_for("nn.ReLU()", magics=False)
    cells[2] = ("code", MODEL_CELL.format(OUT="nn.ReLU()").replace("nn.ReLU())\n", "nn.ReLU())  # noqa: RL101\n"))
    nb = write_notebook(tmp_path / "prices.ipynb", cells)
    assert lint_file(nb, Settings()).findings == []


def test_ipython_lines_become_pass_at_their_indentation():
    src = json.dumps({"cells": [{"cell_type": "code", "source": [
        "files = !ls\n", "for f in files:\n", "    !echo $f\n", "    %time g(f)\n", "np.array?\n",
        "s = 'a = !b'\n", "x = y != z\n"]}]})
    script = to_script(src)
    assert script.code.splitlines() == ["files = None", "for f in files:", "    pass", "    pass", "pass",
                                        "s = 'a = !b'", "x = y != z"]
    assert script.place(3) == (1, 3)


def test_fix_is_never_written_into_a_notebook(tmp_path):
    nb = write_notebook(tmp_path / "prices.ipynb", cells_for("nn.ReLU()"))
    before = (tmp_path / "prices.ipynb").read_bytes()
    run = subprocess.run([sys.executable, "-m", "relulint", "--no-cache", "--fix", "--unsafe-fixes", nb],
                         capture_output=True, text=True, cwd=tmp_path)
    assert "prices.ipynb:cell 2:3:23: RL101" in run.stdout
    assert (tmp_path / "prices.ipynb").read_bytes() == before


def test_directory_walk_includes_notebooks_and_json_output_has_the_cell(tmp_path):
    write_notebook(tmp_path / "prices.ipynb", cells_for("nn.ReLU()"))
    run = subprocess.run([sys.executable, "-m", "relulint", "--no-cache", "--output-format", "json", "."],
                         capture_output=True, text=True, cwd=tmp_path)
    found = json.loads(run.stdout)
    assert [(f["code"], f["cell"], f["location"]["row"]) for f in found] == [("RL101", 2, 3)]


def test_notebook_opened_as_a_text_buffer_reports_nothing(tmp_path):
    """An editor showing the JSON: no position in it is a line of code."""
    nb = write_notebook(tmp_path / "prices.ipynb", cells_for("nn.ReLU()"))
    assert lint_buffer((tmp_path / "prices.ipynb").read_text(), nb, Settings()).findings == []


CLF = """import torch.nn as nn


class Clf(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return {OUT}
"""


@pytest.mark.parametrize(("out", "want"), [("self.fc(x)", [("RL103", 2, 4)]), ("self.fc(x).sigmoid()", [])])
def test_training_notebook_is_the_driver_of_the_model_file(tmp_path, out, want):
    """model.py linted alone is judged with the notebook beside it that imports and trains it (however
    big the notebook's outputs); the finding at the notebook's loss is placed by cell."""
    (tmp_path / "clf.py").write_text(CLF.format(OUT=out))
    cells = [("code", "%load_ext autoreload\nimport torch\nimport torch.nn as nn\nfrom clf import Clf\n"),
             ("markdown", "Train"),
             ("code", "net = Clf()\nx = torch.randn(16, 8)\ny = torch.rand(16, 1).round()\ncrit = nn.BCELoss()\n"
                      "for _ in range(5):\n    loss = crit(net(x), y)\n    loss.backward()\n")]
    nb = write_notebook(tmp_path / "fit.ipynb", cells)
    data = json.loads((tmp_path / "fit.ipynb").read_text())
    data["cells"][0]["outputs"] = [{"output_type": "display_data", "data": {"image/png": "A" * 2_500_000}}]
    (tmp_path / "fit.ipynb").write_text(json.dumps(data))
    found = lint_file(str(tmp_path / "clf.py"), Settings()).findings
    assert [(f.code, f.origin.cell, f.origin.line) for f in found] == want
    assert all(f.origin.path == nb for f in found)
