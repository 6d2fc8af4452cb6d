"""The code shapes real programs take (issue 10), each with firing and silent variants.

Every shape below has at least three programs that must fire (on exactly the `# expect:` lines) and
three that must stay silent, varied over aliases, keyword versus positional arguments, classes versus
functions, and one file versus several. All rules run, so a silent case fails on any finding.

Shapes the source pass does not reach yet are listed in KNOWN_GAPS with the reason; the mark is
strict, so a change that makes a case pass forces its entry out.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.testing import expectations


@dataclass(frozen=True)
class Shape:
    name: str
    fire: tuple[str | tuple[str, dict[str, str]], ...]
    silent: tuple[str | tuple[str, dict[str, str]], ...]
    notes: str = field(default="")


SHAPES: list[Shape] = []


def shape(name: str, fire, silent) -> None:
    SHAPES.append(Shape(name, tuple(fire), tuple(silent)))


# --------------------------------------------------------------------------------------------------
# Model construction
# --------------------------------------------------------------------------------------------------

shape("add_module_sequential", fire=[
    """
    import torch.nn as nn
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(8, 32))
    model.add_module("act1", nn.ReLU())
    model.add_module("fc2", nn.Linear(32, 1))
    model.add_module("out", nn.ReLU())  # expect: RL101
    loss_fn = nn.MSELoss()
    """,
    """
    from torch import nn

    def build(widths):
        net = nn.Sequential()
        for i in range(len(widths) - 1):
            net.add_module(f"lin{i}", nn.Linear(widths[i], widths[i + 1]))
            net.add_module(f"relu{i}", nn.ReLU())  # expect: RL101
        return net

    model = build([4, 16, 16, 1])
    criterion = nn.L1Loss()
    """,
    """
    import torch
    import torch.nn as nn

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential()
            self.body.add_module("hidden", nn.Linear(10, 20))
            self.body.add_module("act", nn.Tanh())
            self.body.add_module("logits", nn.Linear(20, 5))
            self.body.add_module("probs", nn.Softmax(dim=1))  # expect: RL103

        def forward(self, x):
            return self.body(x)

    model = Head()
    loss = nn.CrossEntropyLoss()(model(torch.randn(4, 10)), torch.tensor([0, 1, 2, 3]))
    """,
], silent=[
    """
    import torch.nn as nn
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(8, 32))
    model.add_module("act1", nn.ReLU())
    model.add_module("fc2", nn.Linear(32, 1))
    loss_fn = nn.MSELoss()
    """,
    """
    from torch import nn

    def build(widths):
        net = nn.Sequential()
        for i in range(len(widths) - 1):
            net.add_module(f"lin{i}", nn.Linear(widths[i], widths[i + 1]))
            if i < len(widths) - 2:
                net.add_module(f"relu{i}", nn.ReLU())
        return net

    model = build([4, 16, 16, 1])
    criterion = nn.L1Loss()
    """,
    """
    import torch
    import torch.nn as nn

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential()
            self.body.add_module("hidden", nn.Linear(10, 20))
            self.body.add_module("act", nn.Tanh())
            self.body.add_module("logits", nn.Linear(20, 5))

        def forward(self, x):
            return self.body(x)

    model = Head()
    loss = nn.CrossEntropyLoss()(model(torch.randn(4, 10)), torch.tensor([0, 1, 2, 3]))
    """,
])

shape("layers_to_base_class", fire=[
    """
    import torch.nn as nn

    class Regressor(nn.Module):
        def __init__(self, body, head):
            super().__init__()
            self.body, self.head = body, head

        def forward(self, x):
            return self.head(self.body(x))

    class AgeNet(Regressor):
        def __init__(self):
            super().__init__(nn.Sequential(nn.Linear(16, 64), nn.ReLU()),
                             nn.Sequential(nn.Linear(64, 1), nn.ReLU()))  # expect: RL101

    model = AgeNet()
    criterion = nn.MSELoss()
    """,
    """
    import torch
    from torch import nn

    class Wrapper(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

    model = Wrapper(nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 3), nn.Softmax(-1)))  # expect: RL103
    out = model(torch.randn(2, 32))
    loss = nn.functional.cross_entropy(out, torch.tensor([0, 2]))
    """,
    """
    import torch.nn as nn

    class Base(nn.Module):
        def __init__(self, layers=None):
            super().__init__()
            self.layers = nn.ModuleList(layers)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    class Scorer(Base):
        def __init__(self):
            super().__init__(layers=[nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 1), nn.Sigmoid()])  # expect: RL103

    model = Scorer()
    loss_fn = nn.BCEWithLogitsLoss()
    """,
], silent=[
    """
    import torch.nn as nn

    class Regressor(nn.Module):
        def __init__(self, body, head):
            super().__init__()
            self.body, self.head = body, head

        def forward(self, x):
            return self.head(self.body(x))

    class AgeNet(Regressor):
        def __init__(self):
            super().__init__(nn.Sequential(nn.Linear(16, 64), nn.ReLU()), nn.Linear(64, 1))

    model = AgeNet()
    criterion = nn.MSELoss()
    """,
    """
    import torch
    from torch import nn

    class Wrapper(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

    model = Wrapper(nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 3)))
    out = model(torch.randn(2, 32))
    loss = nn.functional.cross_entropy(out, torch.tensor([0, 2]))
    """,
    """
    import torch.nn as nn

    class Base(nn.Module):
        def __init__(self, layers=None):
            super().__init__()
            self.layers = nn.ModuleList(layers)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    class Scorer(Base):
        def __init__(self):
            super().__init__(layers=[nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 1), nn.Sigmoid()])

    model = Scorer()
    loss_fn = nn.BCELoss()
    """,
])

shape("inline_sequential_to_custom_module", fire=[
    """
    import torch.nn as nn

    class Residual(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return x + self.inner(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Residual(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)))
            self.out = nn.Sequential(nn.Linear(8, 1), nn.ReLU())  # expect: RL101

        def forward(self, x):
            return self.out(self.block(x))

    model = Net()
    loss_fn = nn.SmoothL1Loss()
    """,
    """
    import torch.nn as nn

    class Classifier(nn.Module):
        def __init__(self, features, classifier):
            super().__init__()
            self.features = features
            self.classifier = classifier

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    net = Classifier(
        nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1)),
        classifier=nn.Sequential(nn.Linear(8, 10), nn.Softmax(dim=1)),  # expect: RL103
    )
    criterion = nn.CrossEntropyLoss()
    """,
    """
    from torch import nn

    class Tower(nn.Module):
        def __init__(self, stack: nn.Sequential):
            super().__init__()
            self.stack = stack

        def forward(self, x):
            return self.stack(x)

    def make_model():
        return Tower(nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 1), nn.ReLU()))  # expect: RL101

    model = make_model()
    mse = nn.MSELoss()
    """,
], silent=[
    """
    import torch.nn as nn

    class Residual(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return x + self.inner(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Residual(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)))
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(self.block(x))

    model = Net()
    loss_fn = nn.SmoothL1Loss()
    """,
    """
    import torch.nn as nn

    class Classifier(nn.Module):
        def __init__(self, features, classifier):
            super().__init__()
            self.features = features
            self.classifier = classifier

        def forward(self, x):
            return self.classifier(self.features(x).flatten(1))

    net = Classifier(
        nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1)),
        classifier=nn.Sequential(nn.Linear(8, 10), nn.LogSoftmax(dim=1)),
    )
    criterion = nn.NLLLoss()
    """,
    """
    from torch import nn

    class Tower(nn.Module):
        def __init__(self, stack: nn.Sequential):
            super().__init__()
            self.stack = stack

        def forward(self, x):
            return self.stack(x)

    def make_model():
        return Tower(nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 1)))

    model = make_model()
    mse = nn.MSELoss()
    """,
])

shape("matmul_raw_parameter", fire=[
    """
    import torch
    import torch.nn as nn

    class Logistic(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.W = nn.Parameter(torch.zeros(n_in, n_out))
            self.b = nn.Parameter(torch.zeros(n_out))

        def forward(self, x):
            return torch.softmax(torch.matmul(x, self.W) + self.b, dim=1)  # expect: RL103

    model = Logistic(784, 10)
    criterion = nn.CrossEntropyLoss()
    """,
    """
    import torch
    from torch import nn

    class LinReg(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.w = nn.Parameter(torch.randn(d, 1) * d ** -0.5)

        def forward(self, x):
            return torch.relu(x @ self.w)  # expect: RL101

    model = LinReg(5)
    loss_fn = nn.MSELoss()
    """,
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(32, 64), nn.ReLU())
            self.proj = nn.Parameter(torch.empty(64, 1))
            nn.init.xavier_uniform_(self.proj)

        def forward(self, x):
            return F.sigmoid(torch.mm(self.encoder(x), self.proj))  # expect: RL103

    probe = Probe()
    bce = nn.BCEWithLogitsLoss()
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    class Logistic(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.W = nn.Parameter(torch.zeros(n_in, n_out))
            self.b = nn.Parameter(torch.zeros(n_out))

        def forward(self, x):
            return torch.matmul(x, self.W) + self.b

    model = Logistic(784, 10)
    criterion = nn.CrossEntropyLoss()
    """,
    """
    import torch
    from torch import nn

    class LinReg(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.w = nn.Parameter(torch.randn(d, 1) * d ** -0.5)

        def forward(self, x):
            return x @ self.w

    model = LinReg(5)
    loss_fn = nn.MSELoss()
    """,
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(32, 64), nn.ReLU())
            self.proj = nn.Parameter(torch.empty(64, 1))
            nn.init.xavier_uniform_(self.proj)

        def forward(self, x):
            return F.sigmoid(torch.mm(self.encoder(x), self.proj))

    probe = Probe()
    bce = nn.BCELoss()
    """,
])

# Cases the source pass does not meet yet (strict: a fix forces the entry out).
KNOWN_GAPS: dict[str, str] = {
}

shape("layers_built_in_loop", fire=[
    """
    import torch.nn as nn

    def mlp(sizes):
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            layers.append(nn.ReLU())  # expect: RL101
        return nn.Sequential(*layers)

    model = mlp([3, 32, 32, 1])
    loss_fn = nn.MSELoss()
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 13])
    y = tf.placeholder(tf.float32, [None, 1])
    h = x
    for units in [64, 64, 1]:
        h = tf.contrib.layers.fully_connected(h, units, activation_fn=tf.nn.relu)  # expect: RL101
    loss = tf.losses.mean_squared_error(y, h)
    """,
    """
    import tensorflow as tf

    def regressor(x, widths=(128, 128)):
        h = x
        for w in widths:
            h = tf.compat.v1.layers.dense(h, w, activation=tf.nn.relu)
        return tf.compat.v1.layers.dense(h, 1, activation=tf.nn.relu)  # expect: RL101

    x = tf.compat.v1.placeholder(tf.float32, [None, 8])
    y = tf.compat.v1.placeholder(tf.float32, [None, 1])
    loss = tf.reduce_mean(tf.square(regressor(x) - y))
    """,
], silent=[
    """
    import torch.nn as nn

    def mlp(sizes):
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    model = mlp([3, 32, 32, 1])
    loss_fn = nn.MSELoss()
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 13])
    y = tf.placeholder(tf.float32, [None, 1])
    h = x
    for units in [64, 64]:
        h = tf.contrib.layers.fully_connected(h, units, activation_fn=tf.nn.relu)
    out = tf.contrib.layers.fully_connected(h, 1, activation_fn=None)
    loss = tf.losses.mean_squared_error(y, out)
    """,
    """
    import tensorflow as tf

    def regressor(x, widths=(128, 128)):
        h = x
        for w in widths:
            h = tf.compat.v1.layers.dense(h, w, activation=tf.nn.relu)
        return tf.compat.v1.layers.dense(h, 1)

    x = tf.compat.v1.placeholder(tf.float32, [None, 8])
    y = tf.compat.v1.placeholder(tf.float32, [None, 1])
    loss = tf.reduce_mean(tf.square(regressor(x) - y))
    """,
])

shape("tflearn_layer_api", fire=[
    """
    import tflearn

    net = tflearn.input_data(shape=[None, 6])
    net = tflearn.fully_connected(net, 32, activation="relu")
    net = tflearn.fully_connected(net, 1, activation="relu")  # expect: RL101
    net = tflearn.regression(net, loss="mean_square")
    model = tflearn.DNN(net)
    """,
    """
    from tflearn.layers.conv import conv_2d, max_pool_2d
    from tflearn.layers.core import fully_connected, input_data
    from tflearn.layers.estimator import regression

    net = input_data(shape=[None, 32, 32, 3])
    net = conv_2d(net, 32, 3, activation="relu")
    net = max_pool_2d(net, 2)
    net = fully_connected(net, 10, activation="softmax")  # expect: RL103
    net = regression(net, optimizer="adam", loss="softmax_categorical_crossentropy")
    """,
    """
    import tflearn as tl

    def build(n_classes):
        net = tl.input_data([None, 20])
        net = tl.fully_connected(net, 64, "relu")
        net = tl.fully_connected(net, n_classes, "softmax")  # expect: RL102
        return tl.regression(net, loss="mean_square")

    model = tl.DNN(build(4))
    """,
], silent=[
    """
    import tflearn

    net = tflearn.input_data(shape=[None, 6])
    net = tflearn.fully_connected(net, 32, activation="relu")
    net = tflearn.fully_connected(net, 1, activation="linear")
    net = tflearn.regression(net, loss="mean_square")
    model = tflearn.DNN(net)
    """,
    """
    from tflearn.layers.conv import conv_2d, max_pool_2d
    from tflearn.layers.core import fully_connected, input_data
    from tflearn.layers.estimator import regression

    net = input_data(shape=[None, 32, 32, 3])
    net = conv_2d(net, 32, 3, activation="relu")
    net = max_pool_2d(net, 2)
    net = fully_connected(net, 10, activation="softmax")
    net = regression(net, optimizer="adam", loss="categorical_crossentropy")
    """,
    """
    import tflearn as tl

    def build(n_classes):
        net = tl.input_data([None, 20])
        net = tl.fully_connected(net, 64, "relu")
        net = tl.fully_connected(net, n_classes, "linear")
        return tl.regression(net, loss="softmax_categorical_crossentropy")

    model = tl.DNN(build(4))
    """,
])

shape("keras_model_as_layer", fire=[
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    encoder = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(20,)), layers.Dense(8)])
    decoder = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(20, activation="relu")])  # expect: RL101
    inputs = keras.Input(shape=(20,))
    auto = keras.Model(inputs, decoder(encoder(inputs)))
    auto.compile(optimizer="adam", loss="mse")
    """,
    """
    import keras
    from keras import layers

    backbone = keras.Sequential([layers.Dense(128, activation="relu"), layers.Dense(64, activation="relu")])
    head = keras.Sequential([layers.Dense(10, activation="softmax")])  # expect: RL103
    inp = keras.Input((32,))
    model = keras.Model(inp, head(backbone(inp)))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd")
    """,
    """
    import tensorflow as tf

    def make_encoder():
        return tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu")])

    def make_head():
        return tf.keras.Sequential([tf.keras.layers.Dense(1, activation="relu")])  # expect: RL101

    x_in = tf.keras.Input((16,))
    net = tf.keras.Model(x_in, make_head()(make_encoder()(x_in)))
    net.compile("adam", loss="mean_absolute_error")
    """,
], silent=[
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    encoder = keras.Sequential([layers.Dense(64, activation="relu", input_shape=(784,)), layers.Dense(8)])
    decoder = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(784, activation="sigmoid")])
    inputs = keras.Input(shape=(784,))
    vae_like = keras.Model(inputs, decoder(encoder(inputs)))
    vae_like.compile(optimizer="adam", loss="binary_crossentropy")
    """,
    """
    import keras
    from keras import layers

    backbone = keras.Sequential([layers.Dense(128, activation="relu"), layers.Dense(64, activation="relu")])
    head = keras.Sequential([layers.Dense(10, activation="softmax")])
    inp = keras.Input((32,))
    model = keras.Model(inp, head(backbone(inp)))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer="sgd")
    """,
    """
    import tensorflow as tf

    def make_encoder():
        return tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu")])

    def make_head():
        return tf.keras.Sequential([tf.keras.layers.Dense(1)])

    x_in = tf.keras.Input((16,))
    net = tf.keras.Model(x_in, make_head()(make_encoder()(x_in)))
    net.compile("adam", loss="mean_absolute_error")
    """,
])

shape("batchnorm_before_final_relu", fire=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), nn.BatchNorm1d(1), nn.ReLU())  # expect: RL101
    loss_fn = nn.MSELoss()
    """,
    """
    import torch.nn as nn
    import torch.nn.functional as F

    class DepthHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(64, 1, 3, padding=1)
            self.bn = nn.BatchNorm2d(1)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)))  # expect: RL101

    head = DepthHead()
    criterion = nn.L1Loss()
    """,
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(12,)),
        layers.Dense(1),
        layers.BatchNormalization(),
        layers.Activation("relu"),  # expect: RL101
    ])
    model.compile(optimizer="adam", loss="mse")
    """,
], silent=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
    loss_fn = nn.MSELoss()
    """,
    """
    import torch.nn as nn
    import torch.nn.functional as F

    class DepthHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(64, 32, 3, padding=1)
            self.bn = nn.BatchNorm2d(32)
            self.out = nn.Conv2d(32, 1, 1)

        def forward(self, x):
            return self.out(F.relu(self.bn(self.conv(x))))

    head = DepthHead()
    criterion = nn.L1Loss()
    """,
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.Dense(64, input_shape=(12,)),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse")
    """,
])

# --------------------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------------------

shape("loss_as_class_or_attribute", fire=[
    """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 5)

        def forward(self, x):
            return torch.softmax(self.fc(x), dim=1)  # expect: RL103

    def fit(model, x, y, criterion=nn.CrossEntropyLoss):
        loss_fn = criterion()
        return loss_fn(model(x), y)

    fit(Net(), torch.randn(8, 20), torch.randint(0, 5, (8,)))
    """,
    """
    import torch
    from torch import nn

    class Trainer:
        DEFAULT_LOSS_CLS = nn.BCELoss

        def __init__(self, model):
            self.model = model
            self.loss = self.DEFAULT_LOSS_CLS()  # expect: RL103

        def step(self, x, y):
            return self.loss(self.model(x), y)

    model = nn.Sequential(nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 1))
    Trainer(model).step(torch.randn(4, 12), torch.rand(4, 1))
    """,
    """
    import torch
    import torch.nn as nn

    class Runner:
        def __init__(self, model, criterion):
            self.model = model
            self.criterion = criterion

        def run(self, x, y):
            return self.criterion(self.model(x), y)

    net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())  # expect: RL101
    runner = Runner(net, criterion=nn.MSELoss())
    runner.run(torch.randn(10, 3), torch.randn(10, 1))
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 5)

        def forward(self, x):
            return self.fc(x)

    def fit(model, x, y, criterion=nn.CrossEntropyLoss):
        loss_fn = criterion()
        return loss_fn(model(x), y)

    fit(Net(), torch.randn(8, 20), torch.randint(0, 5, (8,)))
    """,
    """
    import torch
    from torch import nn

    class Trainer:
        DEFAULT_LOSS_CLS = nn.BCEWithLogitsLoss

        def __init__(self, model):
            self.model = model
            self.loss = self.DEFAULT_LOSS_CLS()

        def step(self, x, y):
            return self.loss(self.model(x), y)

    model = nn.Sequential(nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 1))
    Trainer(model).step(torch.randn(4, 12), torch.rand(4, 1))
    """,
    """
    import torch
    import torch.nn as nn

    class Runner:
        def __init__(self, model, criterion):
            self.model = model
            self.criterion = criterion

        def run(self, x, y):
            return self.criterion(self.model(x), y)

    net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
    runner = Runner(net, criterion=nn.MSELoss())
    runner.run(torch.randn(10, 3), torch.randn(10, 1))
    """,
])

shape("loss_in_other_class_or_base_method", fire=[
    """
    import torch
    import torch.nn as nn

    class BaseModel(nn.Module):
        def compute_loss(self, x, y):
            return nn.functional.cross_entropy(self(x), y)

    class Net(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 4)

        def forward(self, x):
            return self.fc(x).softmax(dim=-1)  # expect: RL103

    loss = Net().compute_loss(torch.randn(2, 16), torch.tensor([1, 3]))
    """,
    """
    import torch
    import torch.nn as nn

    class Objective:
        def __init__(self):
            self.mse = nn.MSELoss()

        def __call__(self, model, x, y):
            return self.mse(model(x), y)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(4, 32)
            self.out = nn.Linear(32, 1)

        def forward(self, x):
            return torch.relu(self.out(torch.relu(self.hidden(x))))  # expect: RL101

    objective = Objective()
    objective(Net(), torch.randn(5, 4), torch.randn(5, 1))
    """,
    """
    import lightning as L
    import torch
    import torch.nn as nn

    class Base(L.LightningModule):
        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.binary_cross_entropy_with_logits(self(x), y)

    class Detector(Base):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())  # expect: RL103

        def forward(self, x):
            return self.net(x)
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    class BaseModel(nn.Module):
        def compute_loss(self, x, y):
            return nn.functional.cross_entropy(self(x), y)

    class Net(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 4)

        def forward(self, x):
            return self.fc(x)

    loss = Net().compute_loss(torch.randn(2, 16), torch.tensor([1, 3]))
    """,
    """
    import torch
    import torch.nn as nn

    class Objective:
        def __init__(self):
            self.mse = nn.MSELoss()

        def __call__(self, model, x, y):
            return self.mse(model(x), y)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(4, 32)
            self.out = nn.Linear(32, 1)

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))

    objective = Objective()
    objective(Net(), torch.randn(5, 4), torch.randn(5, 1))
    """,
    """
    import lightning as L
    import torch
    import torch.nn as nn

    class Base(L.LightningModule):
        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.binary_cross_entropy(self(x), y)

    class Detector(Base):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())

        def forward(self, x):
            return self.net(x)
    """,
])

shape("handwritten_cross_entropy", fire=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    x, t = torch.randn(4, 10), torch.eye(3)[torch.tensor([0, 1, 2, 0])]
    p = model(x)
    loss = -(t * torch.log(p)).sum(dim=1).mean()  # expect: RL103
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, W) + b
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))  # expect: RL103
    """,
    """
    import tensorflow as tf

    def dense_logits(x):
        h = tf.layers.dense(x, 64, activation=tf.nn.relu)
        return tf.layers.dense(h, 5)

    def xent(labels, probs):
        return tf.reduce_mean(-tf.reduce_sum(labels * tf.log(probs + 1e-9), axis=1))  # expect: RL103

    x = tf.placeholder(tf.float32, [None, 20])
    y = tf.placeholder(tf.float32, [None, 5])
    loss = xent(y, dense_logits(x))
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3), nn.Softmax(dim=1))
    x, t = torch.randn(4, 10), torch.eye(3)[torch.tensor([0, 1, 2, 0])]
    p = model(x)
    loss = -(t * torch.log(p)).sum(dim=1).mean()
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.float32, [None, 10])
    W = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.nn.softmax(tf.matmul(x, W) + b)
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
    """,
    """
    import tensorflow as tf

    def dense_logits(x):
        h = tf.layers.dense(x, 64, activation=tf.nn.relu)
        return tf.layers.dense(h, 5)

    def xent(labels, logits):
        return tf.reduce_mean(-tf.reduce_sum(labels * tf.nn.log_softmax(logits), axis=1))

    x = tf.placeholder(tf.float32, [None, 20])
    y = tf.placeholder(tf.float32, [None, 5])
    loss = xent(y, dense_logits(x))
    """,
])

shape("handwritten_squared_error", fire=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 1), nn.ReLU())  # expect: RL101
    x, t = torch.randn(16, 6), torch.randn(16, 1)
    loss = ((model(x) - t) ** 2).mean()
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 32, activation=tf.nn.relu)
    pred = tf.layers.dense(h, 1, activation=tf.nn.relu)  # expect: RL101
    loss = tf.reduce_mean(tf.square(pred - y))
    """,
    """
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(30, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)  # expect: RL102

    def sq_err(pred, target):
        return (pred - target).pow(2).sum(dim=1).mean()

    model = Classifier()
    onehot = nn.functional.one_hot(torch.randint(0, 10, (8,)), 10).float()
    loss = sq_err(model(torch.randn(8, 30)), onehot)
    loss.backward()
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 1))
    x, t = torch.randn(16, 6), torch.randn(16, 1)
    loss = ((model(x) - t) ** 2).mean()
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 32, activation=tf.nn.relu)
    pred = tf.layers.dense(h, 1)
    loss = tf.reduce_mean(tf.square(pred - y))
    """,
    """
    import torch
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(30, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    def sq_err(pred, target):
        return (pred - target).pow(2).sum(dim=1).mean()

    model = Classifier()
    logits = model(torch.randn(8, 30))
    loss = nn.functional.cross_entropy(logits, torch.randint(0, 10, (8,)))
    loss.backward()
    drift = sq_err(logits.detach(), torch.zeros(8, 10))
    """,
])

shape("huber_helper_is_regression", fire=[
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def box_loss(pred, target):
        return F.smooth_l1_loss(pred, target, beta=1.0)

    head = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 4), nn.ReLU())  # expect: RL101
    loss = box_loss(head(torch.randn(2, 256)), torch.randn(2, 4))
    """,
    """
    import torch
    from torch import nn

    def huber(pred, target, delta=1.0):
        err = (pred - target).abs()
        quad = torch.clamp(err, max=delta)
        return (0.5 * quad ** 2 + delta * (err - quad)).mean()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(8, 16)
            self.l2 = nn.Linear(16, 1)

        def forward(self, x):
            return torch.relu(self.l2(torch.relu(self.l1(x))))  # expect: RL101

    loss = huber(Net()(torch.randn(3, 8)), torch.randn(3, 1))
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 32, activation=tf.nn.relu)
    out = tf.layers.dense(h, 1, activation=tf.nn.relu)  # expect: RL101
    loss = tf.losses.huber_loss(y, out, delta=2.0)
    """,
], silent=[
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def box_loss(pred, target):
        return F.smooth_l1_loss(pred, target, beta=1.0)

    head = nn.Sequential(nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 4))
    loss = box_loss(head(torch.randn(2, 256)), torch.randn(2, 4))
    """,
    """
    import torch
    from torch import nn

    def huber(pred, target, delta=1.0):
        err = (pred - target).abs()
        quad = torch.clamp(err, max=delta)
        return (0.5 * quad ** 2 + delta * (err - quad)).mean()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(8, 16)
            self.l2 = nn.Linear(16, 1)

        def forward(self, x):
            return self.l2(torch.relu(self.l1(x)))

    loss = huber(Net()(torch.randn(3, 8)), torch.randn(3, 1))
    """,
    """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None, 10])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.dense(x, 32, activation=tf.nn.relu)
    out = tf.layers.dense(h, 1)
    loss = tf.losses.huber_loss(y, out, delta=2.0)
    """,
])

shape("activation_outside_model", fire=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 4))
    criterion = nn.CrossEntropyLoss()
    x, y = torch.randn(6, 12), torch.randint(0, 4, (6,))
    loss = criterion(torch.softmax(model(x), dim=1), y)  # expect: RL103
    """,
    """
    import torch
    import torch.nn as nn

    class SoftmaxCE(nn.Module):
        def forward(self, logits, target):
            probs = logits.softmax(dim=-1)  # expect: RL103
            return nn.functional.cross_entropy(probs, target)

    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 4))
    loss = SoftmaxCE()(model(torch.randn(6, 12)), torch.randint(0, 4, (6,)))
    """,
    """
    import torch
    from torch import nn

    class Tagger:
        def __init__(self):
            self.net = nn.Sequential(nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
            self.bce = nn.BCEWithLogitsLoss()

        def scores(self, x):
            return torch.sigmoid(self.net(x))  # expect: RL103

        def loss(self, x, y):
            return self.bce(self.scores(x), y)

    Tagger().loss(torch.randn(2, 40), torch.ones(2, 1))
    """,
], silent=[
    """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 4))
    criterion = nn.CrossEntropyLoss()
    x, y = torch.randn(6, 12), torch.randint(0, 4, (6,))
    loss = criterion(model(x), y)
    confidence = torch.softmax(model(x), dim=1).max(dim=1).values
    """,
    """
    import torch
    import torch.nn as nn

    class SoftmaxNLL(nn.Module):
        def forward(self, logits, target):
            log_probs = logits.log_softmax(dim=-1)
            return nn.functional.nll_loss(log_probs, target)

    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 4))
    loss = SoftmaxNLL()(model(torch.randn(6, 12)), torch.randint(0, 4, (6,)))
    """,
    """
    import torch
    from torch import nn

    class Tagger:
        def __init__(self):
            self.net = nn.Sequential(nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
            self.bce = nn.BCELoss()

        def scores(self, x):
            return torch.sigmoid(self.net(x))

        def loss(self, x, y):
            return self.bce(self.scores(x), y)

    Tagger().loss(torch.randn(2, 40), torch.ones(2, 1))
    """,
])

shape("log_softmax_then_cross_entropy", fire=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=1))  # expect: RL103
    criterion = nn.CrossEntropyLoss()
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return F.softmax(self.fc(x), dim=-1)  # expect: RL103

    loss = F.cross_entropy(Net()(torch.randn(3, 20)), torch.tensor([1, 2, 3]))
    """,
    """
    import torch
    import torch.nn as nn

    net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    ce = nn.CrossEntropyLoss()
    loss = ce(net(torch.randn(3, 20)).softmax(1), torch.tensor([0, 4, 9]))  # expect: RL103
    """,
], silent=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(20, 10), nn.LogSoftmax(dim=1))
    criterion = nn.CrossEntropyLoss()
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(20, 10)

        def forward(self, x):
            return F.log_softmax(self.fc(x), dim=-1)

    loss = F.cross_entropy(Net()(torch.randn(3, 20)), torch.tensor([1, 2, 3]))
    """,
    """
    import torch
    import torch.nn as nn

    net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    ce = nn.CrossEntropyLoss()
    loss = ce(net(torch.randn(3, 20)).log_softmax(1), torch.tensor([0, 4, 9]))
    """,
])

# --------------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------------

shape("bounded_output_targets_outside", fire=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x = torch.rand(500, 3)
    y = torch.from_numpy(np.random.uniform(-5, 5, size=(500, 1))).float()
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1), nn.Tanh())  # expect: RL101
    loss = nn.MSELoss()(model(x), y)
    """,
    """
    import numpy as np
    from tensorflow import keras

    x = np.random.rand(1000, 4)
    y = 3.0 * x.sum(axis=1) + 2.0
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])  # expect: RL101
    model.compile(optimizer="adam", loss="mae")
    model.fit(x, y, epochs=5)
    """,
    """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)  # expect: RL101

    x = torch.rand(64, 2)
    y = 10 * x[:, :1] + 1
    loss = nn.functional.l1_loss(Net()(x), y)
    """,
], silent=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x = torch.rand(500, 3)
    y = torch.from_numpy(np.random.uniform(-1, 1, size=(500, 1))).float()
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1), nn.Tanh())
    loss = nn.MSELoss()(model(x), y)
    """,
    """
    import numpy as np
    from tensorflow import keras

    x = np.random.rand(1000, 4)
    y = 3.0 * x.sum(axis=1) + 2.0
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mae")
    model.fit(x, y, epochs=5)
    """,
    """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))

    x = torch.rand(64, 2)
    y = 10 * x[:, :1] + 1
    loss = nn.functional.l1_loss(Net()(x), y)
    """,
])

shape("sigmoid_mse_regression_is_rl101", fire=[
    """
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    x = np.random.uniform(0, 1, size=(2000, 5))
    y = 40.0 + 20.0 * x[:, 0] - 5.0 * x[:, 1]
    model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")])  # expect: RL101
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=10)
    """,
    """
    import torch
    import torch.nn as nn

    x = torch.rand(256, 3)
    y = 100 * x.sum(dim=1, keepdim=True)
    net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())  # expect: RL101
    loss = nn.MSELoss()(net(x), y)
    """,
    """
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(1, 10)
            self.b = nn.Linear(10, 1)

        def forward(self, x):
            return torch.sigmoid(self.b(torch.relu(self.a(x))))  # expect: RL101

    xs = torch.from_numpy(np.linspace(0, 1, 200, dtype=np.float32)).unsqueeze(1)
    ys = 2 * xs - 1
    loss = F.mse_loss(Net()(xs), target=ys)
    """,
], silent=[
    """
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    x = np.random.uniform(0, 1, size=(2000, 5))
    y = 0.2 + 0.5 * x[:, 0] * x[:, 1]
    model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=10)
    """,
    """
    import torch
    import torch.nn as nn

    x = torch.rand(256, 3)
    y = 100 * x.sum(dim=1, keepdim=True)
    net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = nn.MSELoss()(net(x), y)
    """,
    """
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(1, 10)
            self.b = nn.Linear(10, 1)

        def forward(self, x):
            return torch.sigmoid(self.b(torch.relu(self.a(x))))

    xs = torch.from_numpy(np.linspace(0, 1, 200, dtype=np.float32)).unsqueeze(1)
    ys = xs ** 2
    loss = F.mse_loss(Net()(xs), target=ys)
    """,
])

shape("per_timestep_outputs", fire=[
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.LSTM(32, return_sequences=True, input_shape=(None, 4)),
        layers.TimeDistributed(layers.Dense(1, activation="relu")),  # expect: RL101
    ])
    model.compile(optimizer="adam", loss="mse")
    """,
    """
    import torch
    import torch.nn as nn

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(6, 64, batch_first=True)
            self.head = nn.Linear(64, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return torch.relu(self.head(out))  # expect: RL101

    model = Seq2Seq()
    loss = nn.MSELoss()(model(torch.randn(2, 30, 6)), torch.randn(2, 30, 1))
    """,
    """
    import tensorflow as tf

    inp = tf.keras.Input(shape=(48, 3))
    h = tf.keras.layers.GRU(16, return_sequences=True)(inp)
    out = tf.keras.layers.Dense(1, activation="relu")(h)  # expect: RL101
    model = tf.keras.Model(inp, out)
    model.compile(tf.keras.optimizers.Adam(), loss=tf.keras.losses.MeanSquaredError())
    """,
], silent=[
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.LSTM(32, return_sequences=True, input_shape=(None, 4)),
        layers.TimeDistributed(layers.Dense(1)),
    ])
    model.compile(optimizer="adam", loss="mse")
    """,
    """
    import torch
    import torch.nn as nn

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(6, 64, batch_first=True)
            self.head = nn.Linear(64, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(torch.relu(out))

    model = Seq2Seq()
    loss = nn.MSELoss()(model(torch.randn(2, 30, 6)), torch.randn(2, 30, 1))
    """,
    """
    import tensorflow as tf

    inp = tf.keras.Input(shape=(48, 3))
    h = tf.keras.layers.GRU(16, return_sequences=True)(inp)
    out = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(5, activation="softmax"))(h)
    model = tf.keras.Model(inp, out)
    model.compile(tf.keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    """,
])

shape("tiny_slope_leaky_relu_output", fire=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1), nn.LeakyReLU())  # expect: RL101
    criterion = nn.MSELoss()
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 32)
            self.fc2 = nn.Linear(32, 1)

        def forward(self, x):
            return F.leaky_relu(self.fc2(F.relu(self.fc1(x))), negative_slope=0.001)  # expect: RL101

    loss = F.l1_loss(Net()(torch.randn(4, 8)), torch.randn(4, 1))
    """,
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.Dense(32, activation="relu", input_shape=(8,)),
        layers.Dense(1),
        layers.LeakyReLU(0.01),  # expect: RL101
    ])
    model.compile(optimizer="adam", loss="mean_squared_error")
    """,
], silent=[
    """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(8, 32), nn.LeakyReLU(), nn.Linear(32, 1))
    criterion = nn.MSELoss()
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 32)
            self.fc2 = nn.Linear(32, 1)

        def forward(self, x):
            return self.fc2(F.leaky_relu(self.fc1(x), negative_slope=0.001))

    loss = F.l1_loss(Net()(torch.randn(4, 8)), torch.randn(4, 1))
    """,
    """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([
        layers.Dense(32, input_shape=(8,)),
        layers.LeakyReLU(0.01),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mean_squared_error")
    """,
])

# --------------------------------------------------------------------------------------------------
# Data and normalisation
# --------------------------------------------------------------------------------------------------

shape("static_data_ranges", fire=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x = np.arange(-100, 100, .5).reshape(-1, 1)  # expect: RL301
    model = nn.Sequential(nn.Linear(1, 50), nn.ReLU(), nn.Linear(50, 1))
    pred = model(torch.tensor(x, dtype=torch.float32))
    loss = nn.MSELoss()(pred, torch.tensor(np.sin(x), dtype=torch.float32))
    """,
    """
    import torch
    from torch import nn

    inputs = torch.tensor([[float(i)] for i in range(1, 4000)])  # expect: RL301
    targets = torch.log(inputs)
    net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1))
    loss = nn.functional.mse_loss(net(inputs), targets)
    """,
    """
    import numpy as np
    from tensorflow import keras

    X = np.array([[1200.0, 3, 1995], [850.0, 2, 1978], [2300.0, 4, 2011], [1600.0, 3, 2003]])  # expect: RL301
    y = np.array([0, 0, 1, 1])
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(X, y, epochs=50)
    """,
], silent=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x = np.arange(-100, 100, .5).reshape(-1, 1) / 100.0
    model = nn.Sequential(nn.Linear(1, 50), nn.ReLU(), nn.Linear(50, 1))
    pred = model(torch.tensor(x, dtype=torch.float32))
    loss = nn.MSELoss()(pred, torch.tensor(np.sin(x), dtype=torch.float32))
    """,
    """
    import torch
    from torch import nn

    inputs = torch.tensor([[float(i)] for i in range(1, 4000)])
    targets = torch.log(inputs)
    inputs = (inputs - inputs.mean()) / inputs.std()
    net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1))
    loss = nn.functional.mse_loss(net(inputs), targets)
    """,
    """
    import numpy as np
    from sklearn.preprocessing import StandardScaler
    from tensorflow import keras

    X = np.array([[1200.0, 3, 1995], [850.0, 2, 1978], [2300.0, 4, 2011], [1600.0, 3, 2003]])
    X = StandardScaler().fit_transform(X)
    y = np.array([0, 0, 1, 1])
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(X, y, epochs=50)
    """,
])

shape("data_through_helpers_and_parameters", fire=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    def make_data(n=1000):
        x = np.random.uniform(-500, 500, size=(n, 2)).astype(np.float32)  # expect: RL301
        y = (x[:, :1] > 0).astype(np.float32)
        return x, y

    x, y = make_data()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = nn.BCEWithLogitsLoss()(model(torch.from_numpy(x)), torch.from_numpy(y))
    """,
    """
    import numpy as np
    import torch
    from torch import nn

    def train(model, x, y, epochs=100):
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        for _ in range(epochs):
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    net = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 1))
    grid = torch.from_numpy(np.linspace(0, 1000, 500, dtype=np.float32)).unsqueeze(1)  # expect: RL301
    train(net, grid, torch.sin(grid / 100))
    """,
    ("""
    import torch
    import torch.nn as nn
    from data import load_grid

    model = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1))  # expect: RL301
    x, y = load_grid()
    loss = nn.MSELoss()(model(x), y)
    """, {"data.py": """
    import numpy as np
    import torch

    def load_grid():
        x = np.random.uniform(0, 1e4, size=(256, 3)).astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(x.sum(axis=1, keepdims=True) / 3e4)
    """}),
], silent=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    def make_data(n=1000):
        x = np.random.uniform(-500, 500, size=(n, 2)).astype(np.float32)
        y = (x[:, :1] > 0).astype(np.float32)
        return x / 500.0, y

    x, y = make_data()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = nn.BCEWithLogitsLoss()(model(torch.from_numpy(x)), torch.from_numpy(y))
    """,
    """
    import numpy as np
    import torch
    from torch import nn

    def train(model, x, y, epochs=100):
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        for _ in range(epochs):
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    net = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 1))
    grid = torch.from_numpy(np.linspace(0, 1000, 500, dtype=np.float32)).unsqueeze(1)
    train(net, grid / 1000.0, torch.sin(grid / 100))
    """,
    ("""
    import torch
    import torch.nn as nn
    from data import load_grid

    model = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 1))
    x, y = load_grid()
    loss = nn.MSELoss()(model(x), y)
    """, {"data.py": """
    import numpy as np
    import torch
    from sklearn.preprocessing import MinMaxScaler

    def load_grid():
        x = np.random.uniform(0, 1e4, size=(256, 3)).astype(np.float32)
        y = x.sum(axis=1, keepdims=True) / 3e4
        return torch.from_numpy(MinMaxScaler().fit_transform(x)), torch.from_numpy(y)
    """}),
])

shape("tabular_csv_no_scaling", fire=[
    """
    import pandas as pd
    import torch
    import torch.nn as nn

    frame = pd.read_csv("train.csv")
    x = torch.tensor(frame.drop(columns=["label"]).values, dtype=torch.float32)  # expect: RL301
    model = nn.Sequential(nn.Linear(x.shape[1], 32), nn.ReLU(), nn.Linear(32, 2))
    loss = nn.CrossEntropyLoss()(model(x), torch.tensor(frame["label"].values))
    """,
    """
    import numpy as np
    from tensorflow import keras

    def main(path):
        data = np.loadtxt(path, delimiter=",", skiprows=1)  # expect: RL301
        x, y = data[:, :-1], data[:, -1]
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=20)
    """,
    ("""
    import torch
    from loader import read_table
    from torch import nn

    class Net(nn.Module):
        def __init__(self, n_in):
            super().__init__()
            self.fc1 = nn.Linear(n_in, 64)  # expect: RL301
            self.fc2 = nn.Linear(64, 1)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    features, target = read_table("houses.csv")
    net = Net(features.shape[1])
    loss = nn.functional.mse_loss(net(torch.from_numpy(features)), torch.from_numpy(target))
    """, {"loader.py": """
    import numpy as np

    def read_table(path):
        table = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float32)
        return table[:, :-1], table[:, -1:]
    """}),
], silent=[
    """
    import pandas as pd
    import torch
    import torch.nn as nn
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv("train.csv")
    x = StandardScaler().fit_transform(frame.drop(columns=["label"]).values)
    x = torch.tensor(x, dtype=torch.float32)
    model = nn.Sequential(nn.Linear(x.shape[1], 32), nn.ReLU(), nn.Linear(32, 2))
    loss = nn.CrossEntropyLoss()(model(x), torch.tensor(frame["label"].values))
    """,
    """
    import numpy as np
    from tensorflow import keras

    def main(path):
        data = np.loadtxt(path, delimiter=",", skiprows=1)
        x, y = data[:, :-1], data[:, -1]
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=20)
    """,
    ("""
    import torch
    from loader import read_table
    from torch import nn

    class Net(nn.Module):
        def __init__(self, n_in):
            super().__init__()
            self.norm = nn.BatchNorm1d(n_in)
            self.fc1 = nn.Linear(n_in, 64)
            self.fc2 = nn.Linear(64, 1)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(self.norm(x))))

    features, target = read_table("houses.csv")
    net = Net(features.shape[1])
    loss = nn.functional.mse_loss(net(torch.from_numpy(features)), torch.from_numpy(target))
    """, {"loader.py": """
    import numpy as np

    def read_table(path):
        table = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=np.float32)
        return table[:, :-1], table[:, -1:]
    """}),
    """
    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from tensorflow import keras

    frame = pd.read_csv("train.csv")
    prep = make_pipeline(StandardScaler())
    x = prep.fit_transform(frame.drop(columns=["y"]).to_numpy())
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, frame["y"].to_numpy(), epochs=20)
    """,
])

shape("raw_pixels_csv_dataset_collate", fire=[
    """
    import pandas as pd
    from tensorflow import keras

    train = pd.read_csv("mnist_train.csv")
    x_train = train.iloc[:, 1:].values.reshape(-1, 28, 28, 1)  # expect: RL301
    y_train = train.iloc[:, 0].values
    model = keras.Sequential([
        keras.layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=3)
    """,
    """
    import numpy as np
    import torch
    import torch.nn as nn
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset

    class Photos(Dataset):
        def __init__(self, paths, labels):
            self.paths, self.labels = paths, labels

        def __len__(self):
            return len(self.paths)

        def __getitem__(self, i):
            img = np.array(Image.open(self.paths[i]).convert("L"))  # expect: RL301
            return torch.from_numpy(img).float().unsqueeze(0), self.labels[i]

    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    for xb, yb in DataLoader(Photos(["a.png"], [0]), batch_size=1):
        loss = nn.functional.cross_entropy(model(xb), yb)
    """,
    """
    import cv2
    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader

    def collate(batch):
        images = np.stack([cv2.imread(path) for path, _ in batch])  # expect: RL301
        return torch.from_numpy(images).permute(0, 3, 1, 2).float(), torch.tensor([y for _, y in batch])

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    loader = DataLoader([("x.jpg", 1)], batch_size=1, collate_fn=collate)
    for xb, yb in loader:
        loss = nn.CrossEntropyLoss()(model(xb), yb)
    """,
], silent=[
    """
    import pandas as pd
    from tensorflow import keras

    train = pd.read_csv("mnist_train.csv")
    x_train = train.iloc[:, 1:].values.reshape(-1, 28, 28, 1) / 255.0
    y_train = train.iloc[:, 0].values
    model = keras.Sequential([
        keras.layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=3)
    """,
    """
    import numpy as np
    import torch
    import torch.nn as nn
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms

    class Photos(Dataset):
        def __init__(self, paths, labels):
            self.paths, self.labels = paths, labels
            self.to_tensor = transforms.ToTensor()

        def __len__(self):
            return len(self.paths)

        def __getitem__(self, i):
            img = np.array(Image.open(self.paths[i]).convert("L"))
            return self.to_tensor(img), self.labels[i]

    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    for xb, yb in DataLoader(Photos(["a.png"], [0]), batch_size=1):
        loss = nn.functional.cross_entropy(model(xb), yb)
    """,
    """
    import cv2
    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader

    def collate(batch):
        images = np.stack([cv2.imread(path) for path, _ in batch]).astype(np.float32) / 255.0
        return torch.from_numpy(images).permute(0, 3, 1, 2), torch.tensor([y for _, y in batch])

    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))
    loader = DataLoader([("x.jpg", 1)], batch_size=1, collate_fn=collate)
    for xb, yb in loader:
        loss = nn.CrossEntropyLoss()(model(xb), yb)
    """,
])

shape("normalisation_that_does_not_normalise", fire=[
    """
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    x = np.random.uniform(0, 5000, size=(800, 6))
    y = np.random.randint(0, 2, size=800)
    model = keras.Sequential([
        layers.Normalization(input_shape=(6,)),  # expect: RL301
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y)
    """,
    """
    import pandas as pd
    import tensorflow as tf

    def build(n_features):
        inputs = tf.keras.Input((n_features,))
        x = tf.keras.layers.Normalization(axis=-1)(inputs)  # expect: RL301
        x = tf.keras.layers.Dense(16, activation="relu")(x)
        return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))

    frame = pd.read_csv("sales.csv")
    features = frame.drop(columns=["units"]).to_numpy()
    model = build(features.shape[1])
    model.compile("adam", "mse")
    model.fit(features, frame["units"].to_numpy() / 100.0)
    """,
    """
    import numpy as np
    import torch
    from PIL import Image
    from torch import nn

    MEAN, STD = 0.5, 0.25
    img = torch.from_numpy(np.asarray(Image.open("cell.png"), dtype=np.uint8)).float()  # expect: RL301
    x = ((img - MEAN) / STD).unsqueeze(0).unsqueeze(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(3))
    loss = nn.functional.cross_entropy(model(x), torch.tensor([2]))
    """,
], silent=[
    """
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    x = np.random.uniform(0, 5000, size=(800, 6))
    y = np.random.randint(0, 2, size=800)
    norm = layers.Normalization(input_shape=(6,))
    norm.adapt(x)
    model = keras.Sequential([norm, layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y)
    """,
    """
    import pandas as pd
    import tensorflow as tf

    def build(n_features, mean, var):
        inputs = tf.keras.Input((n_features,))
        x = tf.keras.layers.Normalization(axis=-1, mean=mean, variance=var)(inputs)
        x = tf.keras.layers.Dense(16, activation="relu")(x)
        return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))

    frame = pd.read_csv("sales.csv")
    features = frame.drop(columns=["units"]).to_numpy()
    model = build(features.shape[1], features.mean(axis=0), features.var(axis=0))
    model.compile("adam", "mse")
    model.fit(features, frame["units"].to_numpy() / 100.0)
    """,
    """
    import numpy as np
    import torch
    from PIL import Image
    from torch import nn

    MEAN, STD = 0.5, 0.25
    img = torch.from_numpy(np.asarray(Image.open("cell.png"), dtype=np.uint8)).float() / 255.0
    x = ((img - MEAN) / STD).unsqueeze(0).unsqueeze(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(3))
    loss = nn.functional.cross_entropy(model(x), torch.tensor([2]))
    """,
])

shape("unscaled_regression_targets", fire=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x_raw = np.random.uniform(-100, 100, size=(1000, 1)).astype(np.float32)
    y = torch.from_numpy(x_raw ** 4)
    x = torch.from_numpy(x_raw / 100.0)
    model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
    loss = nn.MSELoss()(model(x), y)  # expect: RL303
    """,
    """
    import numpy as np
    from tensorflow import keras

    def fit_prices(model, n=4000):
        x = np.random.rand(n, 8)
        prices = 1e5 + 5e4 * np.random.rand(n)
        model.compile(optimizer="adam", loss="mean_squared_error")
        model.fit(x, prices, epochs=30)  # expect: RL303

    fit_prices(keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)]))
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 32)
            self.b = nn.Linear(32, 1)

        def forward(self, x):
            return self.b(F.relu(self.a(x)))

    inputs = torch.rand(512, 4)
    revenue = torch.rand(512, 1) * 1e6
    loss = F.mse_loss(Net()(inputs), revenue)  # expect: RL303
    """,
], silent=[
    """
    import numpy as np
    import torch
    import torch.nn as nn

    x_raw = np.random.uniform(-100, 100, size=(1000, 1)).astype(np.float32)
    y_raw = x_raw ** 4
    y = torch.from_numpy((y_raw - y_raw.mean()) / y_raw.std())
    x = torch.from_numpy(x_raw / 100.0)
    model = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 1))
    loss = nn.MSELoss()(model(x), y)
    """,
    """
    import numpy as np
    from tensorflow import keras

    def fit_prices(model, n=4000):
        x = np.random.rand(n, 8)
        prices = 1e5 + 5e4 * np.random.rand(n)
        model.compile(optimizer="adam", loss="mean_squared_error")
        model.fit(x, np.log(prices), epochs=30)

    fit_prices(keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)]))
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 32)
            self.b = nn.Linear(32, 1)

        def forward(self, x):
            return self.b(F.relu(self.a(x)))

    inputs = torch.rand(512, 4)
    revenue = torch.rand(512, 1) * 1e6
    loss = F.mse_loss(Net()(inputs), revenue / 1e6)
    """,
])

# --------------------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------------------

shape("init_helper_fan_in_at_call_site", fire=[
    """
    import tensorflow as tf

    def weight_variable(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=1.0))  # expect: RL203

    def conv(x, w):
        return tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")

    x = tf.placeholder(tf.float32, [None, 28, 28, 32])
    h = tf.nn.relu(conv(x, weight_variable([5, 5, 32, 64])))
    """,
    """
    import tensorflow as tf

    def fc(x, n_in, n_out):
        w = tf.Variable(tf.random_normal([n_in, n_out]))  # expect: RL203
        b = tf.Variable(tf.zeros([n_out]))
        return tf.matmul(x, w) + b

    x = tf.placeholder(tf.float32, [None, 784])
    h = tf.nn.relu(fc(x, 784, 256))
    logits = fc(h, 256, 10)
    """,
    """
    import torch.nn as nn

    def make_layer(n_in, n_out):
        layer = nn.Linear(n_in, n_out)
        nn.init.normal_(layer.weight, mean=0.0, std=1e-4)  # expect: RL202
        return layer

    model = nn.Sequential(
        make_layer(256, 256), nn.ReLU(),
        make_layer(256, 256), nn.ReLU(),
        make_layer(256, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )
    """,
], silent=[
    """
    import numpy as np
    import tensorflow as tf

    def weight_variable(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=np.sqrt(2.0 / np.prod(shape[:-1]))))

    def conv(x, w):
        return tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")

    x = tf.placeholder(tf.float32, [None, 28, 28, 32])
    h = tf.nn.relu(conv(x, weight_variable([5, 5, 32, 64])))
    """,
    """
    import tensorflow as tf

    def fc(x, n_in, n_out):
        w = tf.Variable(tf.random_normal([n_in, n_out], stddev=(2.0 / n_in) ** 0.5))
        b = tf.Variable(tf.zeros([n_out]))
        return tf.matmul(x, w) + b

    x = tf.placeholder(tf.float32, [None, 784])
    h = tf.nn.relu(fc(x, 784, 256))
    logits = fc(h, 256, 10)
    """,
    """
    import torch.nn as nn

    def make_layer(n_in, n_out):
        layer = nn.Linear(n_in, n_out)
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        return layer

    model = nn.Sequential(
        make_layer(256, 256), nn.ReLU(),
        make_layer(256, 256), nn.ReLU(),
        make_layer(256, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )
    """,
])

shape("swapped_initializer_args", fire=[
    """
    import tensorflow as tf

    stddev = 0.02
    x = tf.placeholder(tf.float32, [None, 512])
    h = tf.layers.dense(x, 256, activation=tf.nn.relu,  # expect: RL203
                        kernel_initializer=tf.random_normal_initializer(mean=stddev))
    """,
    """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(512, 512)
            self.fc2 = nn.Linear(512, 10)
            nn.init.normal_(self.fc1.weight, 0.02)  # expect: RL203

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())
    """,
    """
    from tensorflow import keras

    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_shape=(64,),  # expect: RL201
                           kernel_initializer=keras.initializers.RandomNormal(0.05)),
        keras.layers.Dense(10),
    ])
    """,
], silent=[
    """
    import tensorflow as tf

    stddev = 0.02
    x = tf.placeholder(tf.float32, [None, 512])
    h = tf.layers.dense(x, 256, activation=tf.nn.relu,
                        kernel_initializer=tf.random_normal_initializer(stddev=stddev))
    """,
    """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(512, 512)
            self.fc2 = nn.Linear(512, 10)
            nn.init.normal_(self.fc1.weight, 0.0, 0.02)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())
    """,
    """
    from tensorflow import keras

    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_shape=(64,),
                           kernel_initializer=keras.initializers.RandomNormal(stddev=0.05)),
        keras.layers.Dense(10),
    ])
    """,
])

shape("torch_selu_network", fire=[
    """
    import torch.nn as nn

    model = nn.Sequential(
        nn.Linear(20, 128),
        nn.SELU(),
        nn.Dropout(0.1),  # expect: RL204
        nn.Linear(128, 1),
    )
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
    """,
    """
    import torch.nn as nn

    class SNN(nn.Module):
        def __init__(self, d_in, width=256, depth=4):
            super().__init__()
            blocks = []
            for _ in range(depth):
                blocks += [nn.Linear(d_in, width), nn.SELU()]  # expect: RL204
                d_in = width
            self.body = nn.Sequential(*blocks)
            self.out = nn.Linear(width, 1)
            self.apply(self._lecun)

        @staticmethod
        def _lecun(m):
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="linear")

        def forward(self, x):
            return self.out(self.body(x))
    """,
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(100, 200)  # expect: RL204
            self.fc2 = nn.Linear(200, 50)
            self.drop = nn.Dropout(p=0.2)  # expect: RL204

        def forward(self, x):
            return self.fc2(self.drop(F.selu(self.fc1(x))))
    """,
], silent=[
    """
    import torch.nn as nn

    model = nn.Sequential(
        nn.Linear(20, 128),
        nn.SELU(),
        nn.AlphaDropout(0.1),
        nn.Linear(128, 1),
    )
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
    """,
    """
    import torch.nn as nn

    class SNN(nn.Module):
        def __init__(self, d_in, width=256, depth=4):
            super().__init__()
            blocks = []
            for _ in range(depth):
                blocks += [nn.Linear(d_in, width), nn.SELU()]
                d_in = width
            self.body = nn.Sequential(*blocks)
            self.out = nn.Linear(width, 1)
            self.apply(self._lecun)

        @staticmethod
        def _lecun(m):
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="linear")

        def forward(self, x):
            return self.out(self.body(x))
    """,
    """
    import math

    import torch
    import torch.nn.functional as F
    from torch import nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(100, 200)
            self.fc2 = nn.Linear(200, 50)
            self.drop = nn.AlphaDropout(p=0.2)
            for fc in (self.fc1, self.fc2):
                nn.init.normal_(fc.weight, 0.0, 1.0 / math.sqrt(fc.in_features))

        def forward(self, x):
            return self.fc2(self.drop(F.selu(self.fc1(x))))
    """,
])


# --------------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------------

def _cases():
    for s in SHAPES:
        for kind, programs in (("fire", s.fire), ("silent", s.silent)):
            for i, program in enumerate(programs, start=1):
                code, files = program if isinstance(program, tuple) else (program, {})
                case_id = f"{s.name}-{kind}{i}"
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[case_id])] if case_id in KNOWN_GAPS else []
                yield pytest.param(kind, code, files, id=case_id, marks=marks)


def _lint(code: str, files: dict[str, str], tmp_path):
    source = textwrap.dedent(code).strip("\n") + "\n"
    main = tmp_path / "main.py"
    main.write_text(source)
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).strip("\n") + "\n")
    result = lint_source(source, str(main), Settings())
    got = {(f.origin.line, f.code) for f in result.findings if f.origin.path == str(main)}
    return source, got, result


def test_every_shape_has_three_of_each():
    assert len(SHAPES) >= 25
    for s in SHAPES:
        assert len(s.fire) >= 3 and len(s.silent) >= 3, s.name


def test_known_gaps_name_real_cases():
    ids = {p.id for p in _cases()}
    assert not set(KNOWN_GAPS) - ids


@pytest.mark.parametrize(("kind", "code", "files"), list(_cases()))
def test_shape(kind, code, files, tmp_path):
    source, got, result = _lint(code, files, tmp_path)
    want = expectations(source)
    if kind == "fire":
        assert want, "a firing case must mark at least one `# expect:` line"
    else:
        assert not want, "a silent case carries no marker"
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


def test_message_numbers_keep_their_integer_zeros():
    """A ratio of 20 printed as "2x too large" once hid how bad an init was."""
    from relulint.rules._support import fmt

    assert [fmt(20.0), fmt(100.0), fmt(19.8), fmt(2.50), fmt(0.05)] == ["20", "100", "19.8", "2.5", "0.05"]
