from collections.abc import Iterator

import libcst as cst

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Fix, Severity
from relulint.fixes import Parsed, keyword_arg, last_name, unsafe_fix
from relulint.ir import ModelIR
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt, layer_figures, layer_text


class PositiveMeanInit(StaticRule):
    """
    ## What it does
    Flags weights initialised with a positive mean — `normal(mean=0.1)`, `uniform(0, 1)`,
    `RandomUniform(0, 1)`, a positive constant — in a layer that feeds a ReLU.

    ## Why is this bad?
    With every weight positive (or biased upwards) each unit computes nearly the same positive-sum
    of its inputs: units are strongly correlated and pre-activations are large. The first updates
    then push the weights (and so whole units) far negative, where ReLU outputs 0 and passes no
    gradient: the units die and never recover. "Convolutional network filter always negative"
    (weights "random numbers between 0.0 and 1.0", which went to -49678 after one step with an
    all-black ReLU output) and "Tensorflow ReLu doesn't work?" (an attempted fix with
    `tf.random_normal_initializer(0.1, 0.1)`) are this bug. Centre the init at 0 and scale it by the
    fan-in (He: `std = sqrt(2 / fan_in)`).

    ## Example
    ```python
    fc = nn.Linear(784, 256)
    nn.init.uniform_(fc.weight, 0, 1)
    ```

    Use instead:
    ```python
    fc = nn.Linear(784, 256)
    nn.init.kaiming_normal_(fc.weight, nonlinearity="relu")
    ```

    ## Options
    - `min-mean-to-std`: the mean must be at least this fraction of the std to count (a mean of 1e-4
      with std 0.05 is noise, not a bias). Default 0.25.
    - `confirm-min-dead-share`: `--dynamic` confirms when more than this share of the layer's units
      never fired (default 0.5) ...
    - `confirm-min-gain`, `confirm-min-rms`: ... or when the layer's signal gain and output RMS both
      exceed these (defaults 10 and 10).

    ## Confirmed by
    `--dynamic` measures the layer's `dead_share` (units that never fired on the batch), its
    signal `gain` and output `rms`, and its `weight_grad_norm`. Confirmed when `dead_share` is above
    `confirm-min-dead-share`, or `gain` above `confirm-min-gain` with `rms` above `confirm-min-rms`.

    ## Fix safety
    Unsafe. Centring the distribution on 0 changes the initial weights and so everything the model
    computes and learns. `--fix` alone never applies it; `--unsafe-fixes` does, and the editor offers
    it as a quick fix labelled unsafe.

    ## Known problems
    A positive mean meant for a layer that is not followed by a ReLU in the lowered forward path
    (for instance one reached only through code the source pass does not follow) is not judged.

    ## References
    - [Stack Overflow, "Convolutional network filter always negative"](https://stackoverflow.com/questions/35452790)
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL201"
    NAME = "positive-mean-init"
    SEVERITY = Severity.WARNING
    MESSAGE = "{init} gives weights a positive mean ({mean}, std {std}) in a layer feeding {activation}: units saturate then die"
    FIX_TITLE = "Use a zero-mean init scaled to the fan-in (kaiming_normal_ / he_normal)"
    OPTIONS = {"min-mean-to-std": 0.25, "confirm-min-dead-share": 0.5, "confirm-min-gain": 10.0, "confirm-min-rms": 10.0}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.kaiming_normal_(self.fc.weight, nonlinearity="relu")
                def forward(self, x):
                    return self.fc(x).relu()
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.uniform_(self.fc.weight, -0.05, 0.05)
                    nn.init.constant_(self.fc.bias, 0.1)
                def forward(self, x):
                    return self.fc(x).relu()
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.normal_(self.fc.weight, mean=0.1, std=0.05)
                def forward(self, x):
                    return self.fc(x).tanh()
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    self.bn = nn.BatchNorm1d(256)
                    nn.init.uniform_(self.fc.weight, 0, 1)
                def forward(self, x):
                    return self.bn(self.fc(x)).relu()
        """),
        Valid("""
            import torch.nn as nn
            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0.0, 0.02)
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
            model.apply(init_weights)
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.uniform_(self.fc.weight, 0, 1)  # expect: RL201
                def forward(self, x):
                    return nn.functional.relu(self.fc(x))
        """, fixed="""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.uniform_(self.fc.weight, -0.5, 0.5)
                def forward(self, x):
                    return nn.functional.relu(self.fc(x))
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.normal_(self.fc.weight, mean=0.1, std=0.1)  # expect: RL201
                def forward(self, x):
                    return F.relu(self.fc(x))
        """, fixed="""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.normal_(self.fc.weight, mean=0.0, std=0.1)
                def forward(self, x):
                    return F.relu(self.fc(x))
        """),
        Invalid("""
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 8, 3)
                    self.act = nn.ReLU(inplace=True)
                    self.conv.weight.data.uniform_(0.0, 1.0)  # expect: RL201
                def forward(self, x):
                    return self.act(self.conv(x))
        """, fixed="""
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 8, 3)
                    self.act = nn.ReLU(inplace=True)
                    self.conv.weight.data.uniform_(-0.5, 0.5)
                def forward(self, x):
                    return self.act(self.conv(x))
        """),
        Invalid("""
            import torch.nn as nn
            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.constant_(m.weight, 0.5)  # expect: RL201
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
            model.apply(init_weights)
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
                    for m in self.modules():
                        if isinstance(m, nn.Linear):
                            nn.init.uniform_(m.weight, a=0.0, b=0.2)  # expect: RL201
                def forward(self, x):
                    return self.body(x)
        """, fixed="""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
                    for m in self.modules():
                        if isinstance(m, nn.Linear):
                            nn.init.uniform_(m.weight, a=-0.1, b=0.1)
                def forward(self, x):
                    return self.body(x)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.normal_(self.fc.weight, mean=0.1, std=0.01)  # expect: RL201
                def forward(self, x):
                    return F.relu(self.fc(x))
        """, fixed="""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 256)
                    nn.init.normal_(self.fc.weight, mean=0.0, std=0.01)
                def forward(self, x):
                    return F.relu(self.fc(x))
        """),
        Invalid("""
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 8, 3)
                    self.act = nn.ReLU(inplace=True)
                    self.conv.weight.data.uniform_(0.0, 0.1)  # expect: RL201
                def forward(self, x):
                    return self.act(self.conv(x))
        """, fixed="""
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 8, 3)
                    self.act = nn.ReLU(inplace=True)
                    self.conv.weight.data.uniform_(-0.05, 0.05)
                def forward(self, x):
                    return self.act(self.conv(x))
        """),
        Invalid("""
            import tensorflow as tf
            w = tf.Variable(tf.truncated_normal([784, 256], mean=0.5, stddev=0.1))  # expect: RL201
            h = tf.nn.relu(tf.matmul(x, w))
        """, fixed="""
            import tensorflow as tf
            w = tf.Variable(tf.truncated_normal([784, 256], mean=0.0, stddev=0.1))
            h = tf.nn.relu(tf.matmul(x, w))
        """),
        Invalid("""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="relu",  # expect: RL201
                                   kernel_initializer=keras.initializers.RandomNormal(mean=0.1, stddev=0.01)),
                keras.layers.Dense(1),
            ])
        """, fixed="""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="relu",
                                   kernel_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=0.01)),
                keras.layers.Dense(1),
            ])
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                layer = nn.Linear(64, 32)
                nn.init.uniform_(layer.weight, 0.0, 1.0)
                return nn.Sequential(layer, nn.ReLU(), nn.Linear(32, 1)), torch.randn(2, 64), None
        """, fires=1),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                layer = nn.Linear(64, 32)
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                return nn.Sequential(layer, nn.ReLU(), nn.Linear(32, 1)), torch.randn(2, 64), None
        """),
    ]

    def fix(self, f: Finding, p: Parsed) -> Fix | None:
        """A positive-mean init -> the same distribution centred on 0 (same spread)."""
        origins = [f.origin] + [o for o, _ in f.related]
        for origin in origins:
            for call in p.calls_at(origin):
                candidates = [call]
                for kw in ("kernel_initializer", "weight_initializer", "initializer"):
                    a = keyword_arg(call, kw)
                    if a is not None and isinstance(a.value, cst.Call):
                        candidates.append(a.value)
                for c in candidates:
                    fix = _centre_init(p, c)
                    if fix is not None:
                        return fix
        return None

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        ratio = float(options["min-mean-to-std"])
        # sieve: only a positive observed mean can fire (blocks of graph layers skip the rest at once)
        for _, op, act in ir.network.iter_relu_affines(lambda a: a.init_mean > 0):
            init = op.weight_init
            if init is None or not init.has_positive_mean or op.init_location is None:
                continue
            std = init.std_for(op.fan_in, op.fan_out) if init.std is None else init.std
            if std is not None and std > 0 and init.mean < ratio * std:
                continue
            yield self.finding(
                op.init_location, init=init.display, mean=fmt(init.mean), std=fmt(std) if std is not None else "?",
                activation=act.kind,
                evidence={"init": init.display, "mean": init.mean, "std": std, "layer": op.display,
                          "activation": act.display},
                related=[(op.origin, f"layer {op.display}"), (act.origin, f"{act.kind} applied here"),
                         (init.origin, "initialiser defined here")],
            )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        affine, act = report.layer_at(finding.origin)
        if affine is None:
            return None
        dead = act.dead if act is not None and act.dead is not None else 0.0
        exploding = affine.gain is not None and affine.gain > options["confirm-min-gain"] and \
            (affine.rms or 0) >= options["confirm-min-rms"]
        ok = dead > options["confirm-min-dead-share"] or exploding
        return Confirmation(ok, layer_text(affine, act), layer_figures(affine, act))


# (positional parameters taken before the statistics, (mean-like names), (low names), (high names))
_MEAN = ("mean", "loc")
_LOW = ("a", "minval", "low", "from")
_HIGH = ("b", "maxval", "high", "to")


def _init_signature(p: Parsed, call: cst.Call) -> tuple[str, tuple[str, ...], tuple[float, float] | None] | None:
    """(kind, positional parameter names, default (low, high) for uniforms) of an init call."""
    name = last_name(call.func)
    q = p.qname(call.func)
    is_method = not q  # w.data.uniform_(0, 1): a tensor method, no tensor argument
    if name == "normal_":
        return "normal", (("mean", "std") if is_method else ("tensor", "mean", "std")), None
    if name == "trunc_normal_":
        return "normal", ("tensor", "mean", "std", "a", "b"), None
    if name == "uniform_":
        return "uniform", (("from", "to") if is_method else ("tensor", "a", "b")), (0.0, 1.0)
    if name in ("RandomNormal", "TruncatedNormal", "random_normal_initializer", "truncated_normal_initializer"):
        return "normal", ("mean", "stddev"), None
    if name in ("RandomUniform", "random_uniform_initializer"):
        return "uniform", ("minval", "maxval"), None
    if q.startswith("numpy."):
        if name == "normal":
            return "normal", ("loc", "scale"), None
        if name == "uniform":
            return "uniform", ("low", "high"), (0.0, 1.0)
        return None
    if name in ("normal", "random_normal", "truncated_normal"):
        return "normal", ("shape", "mean", "stddev"), None
    if name in ("uniform", "random_uniform"):
        return "uniform", ("shape", "minval", "maxval"), (0.0, 1.0)
    return None


def _number(expr: cst.BaseExpression | None) -> float | None:
    if isinstance(expr, (cst.Integer, cst.Float)):
        return float(expr.evaluated_value)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        v = _number(expr.expression)
        return None if v is None else (-v if isinstance(expr.operator, cst.Minus) else v)
    return None


def _num_node(value: float) -> cst.BaseExpression:
    text = repr(float(value))
    if value < 0:
        return cst.UnaryOperation(cst.Minus(), cst.Float(text[1:]))
    return cst.Float(text)


class _ArgSetter:
    """Set a call's parameters by name, whether they were passed positionally or by keyword."""

    def __init__(self, call: cst.Call, params: tuple[str, ...]) -> None:
        self.call = call
        self.params = params
        self.args = list(call.args)

    def find(self, names: tuple[str, ...]) -> tuple[int, cst.Arg] | None:
        pos = 0
        for i, a in enumerate(self.args):
            if a.star:
                return None
            if a.keyword is None:
                if pos < len(self.params) and self.params[pos] in names:
                    return i, a
                pos += 1
            elif a.keyword.value in names:
                return i, a
        return None

    def get(self, names: tuple[str, ...]) -> cst.BaseExpression | None:
        hit = self.find(names)
        return hit[1].value if hit else None

    def set(self, names: tuple[str, ...], value: cst.BaseExpression) -> None:
        hit = self.find(names)
        if hit is not None:
            i, a = hit
            self.args[i] = a.with_changes(value=value)
            return
        keyword = next((n for n in names if n in self.params), names[0])
        if self.args:
            self.args[-1] = self.args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        self.args.append(cst.Arg(keyword=cst.Name(keyword), value=value,
                                 equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))

    def result(self) -> cst.Call:
        return self.call.with_changes(args=self.args)


def _centre_init(p: Parsed, call: cst.Call) -> Fix | None:
    sig = _init_signature(p, call)
    if sig is None:
        return None
    kind, params, default = sig
    setter = _ArgSetter(call, params)
    if kind == "normal":
        mean = _number(setter.get(_MEAN))
        if mean is None or mean <= 0:
            return None
        old = setter.get(_MEAN)
        setter.set(_MEAN, cst.Integer("0") if isinstance(old, cst.Integer) else cst.Float("0.0"))
        return unsafe_fix("Set the init mean to 0", p.rewrite(call, setter.result()))
    lo_node, hi_node = setter.get(_LOW), setter.get(_HIGH)
    lo = _number(lo_node) if lo_node is not None else (default[0] if default else None)
    hi = _number(hi_node) if hi_node is not None else (default[1] if default else None)
    if lo is None or hi is None or hi <= lo or (lo + hi) / 2 <= 0:
        return None
    half = (hi - lo) / 2
    setter.set(_LOW, _num_node(-half))
    setter.set(_HIGH, _num_node(half))
    return unsafe_fix(f"Centre the uniform init on 0: U(-{half:g}, {half:g})", p.rewrite(call, setter.result()))
