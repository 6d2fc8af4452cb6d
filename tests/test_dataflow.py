"""The data-flow pass: sources, ranges, scaling steps, and which network the data reaches."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source import lower_source


def facts_of(code: str, path: str = "model.py"):
    return lower_source(path, textwrap.dedent(code))


def inputs_of(code: str, name: str | None = None):
    facts = facts_of(code)
    nets = [n for n in facts.networks if name is None or n.name == name]
    assert nets, [n.name for n in facts.networks]
    return nets[0].inputs, facts


TORCH_NET = "import torch\nimport torch.nn as nn\nimport numpy as np\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU())\n"

# (data expression lines, expected (low, high, dtype, scaled) of what reaches `model(x)`)
RANGES = [
    ("x = np.random.uniform(-1, 0, size=(200000, 4))", (-1.0, 0.0, None, False)),
    ("x = -np.random.rand(10, 4)", (-1.0, 0.0, None, False)),
    ("x = np.random.rand(10, 4) - 1", (-1.0, 0.0, None, False)),
    ("x = torch.rand(10, 4) * 2 - 1", (-1.0, 1.0, None, False)),
    ("x = torch.tensor([[3., 211., 123., 78.]])", (3.0, 211.0, None, False)),
    ("x = np.array([[1, 2], [3, 4]], dtype=np.uint8)", (1.0, 4.0, "uint8", False)),
    ("x = np.random.randint(0, 256, size=(8, 4), dtype=np.uint8)", (0.0, 255.0, "uint8", False)),
    ("x = np.random.randint(0, 256, size=(8, 4)).astype('float32')", (0.0, 255.0, "float32", False)),
    ("x = np.random.randint(0, 256, size=(8, 4)) / 255", (0.0, 1.0, None, True)),
    ("x = np.random.randint(0, 256, size=(8, 4)) * (1. / 255)", (0.0, 1.0, None, True)),
    ("x = np.random.randint(0, 256, size=(8, 4)) / 127.5 - 1", (-1.0, 1.0, None, True)),
    ("x = np.random.randint(256, size=(8, 4))\nx = x / 255.0", (0.0, 1.0, None, True)),
    ("x = np.random.randint(256, size=(8, 4))\nx /= 255.0", (0.0, 1.0, None, True)),
    ("x = np.random.normal(-5, 1, size=(8, 4))", (-8.0, -2.0, None, False)),
    ("x = np.random.randint(256, size=(8, 4))\nx = (x - x.mean()) / x.std()", (None, None, None, True)),
    ("import cv2\nx = cv2.imread('a.png')", (0.0, 255.0, "uint8", False)),
    ("import cv2\nx = cv2.imread('a.png').astype(np.float32)", (0.0, 255.0, "float32", False)),
    ("from sklearn.preprocessing import StandardScaler\nx = StandardScaler().fit_transform(np.random.rand(8, 4) * 500)",
     (None, None, None, True)),
    ("from sklearn.preprocessing import MinMaxScaler\ns = MinMaxScaler()\nx = s.fit_transform(np.random.rand(8, 4) * 500)",
     (0.0, 1.0, None, True)),
]


@pytest.mark.parametrize(("lines", "want"), RANGES, ids=[r[0].splitlines()[-1] for r in RANGES])
def test_ranges_reaching_a_torch_model(lines, want):
    ins, _ = inputs_of(TORCH_NET + lines + "\nout = model(torch.as_tensor(x))\n")
    assert len(ins) == 1
    d = ins[0]
    assert (d.low, d.high, d.dtype, d.scaled) == pytest.approx(want)
    assert d.fed_at is not None and d.fed_at.line == (TORCH_NET + lines).count("\n") + 2


@pytest.mark.parametrize("lines", [
    "x = load_batch()",  # a function it cannot see
    "x = np.random.uniform(a, b, size=(8, 4)) * scale",  # unknown scale factor
    "x = np.random.rand(8, 4) - offset",
    "x = torch.randn(8, 4) @ w",
], ids=["unknown-function", "unknown-scale", "unknown-offset", "matmul"])
def test_unknown_data_stays_unknown(lines):
    ins, facts = inputs_of(TORCH_NET + lines + "\nout = model(x)\n")
    assert all(d.low is None and d.high is None and d.dtype is None for d in ins)
    assert not facts.data


def test_mnist_tuple_unpacking_keeps_labels_out():
    ins, _ = inputs_of("""
        import torch
        import torch.nn as nn
        from tensorflow import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        model = nn.Sequential(nn.Linear(784, 10))
        model(torch.from_numpy(y_train))
    """)
    assert ins == []


def test_torchvision_transforms():
    code = """
        import torch.nn as nn
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms
        ds = datasets.MNIST("d", transform={tf})
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        for xb, yb in DataLoader(ds, batch_size=8):
            model(xb)
    """
    scaled = inputs_of(code.format(tf="transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])"))[0]
    assert scaled[0].scaled and scaled[0].low == pytest.approx(-1.0) and scaled[0].high == pytest.approx(1.0)
    raw = inputs_of(code.format(tf="transforms.Compose([transforms.RandomCrop(28), transforms.PILToTensor()])"))[0]
    assert raw[0].dtype == "uint8" and not raw[0].scaled
    # Normalize with MNIST statistics but no ToTensor: values up to ~827, still raw
    wrong = inputs_of(code.format(tf="transforms.Compose([transforms.PILToTensor(), transforms.Normalize((0.1307,), (0.3081,))])"))[0]
    assert wrong[0].high > 800 and not wrong[0].scaled
    assert inputs_of(code.format(tf="my_transform"))[0] == []


def test_forward_scaling_is_a_scale_op():
    facts = facts_of("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
            def forward(self, x):
                x = x.float() / 255.0
                return self.fc(x)
    """)
    assert facts.networks[0].scales_input()
    assert facts.networks[0].ops[0].kind == "scale"


def test_forward_without_scaling_is_not():
    facts = facts_of("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
            def forward(self, x):
                h = self.fc(x)
                return h / 2
    """)
    assert not facts.networks[0].scales_input()


def test_receiver_matching_torch_class_and_peeled_calls():
    ins, facts = inputs_of("""
        import torch
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
            def forward(self, x):
                return self.fc(x)
        net = Net().to("cpu").eval()
        net(torch.rand(3, 4) - 1)
    """, "Net")
    assert len(ins) == 1 and ins[0].high == 0.0 and not facts.data


def test_unmatched_model_goes_to_module_data_and_non_models_do_not():
    facts = facts_of("""
        import torch
        from sklearn.ensemble import RandomForestClassifier
        from model import Net
        x = torch.rand(8, 4) - 1
        net = Net()
        net(x)
        clf = RandomForestClassifier()
        clf.fit(torch.rand(8, 4) * 1000, [0] * 8)
        torch.mean(x)
    """, "train.py")
    assert [(d.low, d.high) for d in facts.data] == [(-1.0, 0.0)]


def test_keras_fit_and_functional_uint8_input():
    ins, _ = inputs_of("""
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
        model.fit(x=x_train, y=y_train)
        model.predict(x_train / 255.0)
    """)
    assert sorted((str(d.dtype), d.scaled) for d in ins) == [("None", True), ("uint8", False)]
    ins, _ = inputs_of("""
        from tensorflow import keras
        inputs = keras.Input(shape=(784,), dtype="uint8")
        outputs = keras.layers.Dense(10)(inputs)
        model = keras.Model(inputs, outputs)
    """)
    assert [(d.dtype, d.origin.line) for d in ins] == [("uint8", 3)]


def test_tf1_feed_dict_matches_the_placeholder_the_first_layer_reads():
    ins, _ = inputs_of("""
        import numpy as np
        import tensorflow as tf
        class M:
            def __init__(self):
                self.input = tf.placeholder(tf.float32, [None, 4])
                self.Y = tf.placeholder(tf.float32, [None, 4])
                self.out = self._create_nn()
            def _create_nn(self):
                h = tf.layers.dense(self.input, 16, activation=tf.nn.relu)
                return tf.layers.dense(h, 4)
            def train(self, sess):
                x = np.random.uniform(-2, 0, size=(10, 4))
                y = np.random.uniform(100, 200, size=(10, 4))
                sess.run(self.out, feed_dict={self.input: x, self.Y: y})
    """)
    assert [(d.low, d.high) for d in ins] == [(-2.0, 0.0)]  # the targets y are not inputs


def test_tf1_in_graph_scaling():
    facts = facts_of("""
        import tensorflow as tf
        images = tf.placeholder(tf.uint8, [None, 784])
        x = tf.cast(images, tf.float32) / 255.0
        logits = tf.layers.dense(x, 10)
    """)
    assert facts.networks[0].scales_input()


# ------------------------------------------------------------------ rules through the engine


def lint(code, select, path="model.py"):
    return lint_source(textwrap.dedent(code).lstrip("\n"), path, Settings(select=[select]))


def test_seed000_tf1_small_example_fires_rl301_at_the_constant():
    result = lint("""
        import tensorflow as tf
        x = tf.constant([[3., 211., 123., 78.]])
        h_d = tf.layers.Dense(4, activation=tf.nn.leaky_relu)
        h = h_d(x)
        y_d = tf.layers.Dense(4, activation=tf.nn.softmax)
        y = y_d(h)
    """, "RL301")
    assert [(f.code, f.origin.line) for f in result.findings] == [("RL301", 2)]
    assert any(o.line == 4 for o, _ in result.findings[0].related)  # the feed h_d(x)


def test_seed004_keras_fires_rl302_not_for_leaky():
    code = """
        import numpy as np
        import tensorflow as tf
        x = np.random.uniform(-1, 0, size=(200000, 4))
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, input_dim=4, activation="{act}"), tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x[:140000], x[:140000, :1])
    """
    assert [(f.code, f.origin.line) for f in lint(code.format(act="relu"), "RL302").findings] == [("RL302", 3)]
    assert lint(code.format(act="selu"), "RL302").findings == []
    assert lint(code.format(act="relu"), "RL301").findings == []


def test_cross_file_reports_in_the_linted_file(tmp_path):
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import torch
        from tensorflow import keras
        from model import Net
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        model = Net()
        out = model(torch.from_numpy(x_train).float())
    """))
    model_code = textwrap.dedent("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)
            def forward(self, x):
                return self.fc(x.view(-1, 784))
    """)
    path = str(tmp_path / "model.py")
    (tmp_path / "model.py").write_text(model_code)
    result = lint_source(model_code, path, Settings(select=["RL301"]))
    assert [(f.origin.path, f.origin.line) for f in result.findings] == [(path, 6)]  # the first layer
    related = {(o.path, o.line) for o, _ in result.findings[0].related}
    assert (str(tmp_path / "train.py"), 5) in related and (str(tmp_path / "train.py"), 7) in related
    # scaling in train.py silences it
    (tmp_path / "train.py").write_text((tmp_path / "train.py").read_text().replace(".float()", ".float() / 255"))
    assert lint_source(model_code, path, Settings(select=["RL301"])).findings == []


def test_bad_input_never_raises():
    for code in ("import torch\nx = (\n", "import torch\nmodel(*args)\n", "import torch\nx = x / 0\nmodel(x)\n",
                 "import torch\nfor (a, *b) in c: model(a)\n", "import torch\nx: int\nmodel(x)\n"):
        try:
            facts_of(code)
        except Exception as exc:  # only the parser may complain, about the syntax error
            assert type(exc).__name__ == "ParserSyntaxError", exc
