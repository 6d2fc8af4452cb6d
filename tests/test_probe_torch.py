"""PyTorch shapes found by writing small training programs the way people write them (a probe of the
source pass): each case is a snippet whose `# expect: RLxxx` markers are the exact findings, with a
silent twin that differs only in the bug."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.testing import assert_markers as check

# ------------------------------------------------------------ a layer class looked up in a registry

REGISTRY = """
import torch
import torch.nn as nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "none": nn.Identity}
CFG = {"act": "relu", "out_act": "%s"}


def build(cfg):
    layers = [nn.Linear(6, 32), ACTIVATIONS[cfg["act"]](), nn.Linear(32, 1)]
    layers.append(ACTIVATIONS[cfg["out_act"]]())%s
    return nn.Sequential(*layers)


model = build(CFG)
x = torch.randn(200, 6)
y = torch.randn(200, 1)
loss = nn.MSELoss()(model(x), y)
loss.backward()
"""


def test_registry_class_is_reported_where_the_layer_is_built():
    # the table line names nn.ReLU for the hidden layers too: the output ReLU is the lookup's
    check(REGISTRY % ("relu", "  # expect: RL101"))


def test_registry_class_silent_when_the_output_looks_up_identity():
    check(REGISTRY % ("none", ""))


def test_class_handed_to_a_builder_is_still_reported_where_named():
    check("""
        import torch
        from torch import nn

        def mlp(sizes, act=nn.ReLU, out_act=nn.Identity):
            layers = []
            for a, b in zip(sizes[:-2], sizes[1:-1]):
                layers += [nn.Linear(a, b), act()]
            layers += [nn.Linear(sizes[-2], sizes[-1]), out_act()]
            return nn.Sequential(*layers)

        value_net = mlp([8, 64, 1], out_act=nn.ReLU)  # expect: RL101
        x, ret = torch.randn(64, 8), torch.randn(64, 1)
        nn.functional.mse_loss(value_net(x), ret).backward()
        """)


# ------------------------------------------------------------ nn.ModuleDict heads and dict comprehensions

HEADS = """
import torch
from torch import nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(12, 64), nn.ReLU())
        self.heads = nn.ModuleDict({
            "delta": %s
            "flag": nn.Sequential(nn.Linear(64, 1), nn.Sigmoid()),
        })

    def forward(self, x):
        h = self.trunk(x)
        return %s


net = TwoHeads()
x = torch.randn(300, 12)
delta = torch.randn(300, 1)
flag = torch.randint(0, 2, (300, 1)).float()
out = net(x)
loss = nn.MSELoss()(out["delta"], delta) + nn.BCELoss()(out["flag"], flag)
loss.backward()
"""
_ITEMS = "{name: head(h) for name, head in self.heads.items()}"
_KEYS = "{k: self.heads[k](h) for k in self.heads.keys()}"
_ZIP = "dict(zip(self.heads.keys(), [m(h) for m in self.heads.values()]))"


@pytest.mark.parametrize("ret", [_ITEMS, _KEYS])
def test_module_dict_heads_each_judged_by_their_loss(ret):
    check(HEADS % ("nn.Sequential(nn.Linear(64, 1), nn.ReLU()),  # expect: RL101", ret))
    check(HEADS % ("nn.Linear(64, 1),", ret))


def test_dict_comprehension_with_unknown_keys_knows_no_value():
    # the keys come from data the interpreter cannot read: no head may be taken for another's
    check("""
        import json
        import torch
        from torch import nn

        names = json.load(open("heads.json"))
        heads = nn.ModuleDict({"a": nn.Sequential(nn.Linear(4, 1), nn.Sigmoid()), "b": nn.Linear(4, 1)})
        x = torch.randn(10, 4)
        out = {n: heads[n](x) for n in names}
        loss = nn.MSELoss()(out["b"], torch.randn(10, 1))
        loss.backward()
        """)


# ------------------------------------------------------------ bounded outputs other than sigmoid / tanh

SOFTPLUS = """
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1), nn.Softplus())%s
x = torch.randn(1000, 10)
y = %s
loss = nn.MSELoss()(model(x), y)
loss.backward()
"""


def test_softplus_output_with_signed_targets():
    check(SOFTPLUS % ("  # expect: RL101", "torch.randn(1000, 1) * 3.0"))


def test_softplus_output_with_positive_targets_is_fine():
    check(SOFTPLUS % ("", "torch.rand(1000, 1) * 5.0 + 0.1"))


def test_functional_softplus_and_exp_outputs_with_signed_targets():
    check("""
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Rate(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2 = nn.Linear(5, 32), nn.Linear(32, 1)

            def forward(self, x):
                return F.softplus(self.fc2(torch.relu(self.fc1(x))))  # expect: RL101

        m = Rate()
        x = torch.rand(400, 5)
        change = torch.rand(400, 1) * 2.0 - 1.0
        F.l1_loss(m(x), change).backward()
        """)


# ------------------------------------------------------------ a network compared with its own output

FEATURES = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())%s

    def forward(self, x):
        return self.layers(x)


feat = Features().eval()
refiner = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 3, 3, padding=1))
img, ref = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
out = refiner(img)
loss = %s + F.l1_loss(out, ref)
loss.backward()
"""


@pytest.mark.parametrize("term", [
    "F.mse_loss(feat(out), feat(ref))",
    "F.mse_loss(feat(out), feat(ref).detach())",
    "nn.MSELoss()(feat(out), feat(ref))",
    "((feat(out) - feat(ref)) ** 2).mean()",
    "(feat(out) - feat(ref)).abs().mean()",
])
def test_feature_matching_loss_judges_no_output(term):
    check(FEATURES % ("", term))


def test_the_same_network_regressed_on_data_still_fires():
    check(FEATURES % ("  # expect: RL101", "F.mse_loss(feat(out), torch.randn(2, 32, 32, 32))"))


# ------------------------------------------------------------ selections keep the network's values

DQN = """
import torch
import torch.nn as nn
import torch.nn.functional as F

q_net = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2)%s
states, next_states = torch.randn(64, 4), torch.randn(64, 4)
actions = torch.randint(0, 2, (64, 1))
rewards = torch.randn(64)
q = %s
with torch.no_grad():
    target = rewards + 0.99 * q_net(next_states).max(1)[0]
loss = F.smooth_l1_loss(q, target)
loss.backward()
"""


@pytest.mark.parametrize("select", [
    "q_net(states).gather(1, actions).squeeze(1)",
    "torch.gather(q_net(states), 1, actions).squeeze(1)",
    "q_net(states).index_select(1, torch.tensor([0])).squeeze(1)",
])
def test_q_values_selected_by_action(select):
    check(DQN % (", nn.ReLU())  # expect: RL101", select))
    check(DQN % (")", select))


# ------------------------------------------------------------ one iteration standing for a long loop

REPLAY = """
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

policy = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2)%s
opt = torch.optim.Adam(policy.parameters())
memory = []
for step in range(10000):
    memory.append((torch.randn(1, 4), random.randrange(2), 1.0))
    %s
    batch = random.sample(memory, 32)
    s = torch.cat([b[0] for b in batch])
    a = torch.tensor([[b[1]] for b in batch])
    r = torch.tensor([b[2] for b in batch])
    q = policy(s).gather(1, a).squeeze(1)
    loss = F.mse_loss(q, r)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("guard", [
    "if len(memory) < 128:\n        continue",
    "if len(memory) < 128: continue",
    "if len(memory) >= 128:\n        pass\n    else:\n        continue",
])
def test_warm_up_guard_in_a_long_loop_does_not_hide_the_update(guard):
    check(REPLAY % (", nn.ReLU())  # expect: RL101", guard))
    check(REPLAY % (")", guard))


def test_guard_in_an_unrolled_loop_is_still_decided():
    # a short loop is unrolled: the layers it skips are really skipped
    check("""
        import torch
        from torch import nn

        sizes = [8, 32, 32, 1]
        layers = []
        for i in range(3):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i == 2:
                continue
            layers.append(nn.ReLU())
        model = nn.Sequential(*layers)
        nn.MSELoss()(model(torch.randn(5, 8)), torch.randn(5, 1)).backward()
        """)


# ------------------------------------------------------------ weights given as tensors

PARAMS = """
import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self, d=16, h=64):
        super().__init__()
        self.W1 = nn.Parameter(%s
        self.b1 = nn.Parameter(torch.zeros(h))
        self.fc = nn.Linear(h, h)
        self.fc.weight = nn.Parameter(%s
        self.out = nn.Linear(h, 1)
        self.out.weight.data = %s
        self.gain = nn.Parameter(torch.ones(1))

    def forward(self, x):
        h = torch.relu(x @ self.W1 + self.b1)
        h = torch.relu(self.fc(h))
        return self.gain * self.out(h)


m = Scorer()
loss = nn.BCEWithLogitsLoss()(m(torch.randn(8, 16)), torch.ones(8, 1))
loss.backward()
"""


def test_parameters_made_of_non_negative_values_feeding_relu():
    check(PARAMS % ("torch.rand(d, h))  # expect: RL201", "torch.rand(h, h) * 0.05)  # expect: RL201",
                    "torch.rand(1, h)"))
    check(PARAMS % ("torch.randn(d, h) * 0.1)", "torch.ones(h, h) * 0.01)  # expect: RL201", "torch.rand(1, h)"))


def test_parameters_made_of_centred_values_are_fine():
    check(PARAMS % ("torch.randn(d, h) * (2 / d) ** 0.5)", "(torch.rand(h, h) * 2 - 1) * 0.1)",
                    "torch.rand(1, h)"))


def test_weight_data_assigned_a_constant_before_relu():
    check("""
        import torch
        from torch import nn

        net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
        net[0].weight.data = torch.ones(16, 3) * 0.5  # expect: RL201
        loss = nn.BCEWithLogitsLoss()(net(torch.randn(4, 3)), torch.ones(4, 1))
        loss.backward()
        """)


# ------------------------------------------------------------ softmax into NLLLoss: the log is missing there

def fixed(code: str, select: str) -> str:
    """The source after every fix of `select` (with --unsafe-fixes)."""
    from relulint.fixes import attach, fix_source

    code = textwrap.dedent(code)
    found = attach([f for f in lint_source(code, "probe.py", Settings(select=[select])).findings], {"probe.py": code})
    return fix_source(code, found, unsafe=True)[0]


NLL = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Intent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 9)
        self.out = nn.%s(dim=1)

    def forward(self, x):
        return %s


net = Intent()
x, y = torch.randn(32, 64), torch.randint(0, 9, (32,))
loss = %s
loss.backward()
"""


@pytest.mark.parametrize(("module", "ret", "after"), [
    ("Softmax", "F.softmax(self.fc(x), dim=1)  # expect: RL103", "F.log_softmax(self.fc(x), dim=1)"),
    ("Softmax", "torch.softmax(self.fc(x), dim=1)  # expect: RL103", "torch.log_softmax(self.fc(x), dim=1)"),
    ("Softmax", "self.fc(x).softmax(dim=1)  # expect: RL103", "self.fc(x).log_softmax(dim=1)"),
])
@pytest.mark.parametrize("loss", ["F.nll_loss(net(x), y)", "nn.NLLLoss()(net(x), y)"])
def test_softmax_into_nll_is_reported_and_fixed_at_the_softmax(module, ret, after, loss):
    code = NLL % (module, ret, loss)
    check(code)
    assert f"return {after}  # expect" in fixed(code, "RL103")
    check(fixed(code, "RL103").replace("  # expect: RL103", ""))


def test_softmax_module_into_nll_becomes_log_softmax():
    seq = """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))  # expect: RL103
        crit = nn.NLLLoss()
        x, y = torch.randn(8, 20), torch.randint(0, 5, (8,))
        crit(model(x), y).backward()
        """
    check(seq)
    assert "nn.Sequential(nn.Linear(20, 5), nn.LogSoftmax(dim=1))" in fixed(seq, "RL103")


def test_logits_into_nll_still_become_cross_entropy_and_log_softmax_is_silent():
    code = NLL % ("Softmax", "self.fc(x)", "F.nll_loss(net(x), y)  # expect: RL103")
    check(code)
    assert "loss = F.cross_entropy(net(x), y)" in fixed(code, "RL103")
    check(NLL % ("LogSoftmax", "F.log_softmax(self.fc(x), dim=1)", "F.nll_loss(net(x), y)"))
    check(NLL % ("LogSoftmax", "self.out(self.fc(x))", "nn.NLLLoss()(net(x), y)"))


def test_sigmoid_into_nll_is_reported_at_the_loss_without_a_fix():
    code = NLL % ("Softmax", "torch.sigmoid(self.fc(x))", "F.nll_loss(net(x), y)  # expect: RL103")
    check(code)
    assert fixed(code, "RL103") == textwrap.dedent(code)


# ------------------------------------------------------------ a class handed to a builder in another module

BUILDER = """
from torch import nn


def mlp(sizes, activation=nn.ReLU, final_activation=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
        elif final_activation is not None:
            layers.append(final_activation())
    return nn.Sequential(*layers)
"""

CALLER = """
import torch
from torch import nn

from layers import mlp

model = mlp([10, 64, 1]%s)%s
x, y = torch.randn(100, 10), torch.randn(100, 1)
nn.HuberLoss()(model(x), y).backward()
"""


@pytest.mark.parametrize("arg", [", final_activation=nn.ReLU", ", nn.ReLU, nn.ReLU", ", nn.Tanh, nn.ReLU"])
def test_class_named_in_the_caller_is_reported_in_the_callers_file(tmp_path, arg):
    from relulint.engine import FactsCache, lint_file

    (tmp_path / "layers.py").write_text(BUILDER)
    caller = tmp_path / "train.py"
    caller.write_text(CALLER % (arg, "  # expect: RL101"))
    for path in (caller, tmp_path / "layers.py"):
        result = lint_file(str(path), Settings(), FactsCache())
        got = {(f.origin.path, f.origin.line, f.code) for f in result.findings}
        assert got == {(str(caller), 7, "RL101")} if path == caller else not got or \
            got == {(str(caller), 7, "RL101")}, got
    caller.write_text(CALLER % (", final_activation=nn.Identity", ""))
    assert not lint_file(str(caller), Settings(), FactsCache()).findings


@pytest.mark.parametrize(("values", "marker"), [
    ("torch.rand(m.out_features, m.in_features)", "  # expect: RL201"),
    ("torch.rand(m.out_features, m.in_features) - 0.5", ""),
    ("torch.randn(m.out_features, m.in_features) * 0.05", ""),
])
def test_weight_copied_from_known_values(values, marker):
    check(f"""
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2 = nn.Linear(16, 64), nn.Linear(64, 2)
                for m in self.modules():
                    if isinstance(m, nn.Linear):
                        with torch.no_grad():
                            m.weight.copy_({values}){marker}

            def forward(self, x):
                return self.fc2(torch.relu(self.fc1(x)))

        net = Net()
        nn.CrossEntropyLoss()(net(torch.randn(4, 16)), torch.randint(0, 2, (4,))).backward()
        """)


# ------------------------------------------------------------ star imports and fragments without imports

STAR = """
import torch
from torch.nn import *
from torch.nn.functional import *


class Net(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(8, 32)
        self.fc2 = Linear(32, 1)

    def forward(self, x):
        return %s


net = Net()
loss = BCEWithLogitsLoss()(net(torch.randn(4, 8)), torch.ones(4, 1))
loss.backward()
"""


def test_names_from_star_imports_of_torch():
    check(STAR % "sigmoid(self.fc2(relu(self.fc1(x))))  # expect: RL103")
    check(STAR % "self.fc2(relu(self.fc1(x)))")


FRAGMENT = """
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(13, 50)
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        %s
        return x


net = Net()
criterion = nn.MSELoss()
optimizer = optim.SGD(net.parameters(), lr=0.001)
for epoch in range(num_epochs):
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        loss = criterion(net(inputs), targets)
        loss.backward()
        optimizer.step()
"""


def test_fragment_without_imports_reads_the_conventional_aliases():
    check(FRAGMENT % "x = F.relu(self.fc2(x))  # expect: RL101")
    check(FRAGMENT % "x = self.fc2(x)")


def test_a_bound_name_is_never_taken_for_the_alias():
    # `F` is the program's own helper here: nothing says it is torch.nn.functional
    check("""
        import torch
        import torch.nn as nn

        class F:
            @staticmethod
            def relu(x):
                return x * 2

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)

            def forward(self, x):
                return F.relu(self.fc(x))

        net = Net()
        nn.MSELoss()(net(torch.randn(3, 4)), torch.randn(3, 1)).backward()
        """)


# ------------------------------------------------------------ @dataclass configs

DATACLASS = """
from dataclasses import dataclass, field

import torch
from torch import nn

ACTS = {"none": nn.Identity, "relu": nn.ReLU, "softplus": nn.Softplus}


@dataclass
class Config:
    width: int = 32
    out_act: str = "none"
    heads: dict = field(default_factory=lambda: {"level": 1})


class Net(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, cfg.width), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(cfg.width, n) for name, n in cfg.heads.items()})
        self.act = ACTS[cfg.out_act]()%s

    def forward(self, x):
        return self.act(self.heads["level"](self.body(x)))%s


net = Net(%s)
x, y = torch.randn(64, 8), torch.randn(64, 1)
nn.MSELoss()(net(x), y).backward()
"""


@pytest.mark.parametrize(("cfg", "marker"), [
    ("Config()", ""),
    ("Config(out_act='relu')", "  # expect: RL101"),
    ("Config(32, 'relu')", "  # expect: RL101"),
    ("Config(out_act='softplus', heads={'level': 1})", "  # expect: RL101"),
    ("Config(heads={'level': 1})", ""),
])
def test_dataclass_fields_from_arguments_and_defaults(cfg, marker):
    check(DATACLASS % ("", marker, cfg))


def test_dataclass_post_init_and_inherited_fields():
    check("""
        from dataclasses import dataclass

        import torch
        import torch.nn as nn

        @dataclass
        class Base:
            d_in: int = 4

        @dataclass(frozen=False)
        class Cfg(Base):
            act: str = "relu"

            def __post_init__(self):
                self.layer = nn.ReLU if self.act == "relu" else nn.Identity  # expect: RL101

        cfg = Cfg(d_in=6)
        model = nn.Sequential(nn.Linear(cfg.d_in, 16), nn.ReLU(), nn.Linear(16, 1), cfg.layer())
        nn.L1Loss()(model(torch.randn(5, 6)), torch.randn(5, 1)).backward()
        """)


# ------------------------------------------------------------ no fix for a layer built from a table

def test_registry_built_output_layer_shared_by_heads_gets_no_fix():
    code = textwrap.dedent("""
        import torch
        from torch import nn

        ACTS = {"softplus": nn.Softplus, "sigmoid": nn.Sigmoid}
        HEADS = {"delta": "softplus", "flag": "sigmoid"}

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
                self.heads = nn.ModuleDict({
                    name: nn.Sequential(nn.Linear(32, 1), ACTS[act]())  # expect: RL101
                    for name, act in HEADS.items()
                })

            def forward(self, x):
                h = self.body(x)
                return {name: head(h) for name, head in self.heads.items()}

        net = Net()
        out = net(torch.randn(50, 8))
        loss = nn.MSELoss()(out["delta"], torch.randn(50, 1)) + nn.BCELoss()(out["flag"], torch.ones(50, 1))
        loss.backward()
        """)
    check(code)
    # removing ACTS[act]() would strip the classification head's sigmoid as well
    assert fixed(code, "RL101") == code


# ------------------------------------------------------------ registries filled by decorators

REGISTRIES = """
import torch
from torch import nn


class Registry:
    def __init__(self):
        self._modules = {}

    def register_module(self, name=None):
        def _register(cls):
            self._modules[name or cls.__name__] = cls
            return cls
        return _register

    def build(self, cfg):
        args = dict(cfg)
        kind = args.pop("type")
        return self._modules[kind](**args)


HEADS = Registry()
_entrypoints = {}


def register_model(fn):
    _entrypoints[fn.__name__] = fn
    return fn


@HEADS.register_module()
class DepthHead(nn.Module):
    def __init__(self, in_ch=64, hidden=32):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(in_ch, hidden, 3, padding=1), nn.ReLU(), nn.Conv2d(hidden, 1, 1)%s)

    def forward(self, x):
        return self.conv(x)


@register_model
def tiny_regressor(**kwargs):
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1)%s)


def create_model(name, **kwargs):
    return _entrypoints[name](**kwargs)


head = HEADS.build(dict(type="DepthHead", hidden=16))
nn.L1Loss()(head(torch.randn(2, 64, 8, 8)), torch.randn(2, 1, 8, 8)).backward()
reg = create_model("tiny_regressor")
nn.MSELoss()(reg(torch.randn(10, 4)), torch.randn(10, 1) * 5).backward()
"""


def test_models_registered_by_decorators_are_built_from_the_registry():
    check(REGISTRIES % (", nn.ReLU())  # expect: RL101", ", nn.Sigmoid())  # expect: RL101"))
    check(REGISTRIES % ("", ""))


def test_a_decorator_returning_a_wrapper_leaves_the_class_bound():
    # the wrapper is not followed: the name stays the class, whose head is judged as written
    check("""
        import functools

        import torch
        import torch.nn as nn

        def traced(cls):
            @functools.wraps(cls)
            def make(*args, **kwargs):
                return cls(*args, **kwargs)
            return make

        @traced
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())  # expect: RL101

            def forward(self, x):
                return self.fc(x)

        net = Net()
        nn.MSELoss()(net(torch.randn(4, 3)), torch.randn(4, 1)).backward()
        """)


# ------------------------------------------------------------ initialising through parameters()

PARAMETERS = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.bn = nn.BatchNorm1d(64)
        self.fc2 = nn.Linear(64, 64)
        self.fc3 = nn.Linear(64, 3)
        %s

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.bn(self.fc1(x))))))


net = Net()
nn.CrossEntropyLoss()(net(torch.randn(8, 20)), torch.randint(0, 3, (8,))).backward()
"""


@pytest.mark.parametrize(("loop", "fires"), [
    ('for name, p in self.named_parameters():\n            if "weight" in name:\n'
     '                nn.init.uniform_(p, 0.0, 0.1)  # expect: RL201', True),
    ('for name, p in self.named_parameters():\n            if "weight" in name:\n'
     '                nn.init.uniform_(p, -0.1, 0.1)', False),
    ("for p in self.parameters():\n            if p.dim() > 1:\n"
     "                nn.init.xavier_uniform_(p)", False),
    ('for name, p in self.named_parameters():\n            if name.endswith("bias"):\n'
     "                nn.init.constant_(p, 0.1)", False),
])
def test_initialising_through_named_parameters(loop, fires):
    check(PARAMETERS % loop)
