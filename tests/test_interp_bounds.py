"""The interpreter is bounded: hostile files end with a finding or silence, never a hang or a traceback.
(How long each takes is printed by benchmarks/bench_hostile.py, not asserted here.)"""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.source import lower_source
from relulint.source.interp.evaluator import fold

HOSTILE = {
    "huge exponent": "import torch.nn as nn\nN = 9 ** 9 ** 9\nmodel = nn.Sequential(nn.Linear(N, 4), nn.ReLU())\n",
    "exponent chain in a loop": "import torch.nn as nn\nn = 2\nfor _ in range(100):\n    n = n ** n\nlayer = nn.Linear(n, 2)\n",
    "string doubling": "import torch.nn as nn\ns = 'a'\nfor _ in range(200):\n    s = s + s\nlayer = nn.Linear(4, 2)\n",
    "self-referential assignments": "import torch.nn as nn\na = b\nb = a\na = a + a\nx = [x]\nx = x * 1000\n"
                                    "model = nn.Sequential(*x)\n",
    "list multiplied": "import torch.nn as nn\nlayers = [nn.Linear(4, 4), nn.ReLU()] * 10**9\nm = nn.Sequential(*layers)\n",
    "recursive function": "import torch.nn as nn\ndef f(n):\n    return f(n + 1) + [nn.Linear(4, 4)]\nm = nn.Sequential(*f(0))\n",
    "recursive forward": textwrap.dedent("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
            def forward(self, x):
                return self(self.fc(x))
        m = Net()
        y = m(1)
    """),
    "class instantiating itself": textwrap.dedent("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = Net()
    """),
    "deep expression": "import torch.nn as nn\nx = " + "(" * 200 + "1" + ")" * 200 + "\nm = nn.Linear(x, 2)\n",
}


@pytest.mark.parametrize("code", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_ends_cleanly(code):
    result = lint_source(code, "hostile.py", Settings())
    assert not [f for f in result.findings if f.code.startswith("RL00")], [f.message for f in result.findings]


def test_long_comprehension_keeps_one_representative():
    code = "import torch.nn as nn\nmodel = nn.Sequential(*[nn.Linear(8, 8) for _ in range(100000)], nn.ReLU())\n"
    nets = lower_source("big.py", code).networks
    assert [op.kind for op in nets[0].ops] == ["affine", "activation"]


@pytest.mark.parametrize(("a", "op", "b", "want"), [
    (9, "Power", 9**9, None), (2, "Power", 10, 1024), (10**17, "Multiply", 10**17, None),
    ("ab", "Multiply", 10**9, None), (1.0, "Divide", 0, None), (7, "FloorDivide", 2, 3), (2, "LeftShift", 4000, None),
])
def test_constant_folding_is_bounded(a, op, b, want):
    got = fold(a, op, b)
    assert (got if got is not None and not repr(got) == "UNK" else None) == want
