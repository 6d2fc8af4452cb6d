"""Cross-file context: the loss in a sibling train.py joins the network in model.py (read, never imported)."""

from __future__ import annotations

import textwrap

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file, neighbour_paths
from relulint.project import repository_root

MODEL = """
import torch.nn as nn

class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return self.fc(x).relu()
"""

TRAIN = """
import torch
from model import Reg

model = Reg()
criterion = torch.nn.MSELoss()
loss = criterion(model(torch.rand(4, 8)), torch.rand(4, 1))
"""


def _write(folder, name, code):
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


def test_loss_in_sibling_train_py_is_joined(tmp_path):
    model = _write(tmp_path, "model.py", MODEL)
    train = _write(tmp_path, "train.py", TRAIN)
    result = lint_file(str(model), Settings(select=["RL101"]), FactsCache())
    assert [(f.code, f.origin.line) for f in result.findings] == [("RL101", 10)]
    finding = result.findings[0]
    assert finding.origin.path == str(model)
    assert [(o.path, o.line) for o, _ in finding.related] == [(str(train), 6)]
    assert "MSELoss" in finding.message


def test_loss_in_directly_imported_module_of_another_folder(tmp_path):
    (tmp_path / ".git").mkdir()  # the repository is the project: imports from other folders of it are read
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    _write(pkg, "losses.py", "import torch.nn as nn\ndef regression_loss(pred, y):\n    return nn.L1Loss()(pred, y)\n")
    app = tmp_path / "app"
    app.mkdir()
    # the loss is applied to the model's output through the imported helper (followed, never imported)
    model = _write(app, "model.py", "import pkg.losses\n" + MODEL +
                   "\ndef train(x, y):\n    return pkg.losses.regression_loss(Reg()(x), y)\n")
    assert str(pkg / "losses.py") in neighbour_paths(str(model), ["pkg.losses"])
    result = lint_file(str(model), Settings(select=["RL101"]), FactsCache())
    assert [f.code for f in result.findings] == ["RL101"]
    (app / ".git").mkdir()  # app/ becomes its own repository: ../pkg is outside the project, never read
    repository_root.cache_clear()
    assert neighbour_paths(str(model), ["pkg.losses"]) == []


def test_classification_loss_in_sibling_keeps_it_silent(tmp_path):
    model = _write(tmp_path, "model.py", MODEL)
    _write(tmp_path, "train.py", TRAIN.replace("MSELoss", "BCEWithLogitsLoss"))
    assert lint_file(str(model), Settings(select=["RL101"]), FactsCache()).findings == []


def test_no_loss_anywhere_is_silent(tmp_path):
    model = _write(tmp_path, "model.py", MODEL)
    assert lint_file(str(model), Settings(select=["RL101"]), FactsCache()).findings == []


def test_neighbour_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    model = _write(tmp_path, "model.py", MODEL)
    _write(tmp_path, "train.py", f"open({str(marker)!r}, 'w').write('x')\n" + TRAIN)
    result = lint_file(str(model), Settings(select=["RL101"]), FactsCache())
    assert [f.code for f in result.findings] == ["RL101"]
    assert not marker.exists()


def test_neighbour_set_is_bounded(tmp_path):
    for i in range(60):
        (tmp_path / f"m{i:02d}.py").write_text("x = 1\n")
    model = _write(tmp_path, "model.py", MODEL)
    assert len(neighbour_paths(str(model), [])) <= 32


def test_neighbours_without_loss_feed_or_import_are_not_lowered(tmp_path, monkeypatch):
    """The metadata pass is the costly part: a sibling model file with no loss, no feed and no import
    of the linted file contributes nothing and is not lowered."""
    import relulint.source as source

    lowered = []
    real = source.lower_source
    monkeypatch.setattr(source, "lower_source", lambda p, c, *a: lowered.append(p) or real(p, c, *a))
    model = _write(tmp_path, "model.py", MODEL)
    _write(tmp_path, "other_model.py", "import torch.nn as nn\nlayer = nn.Linear(4, 4)\nscale = 4 ** -0.5\n")
    _write(tmp_path, "infer.py", "import torch\nfrom model import Reg\nout = Reg()(torch.rand(2, 8))\n")
    _write(tmp_path, "train.py", TRAIN)
    lint_file(str(model), Settings(select=["RL101"]), FactsCache())
    names = sorted(p.rsplit("/", 1)[-1] for p in lowered)
    assert names == ["infer.py", "model.py", "train.py"]  # model.py: the linted file itself


def test_drivers_are_scripts_smallest_first_within_a_size_bound(tmp_path):
    """A module that imports the linted file but is larger than MAX_DRIVER_BYTES is a library building on
    it, not a script that trains it: not read (reading it cost more than the file). Scripts are read
    smallest first, within MAX_DRIVERS_TOTAL_BYTES together."""
    from relulint.engine import MAX_DRIVER_BYTES, MAX_DRIVERS_TOTAL_BYTES, driver_paths

    model = _write(tmp_path, "model.py", MODEL)
    library = TRAIN + "".join(f"# padding line {i:06d} of a large library module\n"
                              for i in range(MAX_DRIVER_BYTES // 40))
    _write(tmp_path, "blocks.py", library)  # binds the loss too: would fire if it were read
    assert (tmp_path / "blocks.py").stat().st_size > MAX_DRIVER_BYTES
    assert lint_file(str(model), Settings(select=["RL101"]), FactsCache()).findings == []
    _write(tmp_path, "train.py", TRAIN + "# " + "x" * 2000 + "\n")
    _write(tmp_path, "infer.py", "import torch\nfrom model import Reg\nout = Reg()(torch.rand(2, 8))\n")
    assert [p.name for p in driver_paths(model)] == ["infer.py", "train.py"]
    assert [f.code for f in lint_file(str(model), Settings(select=["RL101"]), FactsCache()).findings] == ["RL101"]
    # scripts that together pass the total are not all read: the smaller ones are
    other = tmp_path / "other"
    other.mkdir()
    model = _write(other, "model.py", MODEL)
    third = "# " + "y" * (MAX_DRIVERS_TOTAL_BYTES * 2 // 5) + "\n"
    for i, name in enumerate(["c.py", "a.py", "b.py"]):
        _write(other, name, TRAIN + third + "#" * i + "\n")
    assert [p.name for p in driver_paths(model)] == ["c.py", "a.py"]


def test_cached_facts_keep_no_syntax_tree_alive(tmp_path):
    """The run-long neighbour cache keeps what another file reads (bound losses, losses, data) with every
    origin placed: an origin still waiting to be placed would keep its file's whole tree alive."""
    from relulint.source.lazy_positions import LazyOrigin

    model = _write(tmp_path, "model.py", MODEL)
    train = _write(tmp_path, "train.py", TRAIN)
    cache = FactsCache()
    assert [f.code for f in lint_file(str(model), Settings(select=["RL101"]), cache).findings] == ["RL101"]
    lint_file(str(train), Settings(select=["RL101"]), cache)
    origins = []
    for path in (model, train):
        facts = cache.get(str(path))
        assert facts is not None and facts.networks == []
        origins += [op.origin for ir in facts.bound for op in ir.network.ops] + \
            [loss.origin for ir in facts.bound for loss in ir.losses]
    assert origins and all(o is not None for o in origins)  # (train.py's loss call, bound to model.py's net)
    assert all(o._at is None for o in origins if isinstance(o, LazyOrigin))
    # and a file linted after them still gets the finding its driver makes
    assert [f.code for f in lint_file(str(model), Settings(select=["RL101"]), cache).findings] == ["RL101"]
