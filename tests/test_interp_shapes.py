"""Shapes real PyTorch code takes (issue 10), each with firing and silent variants: the interpreter
follows model construction and loss plumbing that pattern matching missed."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def codes(code: str, select=("RL101", "RL102", "RL103")) -> list[str]:
    result = lint_source(textwrap.dedent(code), "model.py", Settings(select=list(select)))
    return sorted(f.code for f in result.findings)


def _variants(template: str, bad: str, good: str) -> list:
    return [pytest.param(template.replace("{X}", bad), True, id="fires"),
            pytest.param(template.replace("{X}", good), False, id="silent")]


# ---------------------------------------------------------------- model construction

ADD_MODULE = HEAD + """
model = nn.Sequential()
model.add_module("fc1", nn.Linear(4, 16))
model.add_module("act1", nn.ReLU())
model.add_module("out", nn.Linear(16, 1))
{X}
loss = F.mse_loss(model(torch.rand(8, 4)), torch.rand(8, 1))
"""

BASE_CTOR = HEAD + """
class Base(nn.Module):
    def __init__(self, body, head):
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x):
        return self.head(self.body(x))

class Reg(Base):
    def __init__(self):
        super().__init__(nn.Sequential(nn.Linear(4, 16), nn.ReLU()), {X})

model = Reg()
criterion = nn.MSELoss()
loss = criterion(model(torch.rand(8, 4)), torch.rand(8, 1))
"""

INLINE_SEQ = HEAD + """
class Wrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)

model = Wrapper(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1){X}))
loss = nn.L1Loss()(model(torch.rand(8, 4)), torch.rand(8, 1))
"""

LOOP_APPEND = HEAD + """
def build(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        layers.append(nn.ReLU())
    {X}
    return nn.Sequential(*layers)

model = build([4, 32, 32, 1])
loss = F.smooth_l1_loss(model(torch.rand(8, 4)), torch.rand(8, 1))
"""

MODULE_LIST = HEAD + """
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(n)])
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        for layer in self.layers:
            x = F.relu(layer(x))
        return {X}

model = Net(3)
loss = F.mse_loss(model(torch.rand(4, 8)), torch.rand(4, 1))
"""

SETATTR = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(3):
            setattr(self, f"fc{i}", nn.Linear(8, 8))
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return {X}

model = Net()
loss = F.mse_loss(model(torch.rand(4, 8)), torch.rand(4, 1))
"""


@pytest.mark.parametrize(("code", "fires"), [
    *_variants(ADD_MODULE, 'model.add_module("act2", nn.ReLU())', "pass"),
    *_variants(BASE_CTOR, "nn.Sequential(nn.Linear(16, 1), nn.ReLU())", "nn.Linear(16, 1)"),
    *_variants(INLINE_SEQ, ", nn.ReLU()", ""),
    *_variants(LOOP_APPEND, "pass", "layers.pop()"),
    *_variants(MODULE_LIST, "F.relu(self.out(x))", "self.out(x)"),
    *_variants(SETATTR, "torch.relu(self.out(x))", "self.out(x)"),
])
def test_model_construction_shapes(code, fires):
    assert codes(code) == (["RL101"] if fires else [])


# ---------------------------------------------------------------- where the loss comes from

LOSS_AS_CLASS = HEAD + """
class Trainer:
    def __init__(self, model, criterion=nn.CrossEntropyLoss):
        self.model = model
        self.criterion = criterion()

    def step(self, x, y):
        loss = self.criterion(self.model(x), y)
        loss.backward()

model = nn.Sequential(nn.Linear(4, 3){X})
Trainer(model).step(torch.rand(8, 4), torch.randint(0, 3, (8,)))
"""

CLASS_ATTR_LOSS = HEAD + """
class Task:
    DEFAULT_LOSS_CLS = nn.CrossEntropyLoss

    def __init__(self):
        self.model = nn.Sequential(nn.Linear(4, 3){X})
        self.loss_fn = self.DEFAULT_LOSS_CLS()

    def training_step(self, batch, batch_idx):
        x, y = batch
        return self.loss_fn(self.model(x), y)
"""

BASE_METHOD_LOSS = HEAD + """
class BaseModel(nn.Module):
    def compute_loss(self, x, y):
        return F.binary_cross_entropy_with_logits(self(x), y)

class Clf(BaseModel):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return {X}

model = Clf()
loss = model.compute_loss(torch.rand(8, 4), torch.rand(8, 1))
"""

LIGHTNING = HEAD + """
import pytorch_lightning as pl

class Lit(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1){X})

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val", F.l1_loss(self(x), y))
"""

HAND_WRITTEN_MSE = HEAD + """
model = nn.Sequential(nn.Linear(4, 1){X})
x, y = torch.rand(8, 4), torch.rand(8, 1)
pred = model(x)
loss = ((pred - y) ** 2).mean()
loss.backward()
"""


@pytest.mark.parametrize(("code", "fires", "rule"), [
    *[(*p.values, "RL103") for p in _variants(LOSS_AS_CLASS, ", nn.Softmax(dim=1)", "")],
    *[(*p.values, "RL103") for p in _variants(CLASS_ATTR_LOSS, ", nn.Softmax(dim=1)", "")],
    *[(*p.values, "RL103") for p in _variants(BASE_METHOD_LOSS, "torch.sigmoid(self.fc(x))", "self.fc(x)")],
    *[(*p.values, "RL101") for p in _variants(LIGHTNING, ", nn.ReLU()", "")],
    *[(*p.values, "RL101") for p in _variants(HAND_WRITTEN_MSE, ", nn.ReLU()", "")],
    *[(*p.values, "RL102") for p in _variants(HAND_WRITTEN_MSE, ", nn.Softmax(dim=1)", ", nn.Identity()")],
])
def test_loss_plumbing_shapes(code, fires, rule):
    assert codes(code) == ([rule] if fires else [])


# ---------------------------------------------------------------- hand-written cross-entropy (RL103)

class_model = HEAD + """
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(20, 64)
        self.head = nn.Linear(64, 5)

    def forward(self, x):
        return {X}

def cross_entropy(probs, onehot):
    return torch.mean(-torch.sum(onehot * torch.log(probs + 1e-8), dim=1))

def train(model, loader, opt):
    for x, y in loader:
        opt.zero_grad()
        loss = cross_entropy(model(x), F.one_hot(y, 5).float())
        loss.backward()
        opt.step()

train(Classifier(), make_loader(), torch.optim.SGD([], lr=0.1))
"""


@pytest.mark.parametrize("code, fires", _variants(
    class_model, "self.head(F.relu(self.body(x)))", "F.softmax(self.head(F.relu(self.body(x))), dim=1)"))
def test_handwritten_cross_entropy_in_a_helper(code, fires):
    assert codes(code) == (["RL103"] if fires else [])


@pytest.mark.parametrize("code, fires", _variants(HEAD + """
net = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 3){X})
x, target = torch.randn(8, 6), torch.eye(3)[torch.randint(0, 3, (8,))]
out = net(x)
loss = (-target * out.log()).sum(1).mean()
loss.backward()
""", "", ", nn.Softmax(dim=1)"))
def test_handwritten_cross_entropy_with_the_log_method(code, fires):
    assert codes(code) == (["RL103"] if fires else [])


def test_entropy_of_softmax_probabilities_and_a_plain_log_are_silent():
    code = HEAD + """
net = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 3))
x, y = torch.randn(8, 6), torch.randint(0, 3, (8,))
logits = net(x)
p = F.softmax(logits, dim=1)
entropy = -(p * torch.log(p)).sum(1).mean()     # a bonus on probabilities
scale = torch.log(logits.abs() + 1).mean()      # a log with no product: not a cross-entropy
loss = F.cross_entropy(logits, y) - 0.01 * entropy
loss.backward()
"""
    assert codes(code) == []


# ---------------------------------------------------------------- hand-written regression losses (RL101)

@pytest.mark.parametrize("loss_line", [
    "loss = torch.where(err < 1.0, 0.5 * err ** 2, err - 0.5).mean()",          # Huber with where
    "loss = torch.mean(torch.abs(pred - y))",                                     # MAE
    "loss = abs(pred - y).sum() / len(y)",                                        # builtin abs
    "loss = (0.5 * (pred - y) ** 2).mean()",                                      # halved squared error
])
@pytest.mark.parametrize("head, fires", [("nn.Linear(16, 1), nn.ReLU()", True), ("nn.Linear(16, 1)", False)])
def test_handwritten_regression_losses(loss_line, head, fires):
    code = HEAD + f"""
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), {head})
x, y = torch.randn(8, 4), torch.randn(8, 1)
pred = model(x)
err = (pred - y).abs()
{loss_line}
loss.backward()
"""
    assert codes(code) == (["RL101"] if fires else [])


def test_distances_inside_forward_are_not_losses():
    code = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        h = F.relu(self.fc(x))
        spread = (h - h.mean(0)).abs().mean()      # a statistic, not a loss
        h = h / (spread + 1e-5)
        return self.out(h)

model = Net()
loss = F.cross_entropy(model(torch.randn(4, 8)), torch.randint(0, 3, (4,)))
loss.backward()
"""
    assert codes(code) == []


# ---------------------------------------------------------------- sigmoid + MSE: classifier or regression (RL102)

@pytest.mark.parametrize("targets, expected", [
    ("torch.randint(0, 2, (256, 1)).float()", ["RL102"]),   # 0/1 labels: a classifier trained with MSE
    ("0.25 + 0.5 * torch.rand(256, 1)", []),                 # never reach 0 or 1: a regression on a bounded scale
])
def test_sigmoid_mse_is_judged_by_its_targets(targets, expected):
    code = HEAD + f"""
x = torch.rand(256, 3)
y = {targets}
net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
loss = nn.MSELoss()(net(x), y)
loss.backward()
"""
    assert codes(code) == expected


def test_nll_on_the_log_of_softmax_probabilities_is_silent():
    code = HEAD + """
class ProbNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):
        return torch.softmax(self.body(x), dim=-1)

model = ProbNet()
probs = model(torch.randn(4, 10))
loss = nn.NLLLoss()(torch.log(probs + 1e-8), torch.randint(0, 3, (4,)))
loss.backward()
"""
    assert codes(code) == []


# ---------------------------------------------------------------- hand-written linear layers (nn.Parameter)

@pytest.mark.parametrize("code, fires", _variants(HEAD + """
class Scorer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(d, 1) / d ** 0.5)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return {X}

model = Scorer(6)
loss = F.mse_loss(model(torch.randn(5, 6)), torch.randn(5, 1))
loss.backward()
""", "F.relu(F.linear(x, self.weight.t(), self.bias))", "F.linear(x, self.weight.t(), self.bias)"))
def test_functional_linear_with_raw_parameters(code, fires):
    assert codes(code) == (["RL101"] if fires else [])


def test_attention_products_are_not_layers():
    code = HEAD + """
class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(16, 48)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        w = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        return self.out(w @ v)

model = Attn()
loss = F.mse_loss(model(torch.randn(2, 4, 16)), torch.randn(2, 4, 1))
loss.backward()
"""
    assert codes(code) == []


# ---------------------------------------------------------------- `a or b` is a value, not a boolean

@pytest.mark.parametrize("code, fires", _variants(HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return {X}

class Trainer:
    DEFAULT_LOSS_CLS = nn.CrossEntropyLoss

    def __init__(self, model, loss_cls=None):
        self.model = model
        self.loss_fn = (loss_cls or self.DEFAULT_LOSS_CLS)()

    def step(self, x, y):
        loss = self.loss_fn(self.model(x), y)
        loss.backward()

Trainer(Net()).step(torch.randn(2, 4), torch.tensor([0, 1]))
""", "torch.softmax(self.fc(x), dim=-1)", "self.fc(x)"))
def test_loss_class_chosen_with_or_from_a_class_attribute(code, fires):
    assert codes(code) == (["RL103"] if fires else [])
