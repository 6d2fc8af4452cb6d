"""Every fix: exact before/after text; the fixed source parses and no longer fires that rule."""

from __future__ import annotations

import ast

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.finding import Edit
from relulint.fixes import apply_edits, apply_fixes, fix_source

# (code, before, after, applicability)
CASES = [
    ("RL101", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())  # head
loss_fn = nn.MSELoss()
""", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))  # head
loss_fn = nn.MSELoss()
""", "safe"),
    ("RL101", """\
import torch.nn as nn
model = nn.Sequential(
    nn.Linear(8, 16),
    nn.ReLU(),
    nn.Linear(16, 1),  # the output layer
    nn.ReLU(),  # clamps the output
)
loss_fn = nn.MSELoss()
""", """\
import torch.nn as nn
model = nn.Sequential(
    nn.Linear(8, 16),
    nn.ReLU(),
    nn.Linear(16, 1),  # the output layer
)
loss_fn = nn.MSELoss()
""", "safe"),
    ("RL101", """\
import torch.nn as nn
from collections import OrderedDict
model = nn.Sequential(OrderedDict([
    ("fc", nn.Linear(8, 1)),
    ("act", nn.ReLU()),
]))
loss_fn = nn.MSELoss()
""", """\
import torch.nn as nn
from collections import OrderedDict
model = nn.Sequential(OrderedDict([
    ("fc", nn.Linear(8, 1)),
]))
loss_fn = nn.MSELoss()
""", "safe"),
    ("RL101", """\
import torch
import torch.nn as nn
class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(16, 1)
    def forward(self, x):
        # keep this comment
        return torch.relu(self.out(x))
crit = nn.L1Loss()
""", """\
import torch
import torch.nn as nn
class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(16, 1)
    def forward(self, x):
        # keep this comment
        return self.out(x)
crit = nn.L1Loss()
""", "safe"),
    ("RL101", """\
import torch.nn as nn
class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
    def forward(self, x):
        return self.fc(x).clamp(min=0)
def loss(pred, t):
    return ((pred - t) ** 2).mean()
""", """\
import torch.nn as nn
class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
    def forward(self, x):
        return self.fc(x)
def loss(pred, t):
    return ((pred - t) ** 2).mean()
""", "unsafe"),
    ("RL101", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1, activation="relu"),  # output
])
model.compile(optimizer="adam", loss="mse")
""", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1),  # output
])
model.compile(optimizer="adam", loss="mse")
""", "safe"),
    ("RL101", """\
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 8])
w = tf.Variable(tf.random_normal([8, 1], stddev=0.1))
pred = tf.nn.relu(tf.matmul(x, w))
loss = tf.reduce_mean(tf.square(pred - y))
""", """\
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 8])
w = tf.Variable(tf.random_normal([8, 1], stddev=0.1))
pred = tf.matmul(x, w)
loss = tf.reduce_mean(tf.square(pred - y))
""", "safe"),
    ("RL103", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
loss_fn = nn.CrossEntropyLoss()
""", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 10))
loss_fn = nn.CrossEntropyLoss()
""", "safe"),
    ("RL103", """\
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
def step(model, x, y):
    return F.cross_entropy(model(x), y)
""", """\
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
    def forward(self, x):
        return self.fc(x)
def step(model, x, y):
    return F.cross_entropy(model(x), y)
""", "safe"),
    ("RL103", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 1))
loss_fn = nn.BCELoss(reduction="sum")
""", """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 1))
loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
""", "safe"),
    ("RL103", """\
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss=keras.losses.CategoricalCrossentropy())
""", """\
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
""", "safe"),
    ("RL201", """\
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 256)
        nn.init.normal_(self.fc.weight, mean=0.1, std=0.01)
    def forward(self, x):
        return F.relu(self.fc(x))
""", """\
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 256)
        nn.init.normal_(self.fc.weight, mean=0.0, std=0.01)
    def forward(self, x):
        return F.relu(self.fc(x))
""", "safe"),
    ("RL201", """\
from torch import nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.act = nn.ReLU(inplace=True)
        self.conv.weight.data.uniform_(0.0, 0.1)
    def forward(self, x):
        return self.act(self.conv(x))
""", """\
from torch import nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.act = nn.ReLU(inplace=True)
        self.conv.weight.data.uniform_(-0.05, 0.05)
    def forward(self, x):
        return self.act(self.conv(x))
""", "safe"),
    ("RL201", """\
import tensorflow as tf
w = tf.Variable(tf.truncated_normal([784, 256], mean=0.5, stddev=0.1))
h = tf.nn.relu(tf.matmul(x, w))
""", """\
import tensorflow as tf
w = tf.Variable(tf.truncated_normal([784, 256], mean=0.0, stddev=0.1))
h = tf.nn.relu(tf.matmul(x, w))
""", "safe"),
    ("RL201", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="relu",
                       kernel_initializer=keras.initializers.RandomNormal(mean=0.1, stddev=0.01)),
    keras.layers.Dense(1),
])
""", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="relu",
                       kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.01)),
    keras.layers.Dense(1),
])
""", "safe"),
    ("RL204", """\
import torch.nn as nn
def init(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.Dropout(0.2), nn.Linear(16, 1))
model.apply(init)
""", """\
import torch.nn as nn
def init(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.AlphaDropout(0.2), nn.Linear(16, 1))
model.apply(init)
""", "safe"),
    ("RL204", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="selu", kernel_initializer="lecun_normal"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(1),
])
""", """\
from tensorflow import keras
model = keras.Sequential([
    keras.layers.Dense(64, activation="selu", kernel_initializer="lecun_normal"),
    keras.layers.AlphaDropout(0.2),
    keras.layers.Dense(1),
])
""", "safe"),
]


def _findings(code: str, source: str, path: str) -> list:
    return [f for f in lint_source(source, path, Settings(select=[code])).findings if f.code == code]


@pytest.mark.parametrize(("code", "before", "after", "applicability"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fix(code, before, after, applicability, tmp_path):
    path = str(tmp_path / "model.py")
    found = _findings(code, before, path)
    assert found, f"{code} must fire on the 'before' source"
    assert all(f.fix is not None for f in found)
    assert {f.fix.applicability for f in found} == {applicability}
    fixed, done = fix_source(before, found, unsafe=True)
    assert fixed == after
    assert done == found
    ast.parse(fixed)
    assert _findings(code, fixed, path) == [], f"{code} still fires after the fix"
    if applicability == "unsafe":  # --fix alone leaves unsafe fixes alone
        assert fix_source(before, found, unsafe=False)[0] == before


def test_positive_constant_init_gets_no_edit(tmp_path):
    src = """\
import torch.nn as nn
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
model.apply(init_weights)
"""
    (f,) = _findings("RL201", src, str(tmp_path / "m.py"))
    assert f.fix is None and f.help  # a zero constant would not train: only the help text


def test_unwrap_keeps_precedence():
    from relulint.finding import Finding, Severity
    from relulint.fixes import Parsed, remove_activation
    from relulint.model import Origin

    src = "y = F.relu(a + b) * 2\n"
    p = Parsed(src)
    start = src.index("F.relu")
    fix = remove_activation(p, Origin("m.py", 1, start, 1, src.index(" * 2")), "t")
    assert fix is not None
    out, _ = fix_source(src, [Finding("RL101", "n", Severity.ERROR, "m", Origin("m.py", 1, 0), fix=fix)])
    assert out == "y = (a + b) * 2\n"


def test_overlapping_edits_first_wins():
    src = "abcdef\n"
    out, kept = apply_edits(src, [Edit("X", 1, 1, 1, 4), Edit("Y", 1, 2, 1, 5), Edit("Z", 1, 5, 1, 6)])
    assert out == "aXeZ\n" and len(kept) == 2


BUGGY = "import torch.nn as nn\r\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\r\nloss_fn = nn.MSELoss()\r\n"


def test_apply_fixes_diff_then_write_keeps_bom_and_crlf(tmp_path):
    from relulint.engine import lint_paths

    path = tmp_path / "model.py"
    path.write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    results = lint_paths([str(path)])
    diff = apply_fixes(results, write=False)
    assert "-model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())" in diff
    assert "+model = nn.Sequential(nn.Linear(8, 1))" in diff
    assert path.read_bytes() == b"\xef\xbb\xbf" + BUGGY.encode()  # --diff writes nothing
    apply_fixes(results, write=True)
    assert path.read_bytes() == b"\xef\xbb\xbf" + BUGGY.replace(", nn.ReLU())", ")").encode()
    assert [r.findings for r in lint_paths([str(path)])] == [[]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]


def test_file_changed_since_lint_is_not_written(tmp_path, capsys):
    from relulint.engine import lint_paths

    path = tmp_path / "model.py"
    path.write_text(BUGGY)
    results = lint_paths([str(path)])
    path.write_text(BUGGY + "# edited meanwhile\n")
    apply_fixes(results, write=True)
    assert path.read_text().endswith("# edited meanwhile\n")
    assert "changed since it was linted" in capsys.readouterr().err
    path.unlink()
    apply_fixes(results, write=True)  # deleted meanwhile: a message, no exception
    assert not path.exists()
