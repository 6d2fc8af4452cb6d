from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import ModelIR
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt, init_scale, layer_figures, layer_text, scale_sieve


class InitScaleExploding(StaticRule):
    """
    ## What it does
    Flags a weight init whose std is far above the He std `sqrt(2 / fan_in)` for the layer's fan-in.

    ## Why is this bad?
    A layer multiplies the scale of its input by about `std * sqrt(fan_in)`. "CNN training converges
    at a vector of zeros" initialised a fully connected layer of fan-in 38400 with
    `truncated_normal(stddev=0.1)`: a gain of ~19.6 per layer where He would use 0.0072, so
    pre-activations are huge, the loss sat above 40000 and the ReLU output collapsed to zeros. Large
    pre-activations also saturate sigmoid/tanh/softmax outputs.

    ## Example
    ```python
    W = tf.Variable(tf.truncated_normal([38400, 1024], stddev=0.1))
    ```

    Use instead:
    ```python
    W = tf.get_variable("W", [38400, 1024], initializer=tf.initializers.he_normal())
    ```

    ## Options
    - `max-std-ratio`: fire above this multiple of the He std (default 5).
    - `confirm-min-gain`: `--dynamic` confirms when the layer's signal gain is above this (default 10),
      or when the layer produced NaN/inf.

    ## Confirmed by
    `--dynamic` measures the layer's signal `gain` (output RMS over input RMS), its output `rms`
    and its `weight_grad_norm`. Confirmed when `gain` is above `confirm-min-gain` or the layer produced
    NaN/inf.

    ## Fix safety
    No fix: the right scale depends on the activation and the architecture, and any new
    scale changes what the model computes. The help text says what to change.

    ## Known problems
    A large init followed by a normalisation layer is harmless and is still flagged when the
    normalisation is not between the layer and its activation in the lowered forward path.

    ## References
    - [Stack Overflow, "Tensorflow: CNN training converges at a vector of zeros"](https://stackoverflow.com/questions/49528692)
    - [K. He et al., "Delving Deep into Rectifiers" (He initialisation)](https://arxiv.org/abs/1502.01852)
    """

    CODE = "RL203"
    NAME = "init-scale-exploding"
    SEVERITY = Severity.WARNING
    MESSAGE = "std {std} with fan-in {fan_in} gives a gain of {gain} per layer; He would use {he} ({ratio}x too large)"
    FIX_TITLE = "Scale the init to the fan-in: kaiming_normal_ / he_normal (std {he})"
    OPTIONS = {"max-std-ratio": 5.0, "confirm-min-gain": 10.0}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(38400, 1024), nn.ReLU(), nn.Linear(1024, 48))
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(1024, 48)
                    nn.init.normal_(self.fc.weight, std=0.1)
                def forward(self, x):
                    return self.fc(x)
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(1, 8, 5)
                    nn.init.trunc_normal_(self.conv.weight, std=0.1)
                def forward(self, x):
                    return self.conv(x).relu()
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self, n):
                    super().__init__()
                    self.fc = nn.Linear(n, 10)
                    nn.init.normal_(self.fc.weight, std=1.0)
                def forward(self, x):
                    return self.fc(x)
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(512, 512), nn.ReLU())
            nn.init.xavier_uniform_(model[0].weight)
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(120 * 160 * 8, 1024)
                    nn.init.trunc_normal_(self.fc1.weight, std=0.1)  # expect: RL203
                def forward(self, x):
                    return self.fc1(x).relu()
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 128)
                    nn.init.normal_(self.fc.weight)  # expect: RL203
                def forward(self, x):
                    return self.fc(x)
        """),
        Invalid("""
            from torch import nn
            def init(m):
                if isinstance(m, nn.Conv2d):
                    nn.init.normal_(m.weight, mean=0.0, std=1.0)  # expect: RL203
            model = nn.Sequential(nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Conv2d(64, 10, 1))
            model.apply(init)
        """),
        Invalid("""
            import torch.nn as nn
            IN = 4096
            model = nn.Sequential(nn.Linear(IN, 256), nn.ReLU())
            nn.init.uniform_(model[0].weight, -1.0, 1.0)  # expect: RL203
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(in_features=2048, out_features=10)
                    self.fc.weight.data.normal_(0.0, 0.5)  # expect: RL203
                def forward(self, x):
                    return self.fc(x)
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(2048, 10), nn.ReLU(), nn.Linear(10, 1))
                nn.init.normal_(model[0].weight, 0.0, 0.5)
                return model, torch.randn(2, 2048), None
        """, fires=1),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(2048, 10), nn.ReLU(), nn.Linear(10, 1)), torch.randn(2, 2048), None
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        limit = float(options["max-std-ratio"])
        for _, op in ir.network.iter_affines(scale_sieve(limit, above=True)):
            scale = init_scale(op)
            if scale is None or op.init_location is None:
                continue
            std, he, fan_in = scale
            if std <= limit * he:
                continue
            yield self.finding(
                op.init_location, std=fmt(std), fan_in=fan_in, gain=fmt(std * fan_in**0.5), he=fmt(he),
                ratio=fmt(std / he),
                evidence={"init": op.weight_init.display, "std": std, "fan_in": fan_in, "he_std": he,
                          "ratio_to_he": std / he},
                related=[(op.origin, f"layer {op.display}")],
            )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        affine, _ = report.layer_at(finding.origin)
        if affine is None:
            return None
        ok = affine.nonfinite or (affine.gain is not None and affine.gain > options["confirm-min-gain"])
        return Confirmation(ok, layer_text(affine), layer_figures(affine))
