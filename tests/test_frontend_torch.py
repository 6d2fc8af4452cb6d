"""PyTorch frontend: self-referential and cyclic module expressions found in real code (timm's
volo, cpubone, ghostnet) must lower without recursion errors."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source import lower_source

CYCLES = {
    "rebinding a list to its Sequential": """
        import torch.nn as nn
        def make(n):
            blocks = [nn.Linear(4, 4), nn.ReLU()]
            blocks = nn.Sequential(*blocks)
            return blocks
        model = make(2)
    """,
    "attribute wrapping itself": """
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
                self.blocks = nn.Sequential(self.blocks, nn.Linear(4, 1))
            def forward(self, x):
                return self.blocks(x)
    """,
    "mutual names": """
        import torch.nn as nn
        a = nn.Sequential(*b)
        b = [nn.Sequential(*a)]
    """,
}


@pytest.mark.parametrize("code", CYCLES.values(), ids=CYCLES.keys())
def test_cycles_lower_without_error(code):
    code = textwrap.dedent(code)
    lower_source("m.py", code)
    assert [f.code for f in lint_source(code, "m.py", Settings()).findings] == []


def test_rebinding_keeps_the_earlier_value():
    code = textwrap.dedent(CYCLES["rebinding a list to its Sequential"])
    nets = lower_source("m.py", code).networks
    assert [op.kind for net in nets for op in net.ops] == ["affine", "activation"]


def test_init_schemes_are_data_not_strings():
    """kaiming_normal_(nonlinearity=...) and VarianceScaling give a Scheme (scale, mode), not 'vs:1.0:fan_in'."""
    from relulint.knowledge import SCHEMES, Scheme

    src = """
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 32)
        nn.init.kaiming_normal_(self.fc.weight, mode="fan_out", nonlinearity="linear")
    def forward(self, x):
        return F.selu(self.fc(x))
"""
    (net,) = lower_source("m.py", src).networks
    init = net.ops[0].weight_init
    assert init.scheme == Scheme(1.0, "fan_out") and not init.scheme.is_lecun
    assert init.std_for(64, 32) == pytest.approx((1 / 32) ** 0.5)
    assert SCHEMES["lecun"].is_lecun and str(SCHEMES["he"]) == "he"
    assert str(Scheme(2.0, "fan_in")) == "variance_scaling(scale=2, mode=fan_in)"


def test_op_kinds_are_an_enum():
    from relulint.ir import Op, OpKind

    assert Op("affine", "x").kind is OpKind.AFFINE and OpKind.AFFINE == "affine"
    with pytest.raises(ValueError):
        Op("afine", "typo")
