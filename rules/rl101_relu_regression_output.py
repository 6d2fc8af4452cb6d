import math
from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Fix, Severity
from relulint.fixes import Parsed, remove_activation
from relulint.ir import ModelIR
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt, output_trained_with


class ReluRegressionOutput(StaticRule):
    """
    ## What it does
    Flags a ReLU (or another activation that clamps with zero gradient: ReLU6, hard sigmoid,
    hardtanh) on the output layer of a model trained with a regression loss (MSE, L1, Huber). A
    bounded output (sigmoid, tanh, softmax) is flagged too when the targets are known to leave its
    range (a sigmoid predicting prices): that is a regression that cannot reach its targets, not the
    classification-with-squared-error of RL102.

    ## Why is this bad?
    The output can never go below 0, so every negative target is unreachable. Worse, whenever the
    output unit's pre-activation is negative its gradient is exactly 0: no error signal reaches any
    layer, and a random initialisation that starts there never recovers. The Stack Overflow case
    "CNN training converges at a vector of zeros" (hand-joint regression, MSE stuck above 40000,
    outputs collapsed to the zero vector) is this bug; the fix was to drop the final `tf.nn.relu`.
    This holds even when targets are >= 0: use a linear output (or `exp`/`softplus` if positivity is
    required).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
    loss_fn = nn.MSELoss()
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    loss_fn = nn.MSELoss()
    ```

    ## Options
    - `clamping-activations`: activation kinds treated as clamping outputs.
    - `max-leaky-slope`: a LeakyReLU output whose negative slope is at most this (default 0.01, the
      PyTorch default) is treated as clamping too: negative targets get 1% of the gradient.
    - `confirm-min-clamped-share`: `--dynamic` confirms above this share of outputs clamped at 0
      (default 0: any).

    ## Confirmed by
    `--dynamic` measures `clamped_share`, the share of outputs exactly 0 on the batch (where the
    gradient is exactly 0), with `output_min` and `output_max`, and `target_min` when targets go below 0.
    Confirmed when `clamped_share` is above `confirm-min-clamped-share`.

    ## Fix safety
    Unsafe. Removing the activation changes what the model computes (its outputs, and the
    weights it learns from then on), so `--fix` alone never applies it; `--unsafe-fixes` does, and the
    editor offers it as a quick fix labelled unsafe.

    ## Known problems
    A model that returns non-negative values on purpose (counts, distances) still loses the
    gradient below 0: the rule fires there too, by design. A clamp written as an arbitrary expression
    (`torch.where(x > 0, x, 0)`) is not recognised.

    ## References
    - [Stack Overflow, "Tensorflow: CNN training converges at a vector of zeros"](https://stackoverflow.com/questions/49528692)
    """

    CODE = "RL101"
    NAME = "relu-regression-output"
    SEVERITY = Severity.ERROR
    MESSAGE = "{activation} on the output of a model trained with {loss} clamps predictions to {range}{why}"
    FIX_TITLE = "Remove the final {activation}; use a linear output (or exp/softplus for positive targets)"
    OPTIONS = {"clamping-activations": ["relu", "relu6", "hard_sigmoid", "hardtanh"], "max-leaky-slope": 0.01,
               "confirm-min-clamped-share": 0.0}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = torch.rand(500, 3)
            y = torch.from_numpy(np.random.uniform(-1, 1, size=(500, 1))).float()
            model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1), nn.Tanh())
            loss = nn.MSELoss()(model(x), y)
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
            loss_fn = nn.MSELoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 10), nn.ReLU())
            loss_fn = nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.out = nn.Linear(16, 1)
                def forward(self, x):
                    return self.out(F.relu(self.fc1(x)))
            crit = nn.SmoothL1Loss()
        """),
        Valid("""
            import torch
            from torch import nn
            model = nn.Sequential(nn.Linear(8, 1), nn.Softplus())
            loss = torch.nn.MSELoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
        """),
        Valid("""
            import torch.nn as nn
            # a leaky output with a real slope below 0 keeps the negative targets learnable
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.LeakyReLU(negative_slope=0.2))
            loss_fn = nn.MSELoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import numpy as np
            from tensorflow import keras
            x = np.random.uniform(0, 1, size=(2000, 3))
            prices = np.random.uniform(5e4, 2e5, size=2000)
            model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")])  # expect: RL101
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, prices)
        """, fixed="""
            import numpy as np
            from tensorflow import keras
            x = np.random.uniform(0, 1, size=(2000, 3))
            prices = np.random.uniform(5e4, 2e5, size=2000)
            model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                                      keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, prices)
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())  # expect: RL101
            loss_fn = nn.MSELoss()
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
            loss_fn = nn.MSELoss()
        """),
        Invalid("""
            from torch import nn
            import torch.nn.functional as F
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.out = nn.Linear(16, 1)
                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    return F.relu(self.out(x))  # expect: RL101
            def train(model, x, y):
                return F.l1_loss(model(x), y)
        """, fixed="""
            from torch import nn
            import torch.nn.functional as F
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.out = nn.Linear(16, 1)
                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    return self.out(x)
            def train(model, x, y):
                return F.l1_loss(model(x), y)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                    self.act = nn.ReLU(inplace=True)
                def forward(self, x):
                    return self.act(self.fc(x))  # expect: RL101
            criterion = torch.nn.HuberLoss()
        """, fixed="""
            import torch
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                    self.act = nn.ReLU(inplace=True)
                def forward(self, x):
                    return self.fc(x)
            criterion = torch.nn.HuberLoss()
        """),
        Invalid("""
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return self.fc(x).clamp(min=0)  # expect: RL101
            def loss(pred, t):
                return ((pred - t) ** 2).mean()
        """, fixed="""
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return self.fc(x)
            def loss(pred, t):
                return ((pred - t) ** 2).mean()
        """),
        Invalid("""
            import torch.nn as nn
            from collections import OrderedDict
            model = nn.Sequential(OrderedDict([
                ("fc", nn.Linear(8, 1)),
                ("act", nn.ReLU()),  # expect: RL101
            ]))
            loss_fn = nn.MSELoss()
        """, fixed="""
            import torch.nn as nn
            from collections import OrderedDict
            model = nn.Sequential(OrderedDict([
                ("fc", nn.Linear(8, 1)),
            ]))
            loss_fn = nn.MSELoss()
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())  # head  # expect: RL101
            loss_fn = nn.MSELoss()
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))  # head
            loss_fn = nn.MSELoss()
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(8, 16),
                nn.ReLU(),
                nn.Linear(16, 1),  # the output layer
                nn.ReLU(),  # clamps the output  # expect: RL101
            )
            loss_fn = nn.MSELoss()
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(8, 16),
                nn.ReLU(),
                nn.Linear(16, 1),  # the output layer
            )
            loss_fn = nn.MSELoss()
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.out = nn.Linear(16, 1)
                def forward(self, x):
                    # keep this comment
                    return torch.relu(self.out(x))  # expect: RL101
            crit = nn.L1Loss()
        """, fixed="""
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
        """),
        Invalid("""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(1, activation="relu"),  # output  # expect: RL101
            ])
            model.compile(optimizer="adam", loss="mse")
        """, fixed="""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(1),  # output
            ])
            model.compile(optimizer="adam", loss="mse")
        """),
        Invalid("""
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 8])
            w = tf.Variable(tf.random_normal([8, 1], stddev=0.1))
            pred = tf.nn.relu(tf.matmul(x, w))  # expect: RL101
            loss = tf.reduce_mean(tf.square(pred - y))
        """, fixed="""
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 8])
            w = tf.Variable(tf.random_normal([8, 1], stddev=0.1))
            pred = tf.matmul(x, w)
            loss = tf.reduce_mean(tf.square(pred - y))
        """),
        Invalid("""
            import torch
            import torch.nn.functional as F
            from torch import nn

            class Regressor(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.hidden = nn.Linear(4, 16)
                    self.out = nn.Linear(16, 1)

                def forward(self, x):
                    return F.leaky_relu(self.out(torch.tanh(self.hidden(x))))  # expect: RL101

            loss = nn.SmoothL1Loss()(Regressor()(torch.randn(8, 4)), torch.randn(8, 1))
        """, fixed="""
            import torch
            import torch.nn.functional as F
            from torch import nn

            class Regressor(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.hidden = nn.Linear(4, 16)
                    self.out = nn.Linear(16, 1)

                def forward(self, x):
                    return self.out(torch.tanh(self.hidden(x)))

            loss = nn.SmoothL1Loss()(Regressor()(torch.randn(8, 4)), torch.randn(8, 1))
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU()), torch.randn(2, 8), None
        """, fires=1, loss="mse"),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1)), torch.randn(2, 8), None
        """, loss="mse"),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.ReLU()), torch.randn(2, 8), None
        """, loss="cross_entropy"),
    ]

    def fix(self, f: Finding, p: Parsed) -> Fix | None:
        act = f.evidence.get("activation", "the final activation")
        return remove_activation(p, f.origin, f"Remove the final {act}")

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        found = output_trained_with(ir, options["clamping-activations"], lambda loss: loss.is_regression)
        if found is None:  # a LeakyReLU whose slope below 0 is tiny all but clamps the output too
            found = output_trained_with(ir, ("leaky_relu",), lambda loss: loss.is_regression)
            slope = found[0].negative_slope if found is not None else None
            if slope is None or not 0 <= slope <= options["max-leaky-slope"]:
                found = None
        targets = None
        if found is None:
            # a bounded output (sigmoid, tanh, softmax) is this bug too when the targets are known to
            # leave its range: a sigmoid + MSE regression on prices is not RL102's classification
            found = output_trained_with(ir, _BOUNDED, lambda loss: loss.is_regression)
            targets = _outside(found[0], found[1].targets) if found is not None else None
            if targets is None:
                return
        out, loss = found
        lo, hi = out.output_range
        why = " and passes no gradient below it" if targets is None else \
            f" but the targets reach [{fmt(targets.low)}, {fmt(targets.high)}] ({targets.display})"
        if out.kind == "leaky_relu":
            lo, why = 0.0, f" in effect: below 0 it passes only {out.negative_slope:g}x of the signal and the gradient"
        yield self.finding(
            out.origin,
            activation=out.kind,
            loss=loss.display,
            range=f"[{lo:g}, {hi:g}]".replace("inf", "inf)").replace(")]", ")"),
            why=why,
            evidence={"activation": out.display, "loss": loss.display, "loss_kind": loss.kind,
                      "targets_outside": targets is not None, "negative_slope": out.negative_slope},
            related=[(loss.origin, f"regression loss {loss.display}")] +
                    ([(targets.origin, f"targets made here: {targets.display}")] if targets is not None else []),
        )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        out = report.output
        if out is None or out.zero is None or finding.evidence.get("targets_outside") or \
                finding.evidence.get("negative_slope") is not None:
            return None  # a bounded or leaky output: the share clamped at exactly 0 says nothing
        share = out.zero
        text = f"{share:.0%} of the outputs are clamped at 0 on this batch, where the gradient is exactly 0"
        figures = {"clamped_share": share, "output_min": out.min, "output_max": out.max}
        tg = report.targets
        if tg is not None and tg.min is not None and tg.min < 0:
            text += f"; targets go down to {fmt(tg.min)}, which the output cannot reach"
            figures["target_min"] = tg.min
        return Confirmation(share > options["confirm-min-clamped-share"], text, figures)

# an output that cannot leave its range: judged only against targets known to leave it (softplus and
# exp are the usual outputs for a positive target)
_BOUNDED = ("sigmoid", "tanh", "softmax", "softsign", "softplus", "exponential", "abs")


def _outside(out, targets):
    """The targets when their known range leaves the output activation's range, else None."""
    if targets is None or targets.low is None or targets.high is None:
        return None
    lo, hi = out.output_range
    slack = 1e-6 * max(1.0, hi - lo if math.isfinite(hi - lo) else 1.0)  # softplus: (0, inf)
    return targets if targets.low < lo - slack or targets.high > hi + slack else None
