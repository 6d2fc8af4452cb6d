"""Drivers of drivers: a helper module (ops.py, blocks.py) linted alone, whose importer (model.py) builds
the network but applies no loss, is judged by the training script one import further (train.py), and
its findings sit on the helper's own lines, where the layer is built. Every shape here is linted one
file at a time, as pre-commit and editors lint a changed file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, driver_paths, lint_file, neighbour_paths

# --------------------------------------------------------------------------------------- PyTorch

TORCH_OPS = """
import torch.nn as nn


def dense(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    nn.init.normal_(layer.weight, mean=0.0, std={STD})
    return layer


def head(n_in):
    return nn.Sequential(nn.Linear(n_in, 1), {HEAD_ACT})
"""
TORCH_BUGS = {"STD": "1.0", "HEAD_ACT": "nn.ReLU()"}
TORCH_FIXED = {"STD": "0.0625", "HEAD_ACT": "nn.Identity()"}  # He's std for fan-in 512; a linear output


def line_of(code: str, needle: str) -> int:
    """The 1-based line of `needle` in `code` as write() writes it."""
    return next(i for i, line in enumerate(textwrap.dedent(code).lstrip("\n").splitlines(), 1) if needle in line)


# the init call; the head's ReLU
TORCH_OPS_LINES = sorted([("RL203", line_of(TORCH_OPS, "nn.init.normal_")), ("RL101", line_of(TORCH_OPS, "{HEAD_ACT}"))])
TORCH_HEAD = ("RL101", line_of(TORCH_OPS, "{HEAD_ACT}"))

TORCH_MODEL = """
import torch.nn as nn
{IMPORT}


class Regressor(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.body = nn.Sequential({P}dense(n_features, 512), nn.ReLU(), {P}dense(512, 512), nn.ReLU())
        self.out = {P}head(512)

    def forward(self, x):
        return self.out(self.body(x))
"""

TORCH_TRAIN = """
import torch
import torch.nn as nn
{IMPORT}


def main():
    model = {CTOR}(64)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = {LOSS}
    for _ in range(100):
        x, y = torch.randn(32, 64), torch.randn(32, 1)
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


if __name__ == "__main__":
    main()
"""

# ------------------------------------------------------------------------------------------ Keras

KERAS_BLOCKS = """
import tensorflow as tf
from tensorflow import keras


class Mix(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer=keras.initializers.RandomNormal(mean={MEAN}, stddev=0.05))
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return tf.nn.relu(tf.matmul(inputs, self.kernel) + self.bias)


def regression_head(x):
    return keras.layers.Dense(1{HEAD_ACT})(x)
"""
KERAS_BUGS = {"MEAN": "0.2", "HEAD_ACT": ', activation="relu"'}
KERAS_FIXED = {"MEAN": "0.0", "HEAD_ACT": ""}
KERAS_BLOCKS_LINES = sorted([("RL201", line_of(KERAS_BLOCKS, "RandomNormal")),
                             ("RL101", line_of(KERAS_BLOCKS, "{HEAD_ACT}"))])

KERAS_MODEL = """
from tensorflow import keras

from blocks import Mix, regression_head


def build_model(n_inputs=16):
    inputs = keras.Input(shape=(n_inputs,))
    x = Mix(32)(inputs)
    x = Mix(32)(x)
    return keras.Model(inputs, regression_head(x))
"""

KERAS_TRAIN = """
import numpy as np

from model import build_model

x = np.random.normal(size=(1000, 16)).astype("float32")
y = np.random.normal(size=(1000, 1)).astype("float32")
model = build_model()
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=5)
"""

# -------------------------------------------------------------------------------------------- TF1

TF1_OPS = """
import tensorflow as tf


def fc(x, n_in, n_out, name, relu=True):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [n_in, n_out], initializer=tf.random_normal_initializer(stddev={STD}))
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
    out = tf.matmul(x, w) + b
    return tf.nn.relu(out) if relu else out
"""
TF1_BUGS = {"STD": "1.0"}
TF1_FIXED = {"STD": "0.088"}  # He's std for fan-in 256
TF1_OPS_LINES = [("RL203", line_of(TF1_OPS, "random_normal_initializer"))]

TF1_MODEL = """
import tensorflow as tf

from ops import fc


def predict(x):
    h = fc(x, 256, 256, "fc1")
    h = fc(h, 256, 256, "fc2")
    return fc(h, 256, 1, "out", relu=False)
"""

TF1_TRAIN = """
import numpy as np
import tensorflow as tf

from model import predict

x = tf.placeholder(tf.float32, [None, 256])
y = tf.placeholder(tf.float32, [None, 1])
pred = predict(x)
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(100):
        sess.run(train_op, feed_dict={x: np.random.rand(32, 256), y: np.random.rand(32, 1)})
"""


def torch_project(fill: dict[str, str], loss: str = "nn.MSELoss()") -> dict[str, str]:
    return {"ops.py": TORCH_OPS.format(**fill),
            "model.py": TORCH_MODEL.format(IMPORT="from ops import dense, head", P=""),
            "train.py": TORCH_TRAIN.format(IMPORT="from model import Regressor", CTOR="Regressor", LOSS=loss)}


def keras_project(fill: dict[str, str]) -> dict[str, str]:
    return {"blocks.py": KERAS_BLOCKS.format(**fill), "model.py": KERAS_MODEL, "train.py": KERAS_TRAIN}


def tf1_project(fill: dict[str, str]) -> dict[str, str]:
    return {"ops.py": TF1_OPS.format(**fill), "model.py": TF1_MODEL, "train.py": TF1_TRAIN}


def write(root: Path, files: dict[str, str], marker: str | None = "requirements.txt") -> None:
    for name, code in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code).lstrip("\n"))
    if marker:
        (root / marker).write_text("")


def lint_alone(root: Path, target: str) -> list[tuple[str, int]]:
    """(code, line) of the findings placed in `target`, linted alone with a fresh cache."""
    path = root / target
    result = lint_file(str(path), Settings(), FactsCache())
    assert not [f for f in result.findings if f.code.startswith("RL0")], result.findings
    return sorted((f.code, f.origin.line) for f in result.findings
                  if Path(f.origin.path).resolve() == path.resolve())


def lint_each_alone(root: Path) -> list[str]:
    """Every finding of every .py file of `root`, each file linted alone."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for f in lint_file(str(path), Settings(), FactsCache()).findings:
            out.append(f"{path.name} -> {Path(f.origin.path).name}:{f.origin.line} {f.code} {f.message}")
    return out


CHAINS = [
    pytest.param(torch_project, TORCH_BUGS, TORCH_FIXED, "ops.py", TORCH_OPS_LINES, id="torch"),
    pytest.param(keras_project, KERAS_BUGS, KERAS_FIXED, "blocks.py", KERAS_BLOCKS_LINES, id="keras"),
    pytest.param(tf1_project, TF1_BUGS, TF1_FIXED, "ops.py", TF1_OPS_LINES, id="tf1"),
]


@pytest.mark.parametrize(("make", "bugs", "fixed", "helper", "want"), CHAINS)
def test_helper_alone_is_judged_by_the_script_two_imports_away(tmp_path, make, bugs, fixed, helper, want):
    write(tmp_path, make(bugs))
    assert [p.name for p in driver_paths(tmp_path / helper)] == ["model.py", "train.py"]
    assert lint_alone(tmp_path, helper) == want


@pytest.mark.parametrize(("make", "bugs", "fixed", "helper", "want"), CHAINS)
def test_fixed_twin_is_silent_file_by_file(tmp_path, make, bugs, fixed, helper, want):
    write(tmp_path, make(fixed))
    assert lint_each_alone(tmp_path) == []


@pytest.mark.parametrize(("make", "bugs", "fixed", "helper", "want"), CHAINS)
def test_without_the_training_script_the_helper_is_not_judged(tmp_path, make, bugs, fixed, helper, want):
    """What the helper is judged by is the training script: without it, the loss-dependent findings go
    (RL101 needs the regression loss; the TF1 and Keras layers' fan-ins are only known in a program)."""
    files = make(bugs)
    del files["train.py"]
    write(tmp_path, files)
    assert not [f for f in lint_alone(tmp_path, helper) if f[0] == "RL101"]


def test_a_classification_loss_above_keeps_the_output_silent(tmp_path):
    write(tmp_path, torch_project(TORCH_BUGS, loss="nn.BCEWithLogitsLoss()"))
    # no RL101 (the init is wrong whatever the loss); the ReLU head under a logits loss is RL103's
    assert lint_alone(tmp_path, "ops.py") == sorted([TORCH_OPS_LINES[1], ("RL103", TORCH_HEAD[1])])


# ---------------------------------------------------------------------------------- package layouts

PACKAGE_LAYOUTS = [
    # model.py imports its helpers relatively; the top-level script imports the model by package path
    pytest.param({"pkg/__init__.py": "", "pkg/model.py": ("from .ops import dense, head", ""),
                  "train.py": ("from pkg.model import Regressor", "Regressor")}, id="relative-then-dotted"),
    pytest.param({"pkg/__init__.py": "", "pkg/model.py": ("from . import ops", "ops."),
                  "train.py": ("from pkg import model", "model.Regressor")}, id="from-dot-import-module"),
    # the package re-exports the model; the script imports it from the package
    pytest.param({"pkg/__init__.py": "from .model import Regressor\n",
                  "pkg/model.py": ("from pkg.ops import dense, head", ""),
                  "train.py": ("from pkg import Regressor", "Regressor")}, id="package-reexport"),
    pytest.param({"src/__init__.py": "", "src/nets/__init__.py": "",
                  "src/nets/model.py": ("from src.nets.ops import dense, head", ""),
                  "scripts_train.py": ("from src.nets.model import Regressor as Net", "Net")}, id="two-folders-down"),
]


def _package_files(layout: dict, fill: dict[str, str]) -> tuple[dict[str, str], str]:
    files: dict[str, str] = {}
    helper = ""
    for name, spec in layout.items():
        if name.endswith("__init__.py"):
            files[name] = spec
        elif name.endswith("model.py"):
            imp, prefix = spec
            files[name] = TORCH_MODEL.format(IMPORT=imp, P=prefix)
            helper = name.replace("model.py", "ops.py")
            files[helper] = TORCH_OPS.format(**fill)
        else:
            imp, ctor = spec
            files[name] = TORCH_TRAIN.format(IMPORT=imp, CTOR=ctor, LOSS="nn.MSELoss()")
    return files, helper


@pytest.mark.parametrize("layout", PACKAGE_LAYOUTS)
def test_package_layouts(tmp_path, layout):
    files, helper = _package_files(layout, TORCH_BUGS)
    write(tmp_path, files)
    assert lint_alone(tmp_path, helper) == TORCH_OPS_LINES


@pytest.mark.parametrize("layout", PACKAGE_LAYOUTS)
def test_package_layouts_fixed_twin_is_silent(tmp_path, layout):
    files, _helper = _package_files(layout, TORCH_FIXED)
    write(tmp_path, files)
    assert lint_each_alone(tmp_path) == []


# ------------------------------------------------------------------------------------ walk bounds


def test_import_cycles_end(tmp_path):
    """a imports b imports a (and the helper imports its importer back): the walk visits each file once."""
    files = torch_project(TORCH_BUGS)
    files["model.py"] = files["model.py"].replace("from ops import dense, head",
                                                  "from ops import dense, head\nimport registry")
    files["registry.py"] = "import model\nimport ops\nNETS = {}\n"
    files["ops.py"] = files["ops.py"] + "\n\ndef lookup():\n    import model\n    return model\n"
    write(tmp_path, files)
    paths = driver_paths(tmp_path / "ops.py")
    assert len(paths) == len(set(paths))
    assert [p.name for p in paths] == ["registry.py", "model.py", "train.py"]
    assert lint_alone(tmp_path, "ops.py") == TORCH_OPS_LINES
    # a ring of modules that train nothing and import each other
    ring = tmp_path / "ring"
    write(ring, {"ops.py": TORCH_OPS.format(**TORCH_BUGS), "a.py": "import ops\nimport b\n", "b.py": "import c\n",
                 "c.py": "import a\nimport ops\n"})
    assert sorted(p.name for p in driver_paths(ring / "ops.py")) == ["a.py", "c.py"]


def test_helper_imported_by_many_modules(tmp_path):
    """Six model modules import the helper, none trains; the training script imports the largest one.
    The walk goes through every importer, not only the drivers it reads."""
    files = {"ops.py": TORCH_OPS.format(**TORCH_BUGS)}
    for i, name in enumerate("abcdef"):
        files[f"model_{name}.py"] = TORCH_MODEL.format(IMPORT="from ops import dense, head", P="") + "#" * (10 * i)
    files["train.py"] = TORCH_TRAIN.format(IMPORT="from model_f import Regressor", CTOR="Regressor",
                                           LOSS="nn.MSELoss()")
    write(tmp_path, files)
    paths = [p.name for p in driver_paths(tmp_path / "ops.py")]
    assert paths == ["model_a.py", "model_b.py", "model_c.py", "model_d.py", "train.py"]
    assert lint_alone(tmp_path, "ops.py") == TORCH_OPS_LINES


def test_helper_imported_by_many_training_scripts(tmp_path):
    """Many scripts train on the helper directly: the first level's budget (MAX_DRIVERS, smallest first)
    bounds what is read, and one regression script among them judges the head."""
    from relulint.engine import MAX_DRIVERS

    files = {"ops.py": TORCH_OPS.format(**TORCH_BUGS),
             "model.py": TORCH_MODEL.format(IMPORT="from ops import dense, head", P="")}
    for i in range(6):
        files[f"train_{i}.py"] = (TORCH_TRAIN.format(IMPORT="from ops import dense, head\nfrom model import Regressor",
                                                     CTOR="Regressor", LOSS="nn.MSELoss()" if i == 0 else
                                                     "nn.BCEWithLogitsLoss()") + "#" * (10 * i))
    write(tmp_path, files)
    paths = driver_paths(tmp_path / "ops.py")
    assert len(paths) == MAX_DRIVERS and "train_5.py" not in [p.name for p in paths]
    # (the scripts training with BCEWithLogitsLoss see the ReLU head as clamped logits: RL103)
    assert lint_alone(tmp_path, "ops.py") == sorted([*TORCH_OPS_LINES, ("RL103", TORCH_HEAD[1])])


def test_importers_that_train_nothing_are_not_lowered(tmp_path, monkeypatch):
    """The helper's importers export or serve the model and never train: nothing above model.py is read
    beyond its import lines, and the helper stays silent about its loss-dependent bugs."""
    import relulint.source as source

    lowered = []
    real = source.lower_source
    monkeypatch.setattr(source, "lower_source", lambda p, c, *a: lowered.append(Path(p).name) or real(p, c, *a))
    files = torch_project(TORCH_BUGS)
    del files["train.py"]
    files["export.py"] = ("import torch\nfrom model import Regressor\n\nnet = Regressor(64).eval()\n"
                          "torch.onnx.export(net, torch.randn(1, 64), 'model.onnx')\n")
    files["serve.py"] = "import torch\nimport export\n\nprint(export.net(torch.randn(1, 64)))\n"
    write(tmp_path, files)
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["model.py"]
    assert TORCH_HEAD not in lint_alone(tmp_path, "ops.py")
    assert "export.py" not in lowered and "serve.py" not in lowered


def test_the_walk_is_bounded_in_depth(tmp_path):
    """ops <- layers <- model <- train is three imports: followed. One more module between them: not."""
    from relulint.engine import MAX_DRIVER_DEPTH

    assert MAX_DRIVER_DEPTH == 3
    files = torch_project(TORCH_BUGS)
    files["layers.py"] = "from ops import dense, head\n"
    files["model.py"] = files["model.py"].replace("from ops import", "from layers import")
    write(tmp_path, files)
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["layers.py", "train.py"]
    assert lint_alone(tmp_path, "ops.py") == TORCH_OPS_LINES
    (tmp_path / "blocks.py").write_text("from layers import dense, head\n")
    (tmp_path / "model.py").write_text((tmp_path / "model.py").read_text().replace("from layers import",
                                                                                   "from blocks import"))
    assert "train.py" not in [p.name for p in driver_paths(tmp_path / "ops.py")]


def test_a_driver_that_trains_ends_the_walk(tmp_path):
    """A first-level driver that trains is the top of its chain: the scripts importing it are not read."""
    files = torch_project(TORCH_BUGS)
    files["model.py"] += "\n\ndef fit(model, x, y):\n    loss = nn.MSELoss()(model(x), y)\n    loss.backward()\n"
    files["train.py"] = files["train.py"].replace("from model import Regressor", "from model import Regressor, fit")
    write(tmp_path, files)
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["model.py"]


def test_no_script_outside_the_project_is_read(tmp_path):
    """The walk stays inside the project: with no marker, the project is the helper's own folder."""
    layout = PACKAGE_LAYOUTS[0].values[0]
    files, helper = _package_files(layout, TORCH_BUGS)
    write(tmp_path, files, marker=None)
    assert [p.name for p in driver_paths(tmp_path / helper)] == ["model.py"]
    assert TORCH_HEAD not in lint_alone(tmp_path, helper)


def test_result_cache_follows_the_script_above(tmp_path):
    """The result cache keys a helper's findings on the scripts the walk reaches: changing the training
    script two imports away is a miss."""
    from relulint.cache import Cache

    write(tmp_path, torch_project(TORCH_BUGS))
    ops = tmp_path / "ops.py"
    assert str(tmp_path / "train.py") in neighbour_paths(str(ops), [])
    cache = Cache(tmp_path, Settings())
    result = lint_file(str(ops), Settings(), FactsCache())
    cache.put(str(ops), ops.read_bytes(), result)
    assert cache.get(str(ops), ops.read_bytes()) is not None
    train = tmp_path / "train.py"
    train.write_text(train.read_text().replace("nn.MSELoss()", "nn.BCEWithLogitsLoss()"))
    assert Cache(tmp_path, Settings()).get(str(ops), ops.read_bytes()) is None


def test_correct_projects_are_silent_file_by_file():
    """The correct projects of test_correct_projects, each file linted alone (drivers and drivers of
    drivers read for it) instead of the folder at once."""
    root = Path(__file__).resolve().parent / "correct_projects"
    assert lint_each_alone(root) == []


def test_training_notebook_two_imports_away(tmp_path):
    """The training script above model.py is a notebook: its code cells are the program."""
    import json

    files = torch_project(TORCH_BUGS)
    train = textwrap.dedent(files.pop("train.py")).replace('if __name__ == "__main__":\n    main()\n', "main()\n")
    write(tmp_path, files)
    cells = [train.split("\n\n\ndef ")[0], "def " + train.split("\n\n\ndef ")[1]]
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": src.splitlines(keepends=True)} for src in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "train.ipynb").write_text(json.dumps(nb))
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["model.py", "train.ipynb"]
    assert lint_alone(tmp_path, "ops.py") == TORCH_OPS_LINES


def test_scripts_above_share_one_budget(tmp_path):
    """The training scripts the walk finds are read smallest first, within MAX_DRIVERS files and
    MAX_DRIVERS_TOTAL_BYTES together, whatever their depth; a script over MAX_DRIVER_BYTES is not read."""
    from relulint.engine import MAX_DRIVER_BYTES, MAX_DRIVERS_TOTAL_BYTES

    files = torch_project(TORCH_BUGS)
    files["layers.py"] = "from ops import dense, head\n"
    train = files.pop("train.py")
    pad = "# " + "x" * (MAX_DRIVERS_TOTAL_BYTES * 2 // 5) + "\n"
    files["train_a.py"] = train + pad + "#\n"  # two imports away
    files["train_b.py"] = train.replace("from model import", "from layers import dense, head\nfrom model import") + pad
    files["train_c.py"] = train + pad + "#" * 40 + "\n"  # three away too, larger than train_a.py
    files["train_big.py"] = train + "# " + "y" * MAX_DRIVER_BYTES + "\n"
    files["model.py"] = files["model.py"].replace("from ops import dense, head", "from layers import dense, head")
    write(tmp_path, files)
    # train_b.py imports layers (two away from ops.py), train_a.py model (three away); train_c.py, as far
    # and larger, does not fit the bytes left
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["layers.py", "train_b.py", "train_a.py"]


def test_result_cache_follows_the_modules_between(tmp_path):
    """ops.py <- layers.py <- model.py <- train.py: model.py is not read for ops.py (it trains nothing and
    is not a first-level importer), but train.py's program goes through it: a change there is a miss."""
    from relulint.cache import Cache
    from relulint.engine import driver_walk

    files = torch_project(TORCH_BUGS)
    files["layers.py"] = "from ops import dense, head\n"
    files["model.py"] = files["model.py"].replace("from ops import", "from layers import")
    write(tmp_path, files)
    ops = tmp_path / "ops.py"
    assert [(p.name, read) for p, read in driver_walk(ops)] == [("layers.py", True), ("train.py", True),
                                                              ("model.py", False)]
    cache = Cache(tmp_path, Settings())
    result = lint_file(str(ops), Settings(), FactsCache())
    assert sorted((f.code, f.origin.line) for f in result.findings) == TORCH_OPS_LINES
    cache.put(str(ops), ops.read_bytes(), result)
    assert cache.get(str(ops), ops.read_bytes()) is not None
    model = tmp_path / "model.py"
    model.write_text(model.read_text().replace("self.out = head(512)", "self.out = nn.Linear(512, 1)"))
    assert Cache(tmp_path, Settings()).get(str(ops), ops.read_bytes()) is None
    assert lint_alone(tmp_path, "ops.py") == [TORCH_OPS_LINES[1]]  # the head is no longer ops.py's ReLU


def test_lightning_module_two_imports_away(tmp_path):
    """The loss lives in a LightningModule's training_step (lit.py imports model.py); the Trainer script
    above it adds nothing and is not needed."""
    files = torch_project(TORCH_BUGS)
    del files["train.py"]
    files["lit.py"] = """
        import lightning as L
        import torch
        import torch.nn.functional as F

        from model import Regressor


        class LitRegressor(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.net = Regressor(64)

            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.mse_loss(self.net(x), y)

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), lr=1e-3)
        """
    files["fit.py"] = "import lightning as L\nfrom lit import LitRegressor\n\nL.Trainer(max_epochs=5).fit(LitRegressor())\n"
    write(tmp_path, files)
    assert [p.name for p in driver_paths(tmp_path / "ops.py")] == ["model.py", "lit.py"]
    assert lint_alone(tmp_path, "ops.py") == TORCH_OPS_LINES
