"""A model module inside a package folder (`src/models.py`, `mypkg/nets/regressor.py`) is driven by
a script in a folder above it (`train.py` doing `from src.models import Net`). Linting the model file
alone reads that script, within the project (a git checkout, or a folder marked by pyproject.toml,
setup.py, setup.cfg or requirements.txt), and never above it."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file

MODEL = """
import torch.nn as nn

class Regressor(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n, 32), nn.ReLU())
        self.out = nn.Linear(32, 1)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.out(self.body(x)))
"""

TRAIN = """
import torch
import torch.nn as nn
{IMPORT}

def main():
    model = {CTOR}(8)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 8), torch.randn(64, 1)
    loss = {LOSS}(model(x), y)
    loss.backward()
    opt.step()

if __name__ == "__main__":
    main()
"""


def lint(tmp_path, files: dict[str, str], target: str) -> list[tuple[str, int]]:
    for name, code in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = lint_file(str(tmp_path / target), Settings(select=["RL101", "RL102", "RL103"]), FactsCache())
    return sorted((f.code, f.origin.line) for f in result.findings)


def project(imp: str, ctor: str, model_path: str, loss: str = "nn.MSELoss()",
            marker: str = "requirements.txt") -> dict[str, str]:
    files = {model_path: MODEL, "train.py": TRAIN.format(IMPORT=imp, CTOR=ctor, LOSS=loss)}
    if marker:
        files[marker] = ""
    return files


SPELLINGS = [
    ("from src.models import Regressor", "Regressor", "src/models.py"),
    ("from src import models", "models.Regressor", "src/models.py"),
    ("import src.models as M", "M.Regressor", "src/models.py"),
    ("from mypkg.nets.regressor import Regressor as Net", "Net", "mypkg/nets/regressor.py"),
]


@pytest.mark.parametrize(("imp", "ctor", "model_path"), SPELLINGS)
def test_model_in_a_package_is_judged_with_the_top_level_training_script(tmp_path, imp, ctor, model_path):
    for pkg in {str(p) for p in (tmp_path / model_path).relative_to(tmp_path).parents if str(p) != "."}:
        (tmp_path / pkg).mkdir(parents=True, exist_ok=True)
        (tmp_path / pkg / "__init__.py").write_text("")
    assert lint(tmp_path, project(imp, ctor, model_path), model_path) == [("RL101", 12)]


@pytest.mark.parametrize(("imp", "ctor", "model_path"), SPELLINGS)
def test_same_layout_with_a_classification_loss_is_silent(tmp_path, imp, ctor, model_path):
    files = project(imp, ctor, model_path, loss="nn.BCEWithLogitsLoss()")
    files[model_path] = MODEL.replace("self.act = nn.ReLU()", "self.act = nn.Identity()")
    assert lint(tmp_path, files, model_path) == []


def test_a_script_above_that_does_not_import_the_model_is_not_read(tmp_path):
    files = project("from src.other import Regressor", "Regressor", "src/models.py")
    files["src/other.py"] = MODEL.replace("self.act = nn.ReLU()", "self.act = nn.Identity()")
    assert lint(tmp_path, files, "src/models.py") == []


def test_no_script_above_the_project_is_read(tmp_path):
    """Without a git checkout or a marker file, the project is the model's own folder: the
    training script one folder above is outside it and stays unread."""
    files = project("from src.models import Regressor", "Regressor", "src/models.py", marker="")
    assert lint(tmp_path, files, "src/models.py") == []
    (tmp_path / "setup.cfg").write_text("")
    assert lint(tmp_path, {}, "src/models.py") == [("RL101", 12)]
