"""Fine-tuning a library model (torchvision, timm): the backbone is not read, but the head the
program puts in place of the library's classifier (`model.fc = ...`) is the output the loss sees."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

REPLACED_HEAD = """
import torch
import torch.nn as nn
{IMPORT}

model = {CTOR}
model.{ATTR} = {HEAD}
model = model.to("cpu")
criterion = {LOSS}
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for images, y in [(torch.randn(4, 3, 224, 224), torch.randn(4, 1))]:
    loss = criterion(model(images), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

WRAPPED = """
import torch.nn as nn
import torchvision


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = torchvision.models.resnet50(weights=None)
        self.backbone.fc = nn.Identity()
        self.head = nn.Sequential(nn.Linear(2048, 1), {ACT})

    def forward(self, x):
        return self.head(self.backbone(x))


model = AgeNet()
loss_fn = {LOSS}
"""

CTORS = [
    ("from torchvision import models", "models.resnet18(weights=None)", "fc"),
    ("import torchvision.models as tvm", "tvm.efficientnet_b0()", "classifier"),
    ("import timm", 'timm.create_model("vit_small_patch16_224", pretrained=False)', "head"),
]


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "finetune.py", Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


def replaced(imp, ctor, attr, head, loss):
    return (REPLACED_HEAD.replace("{IMPORT}", imp).replace("{CTOR}", ctor).replace("{ATTR}", attr)
            .replace("{HEAD}", head).replace("{LOSS}", loss))


@pytest.mark.parametrize(("imp", "ctor", "attr"), CTORS)
def test_replaced_head_with_a_relu_on_a_regression_fires(imp, ctor, attr):
    code = replaced(imp, ctor, attr, "nn.Sequential(nn.Linear(512, 1), nn.ReLU())", "nn.MSELoss()")
    assert found(code) == [("RL101", 7)]


@pytest.mark.parametrize(("imp", "ctor", "attr"), CTORS)
def test_replaced_head_with_a_softmax_before_cross_entropy_fires(imp, ctor, attr):
    code = replaced(imp, ctor, attr, "nn.Sequential(nn.Linear(512, 5), nn.Softmax(dim=1))",
                    "nn.CrossEntropyLoss()")
    assert found(code) == [("RL103", 7)]


@pytest.mark.parametrize(("imp", "ctor", "attr"), CTORS)
def test_replaced_linear_head_is_silent(imp, ctor, attr):
    assert found(replaced(imp, ctor, attr, "nn.Linear(512, 1)", "nn.MSELoss()")) == []
    assert found(replaced(imp, ctor, attr, "nn.Linear(512, 5)", "nn.CrossEntropyLoss()")) == []


def test_default_head_is_a_linear_classifier():
    code = replaced("from torchvision import models", "models.resnet18(num_classes=1)", "training",
                    "True", "nn.BCEWithLogitsLoss()")
    assert found(code) == []


def test_an_attribute_that_is_not_the_head_changes_nothing():
    code = replaced("from torchvision import models", "models.resnet18()", "avgpool",
                    "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.ReLU())", "nn.MSELoss()")
    assert found(code) == []


def test_backbone_with_identity_head_inside_a_module():
    assert found(WRAPPED.replace("{ACT}", "nn.Sigmoid()").replace("{LOSS}", "nn.BCEWithLogitsLoss()")) \
        == [("RL103", 11)]
    assert found(WRAPPED.replace("{ACT}", "nn.ReLU()").replace("{LOSS}", "nn.SmoothL1Loss()")) == [("RL101", 11)]
    assert found(WRAPPED.replace(", {ACT}", "").replace("{LOSS}", "nn.SmoothL1Loss()")) == []


INDEXED_HEAD = """
import torch
import torch.nn as nn
from torchvision import models

model = models.{CTOR}(weights=None)
model.classifier[{INDEX}] = {HEAD}
criterion = {LOSS}
for images, y in [(torch.randn(4, 3, 224, 224), torch.randn(4, 1))]:
    loss = criterion(model(images), y)
    loss.backward()
"""


@pytest.mark.parametrize(("ctor", "index", "head", "loss", "want"), [
    ("vgg16", 6, "nn.Sequential(nn.Linear(4096, 1), nn.ReLU())", "nn.MSELoss()", [("RL101", 7)]),
    ("vgg16_bn", -1, "nn.Sequential(nn.Linear(4096, 1), nn.Sigmoid())", "nn.BCEWithLogitsLoss()", [("RL103", 7)]),
    ("alexnet", 6, "nn.Sequential(nn.Linear(4096, 1), nn.ReLU(inplace=True))", "nn.L1Loss()", [("RL101", 7)]),
    ("mobilenet_v3_small", 3, "nn.Sequential(nn.Linear(1024, 1), nn.ReLU())", "nn.SmoothL1Loss()", [("RL101", 7)]),
    ("efficientnet_b0", 1, "nn.Sequential(nn.Linear(1280, 1), nn.ReLU())", "nn.MSELoss()", [("RL101", 7)]),
    # silent: the correct head, or a layer inside the head (what follows it is the library's, not known)
    ("vgg16", 6, "nn.Linear(4096, 1)", "nn.MSELoss()", []),
    ("vgg16", 3, "nn.Sequential(nn.Linear(4096, 4096), nn.ReLU())", "nn.MSELoss()", []),
    ("squeezenet1_0", 1, "nn.Sequential(nn.Conv2d(512, 1, 1), nn.Sigmoid())", "nn.BCELoss()", []),
    ("efficientnet_b0", 0, "nn.Dropout(0.5)", "nn.BCELoss()", []),
    ("alexnet", 6, "nn.Linear(4096, 1)", "nn.BCEWithLogitsLoss()", []),
])
def test_a_layer_of_the_library_head_replaced_by_index(ctor, index, head, loss, want):
    assert found(INDEXED_HEAD.format(CTOR=ctor, INDEX=index, HEAD=head, LOSS=loss)) == want
