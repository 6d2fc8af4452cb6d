"""Losses bind to the network whose output reaches them (the abstract interpreter, issue 9).

Each cause of a wrong finding seen on real training code has a silent case here and a firing twin
that differs only in the point that matters. Files are written to a temporary folder and linted
with `lint_file`, so neighbours are read the way the CLI reads them.
"""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def lint(tmp_path, files: dict[str, str], target: str = "model.py", select: list[str] | None = None):
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code))
    path = tmp_path / target
    result = lint_file(str(path), Settings(select=select or ["RL101", "RL102", "RL103"]), FactsCache())
    return sorted((f.code, f.origin.line) for f in result.findings if f.origin.path == str(path)), result


def codes(tmp_path, files, target="model.py", select=None):
    return [c for c, _ in lint(tmp_path, files, target, select)[0]]


# ---------------------------------------------------------------- an encoder beside a regression script

ENCODER = HEAD + """
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 8)

    def forward(self, x):
        return F.relu(self.fc(x))
"""

UNRELATED_TRAIN = HEAD + """
class Reg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)

model = Reg()
loss = nn.MSELoss()(model(torch.rand(8, 4)), torch.rand(8, 1))
loss.backward()
"""


def test_encoder_beside_an_unrelated_regression_script_is_silent(tmp_path):
    assert codes(tmp_path, {"model.py": ENCODER, "train.py": UNRELATED_TRAIN}) == []


def test_encoder_trained_directly_as_a_regressor_fires(tmp_path):
    train = HEAD + "from model import Encoder\nenc = Encoder()\nloss = F.mse_loss(enc(torch.rand(8, 16)), torch.rand(8, 8))\n"
    found, result = lint(tmp_path, {"model.py": ENCODER, "train.py": train})
    assert found == [("RL101", 11)]
    assert result.findings[0].related[0][0].path.endswith("train.py")


# ---------------------------------------------------------------- two models, only one trained

TWO_MODELS = HEAD + """
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)

class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)  # probabilities on purpose: used for ranking only

clf, scorer = Classifier(), Scorer()
x, y = torch.rand(8, 4), torch.randint(0, 3, (8,))
criterion = nn.CrossEntropyLoss()
loss = criterion({trained}(x), y)
loss.backward()
ranking = scorer(x).argmax(1)
"""


def test_two_models_only_the_trained_one_is_judged(tmp_path):
    assert codes(tmp_path, {"model.py": TWO_MODELS.replace("{trained}", "clf")}) == []


def test_two_models_the_trained_one_with_softmax_fires(tmp_path):
    assert codes(tmp_path, {"model.py": TWO_MODELS.replace("{trained}", "scorer")}) == ["RL103"]


# ---------------------------------------------------------------- two loss calls

TWO_CALLS = HEAD + """
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3){tail})
criterion = nn.CrossEntropyLoss()

def train(x, y):
    loss = criterion(model(x), y)
    loss.backward()

def test(x, y):
    with torch.no_grad():
        return criterion(model(x), y).item()
"""


def test_two_loss_calls_do_not_hide_a_double_softmax(tmp_path):
    assert codes(tmp_path, {"model.py": TWO_CALLS.replace("{tail}", ", nn.Softmax(dim=1)")}) == ["RL103"]


def test_two_loss_calls_on_logits_are_silent(tmp_path):
    assert codes(tmp_path, {"model.py": TWO_CALLS.replace("{tail}", "")}) == []


def test_mse_and_cross_entropy_in_one_file_each_judge_their_own_model(tmp_path):
    code = HEAD + """
reg = nn.Sequential(nn.Linear(4, 1))
clf = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
x = torch.rand(8, 4)
l1 = F.mse_loss(reg(x), torch.rand(8, 1))
l2 = F.cross_entropy(clf(x), torch.randint(0, 3, (8,)))
(l1 + l2).backward()
"""
    assert codes(tmp_path, {"model.py": code}) == ["RL103"]


# ---------------------------------------------------------------- inline loss and the call site

@pytest.mark.parametrize(("expr", "want"), [
    ("nn.CrossEntropyLoss()(model(x), y)", []),
    ("nn.CrossEntropyLoss()(F.softmax(model(x), dim=1), y)", ["RL103"]),
    ("nn.CrossEntropyLoss()(model(x).softmax(-1), y)", ["RL103"]),
    ("F.nll_loss(F.log_softmax(model(x), dim=1), y)", []),
    ("F.nll_loss(model(x), y)", ["RL103"]),
    ("nn.BCEWithLogitsLoss()(torch.sigmoid(model(x)), y)", ["RL103"]),
    ("nn.BCELoss()(torch.sigmoid(model(x)), y)", []),
], ids=["inline-logits", "inline-softmax", "method-softmax", "log-softmax-nll", "logits-nll", "sigmoid-bcelogits",
        "sigmoid-bce"])
def test_loss_judges_what_reaches_it(tmp_path, expr, want):
    code = HEAD + f"""
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
x, y = torch.rand(8, 4), torch.randint(0, 3, (8,))
loss = {expr}
"""
    assert codes(tmp_path, {"model.py": code}) == want


def test_softmax_inside_a_loss_module_forward(tmp_path):
    code = HEAD + """
class SoftCE(nn.Module):
    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss()

    def forward(self, logits, y):
        return self.ce(F.softmax(logits, dim=1), y)

model = nn.Sequential(nn.Linear(4, 3))
loss = SoftCE()(model(torch.rand(8, 4)), torch.randint(0, 3, (8,)))
"""
    assert codes(tmp_path, {"model.py": code}) == ["RL103"]


def test_sigmoid_in_a_helper_method_before_a_logits_loss(tmp_path):
    code = HEAD + """
class Trainer:
    def __init__(self, model):
        self.model = model
        self.loss_fn = nn.BCEWithLogitsLoss()

    def predict(self, x):
        return torch.sigmoid(self.model(x))

    def step(self, x, y):
        loss = self.loss_fn(self.{method}(x), y)
        loss.backward()

Trainer(nn.Sequential(nn.Linear(4, 1))).step(torch.rand(8, 4), torch.rand(8, 1))
"""
    assert codes(tmp_path, {"model.py": code.replace("{method}", "predict")}) == ["RL103"]
    assert codes(tmp_path, {"model.py": code.replace("{method}", "model")}) == []


# ---------------------------------------------------------------- (logits, probas) and inference-only activations

LOGITS_PROBAS = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        probas = F.softmax(logits, dim=1)
        return logits, probas

model = Net()
logits, probas = model(torch.rand(8, 4))
loss = F.cross_entropy({which}, torch.randint(0, 3, (8,)))
"""


def test_logits_probas_pair_with_loss_on_logits_is_silent(tmp_path):
    assert codes(tmp_path, {"model.py": LOGITS_PROBAS.replace("{which}", "logits")}) == []


def test_logits_probas_pair_with_loss_on_probas_fires(tmp_path):
    assert codes(tmp_path, {"model.py": LOGITS_PROBAS.replace("{which}", "probas")}) == ["RL103"]


INFERENCE_ONLY = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.fc(x)
        {guard}
        return x

model = Net()
loss = nn.CrossEntropyLoss()(model(torch.rand(8, 4)), torch.randint(0, 3, (8,)))
"""


@pytest.mark.parametrize("guard", [
    "if not self.training:\n            x = F.softmax(x, dim=1)",
    "x = x if self.training else F.softmax(x, dim=1)",
])
def test_activation_only_at_inference_is_silent(tmp_path, guard):
    assert codes(tmp_path, {"model.py": INFERENCE_ONLY.replace("{guard}", guard)}) == []


def test_activation_in_training_too_fires(tmp_path):
    assert codes(tmp_path, {"model.py": INFERENCE_ONLY.replace("{guard}", "x = F.softmax(x, dim=1)")}) == ["RL103"]


def test_is_training_argument(tmp_path):
    code = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, is_training):
        out = self.fc(x)
        return F.softmax(out, dim=1) if not is_training else out

model = Net()
loss = nn.CrossEntropyLoss()(model(torch.rand(8, 4), True), torch.randint(0, 3, (8,)))
"""
    assert codes(tmp_path, {"model.py": code}) == []
    assert codes(tmp_path, {"model.py": code.replace("), True)", "), False)")}) == ["RL103"]


# ---------------------------------------------------------------- initialisation under a class-name guard

DCGAN_INIT = HEAD + """
class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 4)
        self.bn = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, 64)
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = F.relu(self.fc(x.flatten(1)))
        return self.out(x)

def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('{guarded}') != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)

net = D()
net.apply(weights_init)
"""


def test_batchnorm_gamma_init_under_classname_guard_is_silent(tmp_path):
    assert codes(tmp_path, {"model.py": DCGAN_INIT.replace("{guarded}", "BatchNorm")}, select=["RL201"]) == []


def test_positive_mean_init_of_a_linear_under_classname_guard_fires(tmp_path):
    found, _ = lint(tmp_path, {"model.py": DCGAN_INIT.replace("{guarded}", "Linear")}, select=["RL201"])
    assert found == [("RL201", 23)]


def test_isinstance_guard_in_modules_loop(tmp_path):
    code = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 8)
        for m in self.modules():
            if isinstance(m, {cls}):
                nn.init.constant_(m.weight, 1.0)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x)))).relu()
"""
    assert codes(tmp_path, {"model.py": code.replace("{cls}", "nn.BatchNorm1d")}, select=["RL201"]) == []
    assert codes(tmp_path, {"model.py": code.replace("{cls}", "nn.Linear")}, select=["RL201"]) == ["RL201"]


# ---------------------------------------------------------------- losses declared, metrics, helpers

def test_loss_declared_but_never_called_does_not_judge_a_trained_model(tmp_path):
    code = HEAD + """
model = nn.Sequential(nn.Linear(4, 1), nn.ReLU())
unused = nn.MSELoss()  # left over from an experiment
loss = nn.BCEWithLogitsLoss()(model(torch.rand(8, 4)), torch.rand(8, 1))
"""
    assert codes(tmp_path, {"model.py": code}, select=["RL101"]) == []
    assert codes(tmp_path, {"model.py": code.replace("nn.BCEWithLogitsLoss()", "unused")}, select=["RL101"]) == [
        "RL101"]


METRIC = HEAD + """
from metrics import squared_error

model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
criterion = nn.BCELoss()
x, y = torch.rand(8, 4), torch.randint(0, 2, (8, 1)).float()
loss = {trained}
loss.backward()
with torch.no_grad():
    err = squared_error(model(x), y)
"""
METRICS = "import torch\n\ndef squared_error(a, b):\n    return (a - b).pow(2).mean()\n"


def test_metric_in_an_imported_helper_is_not_the_training_loss(tmp_path):
    files = {"model.py": METRIC.replace("{trained}", "criterion(model(x), y)"), "metrics.py": METRICS}
    assert codes(tmp_path, files) == []


def test_squared_error_helper_that_is_backpropagated_is_the_loss(tmp_path):
    files = {"model.py": METRIC.replace("{trained}", "squared_error(model(x), y)"), "metrics.py": METRICS}
    assert codes(tmp_path, files) == ["RL102"]


# ---------------------------------------------------------------- attention, backbones, slices

ATTENTION = HEAD + """
class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)

    def forward(self, x):
        w = torch.softmax(self.q(x) @ self.k(x).transpose(1, 2), dim=-1)
        return w @ self.v(x)

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attention(16)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        return {out}

model = Model()
loss = nn.CrossEntropyLoss()(model(torch.rand(2, 7, 16)), torch.randint(0, 5, (2, 7)))
"""


def test_attention_softmax_in_another_class_is_silent(tmp_path):
    assert codes(tmp_path, {"model.py": ATTENTION.replace("{out}", "self.head(self.attn(x))")}) == []


def test_softmax_on_the_composed_output_fires(tmp_path):
    code = ATTENTION.replace("{out}", "torch.softmax(self.head(self.attn(x)), dim=-1)")
    assert codes(tmp_path, {"model.py": code}) == ["RL103"]


BACKBONE = HEAD + """
class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 32)

    def forward(self, x):
        return F.relu(self.fc(x))

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.backbone(x))

model = Regressor()
loss = F.mse_loss({pred}, torch.rand(4, 1))
"""


def test_backbone_inside_a_composed_regressor_is_silent(tmp_path):
    assert codes(tmp_path, {"model.py": BACKBONE.replace("{pred}", "model(torch.rand(4, 8))")}) == []


def test_backbone_output_trained_as_regression_fires(tmp_path):
    code = BACKBONE.replace("{pred}", "model.backbone(torch.rand(4, 8))")
    assert codes(tmp_path, {"model.py": code}) == ["RL101"]


SLICE = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 1, 3, padding=2)

    def forward(self, x):
        return {out}

model = Net()
loss = nn.BCELoss()(model(torch.rand(2, 4, 10)), torch.rand(2, 1, 10))
"""


def test_activation_before_a_slice_is_kept(tmp_path):
    assert codes(tmp_path, {"model.py": SLICE.replace("{out}", "torch.sigmoid(self.conv(x))[:, :, :-2]")}) == []


def test_missing_activation_before_a_slice_fires(tmp_path):
    assert codes(tmp_path, {"model.py": SLICE.replace("{out}", "self.conv(x)[:, :, :-2]")}) == ["RL103"]


def test_activation_on_part_of_the_output_is_not_the_output_activation(tmp_path):
    code = HEAD + """
class Det(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        out = self.fc(x)
        out[:, :2] = torch.sigmoid(out[:, :2])
        return out

model = Det()
loss = F.mse_loss(model(torch.rand(4, 8)), torch.rand(4, 6))
"""
    assert codes(tmp_path, {"model.py": code}) == []


# ---------------------------------------------------------------- token ids into an embedding

TOKENS = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.{first}
        self.fc = nn.Linear(32, 2)

    def forward(self, x):
        return self.fc(F.relu(self.emb(x)))

model = Net()
x = torch.randint(0, 5000, (8, 32))
out = model(x)
"""


def test_token_ids_into_an_embedding_are_not_unscaled_features(tmp_path):
    code = TOKENS.replace("{first}", "emb = nn.Embedding(5000, 32)")
    assert codes(tmp_path, {"model.py": code}, select=["RL301", "RL302"]) == []


def test_large_integers_into_a_linear_layer_fire(tmp_path):
    code = TOKENS.replace("{first}", "emb = nn.Linear(32, 32)")
    assert codes(tmp_path, {"model.py": code}, select=["RL301"]) == ["RL301"]


# ---------------------------------------------------------------- a norm between the last layer and its activation

@pytest.mark.parametrize(("tail", "want"), [
    ("nn.BatchNorm1d(1), nn.ReLU()", ["RL101"]),
    ("nn.LayerNorm(1), nn.Dropout(0.1), nn.ReLU()", ["RL101"]),
    ("nn.BatchNorm1d(1)", []),
    ("nn.ReLU(), nn.Linear(1, 1)", []),
])
def test_norm_before_the_final_relu_does_not_hide_it(tmp_path, tail, want):
    code = HEAD + f"""
model = nn.Sequential(nn.Linear(4, 1), {tail})
loss = F.mse_loss(model(torch.rand(8, 4)), torch.rand(8, 1))
"""
    assert codes(tmp_path, {"model.py": code}, select=["RL101"]) == want


# ---------------------------------------------------------------- a factory returning the model with its loss

# (the ReLU output under BCEWithLogitsLoss: RL103, every prediction >= 0.5; not RL101)
@pytest.mark.parametrize(("loss", "want"), [("nn.MSELoss()", ["RL101"]), ("nn.BCEWithLogitsLoss()", ["RL103"])])
def test_model_and_loss_returned_together_are_bound(tmp_path, loss, want):
    train = HEAD + f"from model import Encoder\n\ndef relulint_batch():\n    return Encoder(), torch.rand(8, 16), {loss}\n"
    assert codes(tmp_path, {"model.py": ENCODER, "train.py": train}) == want


def test_a_trainer_module_without_a_network_is_judged_through_its_driver(tmp_path):
    """trainer.py holds the loss and the training step but no network; train.py imports it and the
    model. Linting trainer.py alone reads train.py and reports the softmax fed to CrossEntropyLoss."""
    files = {
        "model.py": "import torch.nn as nn\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.fc = nn.Linear(4, 3)\n"
                    "    def forward(self, x):\n"
                    "        return self.fc(x)\n",
        "trainer.py": "import torch\nimport torch.nn as nn\n"
                      "class Trainer:\n"
                      "    def __init__(self, model):\n"
                      "        self.model = model\n"
                      "        self.loss_fn = nn.CrossEntropyLoss()\n"
                      "    def step(self, x, y):\n"
                      "        loss = self.loss_fn(torch.softmax(self.model(x), dim=-1), y)\n"
                      "        loss.backward()\n",
        "train.py": "import torch\nfrom model import Net\nfrom trainer import Trainer\n"
                    "Trainer(Net()).step(torch.randn(2, 4), torch.tensor([0, 1]))\n",
    }
    found, _ = lint(tmp_path, files, target="trainer.py")
    assert found == [("RL103", 8)]
    files["trainer.py"] = files["trainer.py"].replace("torch.softmax(self.model(x), dim=-1)", "self.model(x)")
    assert codes(tmp_path, files, target="trainer.py") == []
