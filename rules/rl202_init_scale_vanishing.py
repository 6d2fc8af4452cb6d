import math
from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import ModelIR
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt, init_scale, layer_text, scale_sieve


class InitScaleVanishing(StaticRule):
    """
    ## What it does
    Flags weight inits whose std is far below the He std `sqrt(2 / fan_in)` for the layer, in at
    least two ReLU layers of the same network, so the shrinkage compounds. All-zero weights (`zeros_`,
    `constant_(w, 0)`, `tf.zeros`, `kernel_initializer="zeros"`) are the extreme, std 0: every unit of
    the layer computes the same value (0 through the ReLU when the biases are zero too) and gets the
    same gradient, none at all through a ReLU sitting at 0.

    ## Why is this bad?
    Each layer multiplies the signal's scale by about `std * sqrt(fan_in)`; for ReLU layers `sqrt(2
    / fan_in)` keeps it constant (He et al. 2015). With `N(0, 1e-3)` the forward signal and the
    backward gradient shrink ~1000x per layer. In "Intermediate layer makes tensorflow optimizer to
    stop working" a 1-16-1 net learned, but adding one 16-unit ReLU layer with the same
    `random_normal_initializer(0, 1e-3)` froze the first layer (gradient variance 2e-6 vs 5e-3). One
    such layer is usually survivable; two compound.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 1e-3)
    ```

    Use instead:
    ```python
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    ```

    ## Options
    - `min-std-ratio`: fire below this fraction of the He std (default 0.1, after TheDeepChecker's
      comparison of init std against He/Glorot).
    - `min-layers`: how many ReLU layers must be under-scaled (default 2).
    - `max-total-ratio`: fire only when those layers together leave the signal below this fraction
      of what He init keeps (the product of their `std / he_std`, default 1e-3). Two small layers
      with Keras's `kernel_initializer="uniform"` (std 0.029 at fan-in 8, then 12: 0.058 and 0.071
      of He) leave ~1/250 of it, which an adaptive optimiser absorbs; two `N(0, 1e-3)` layers of
      fan-in 100 leave 1/20000.
    - `confirm-max-grad-ratio`: `--dynamic` confirms below this first/last weight-gradient ratio
      (default 0.1) ...
    - `confirm-max-gain`: ... or when the layer's signal gain is below this (default 0.1).

    ## Confirmed by
    `--dynamic` measures the layer's signal `gain`, its `weight_grad_norm`, and `grad_ratio`, the
    first weighted layer's weight-gradient norm over the last one's. Confirmed when `grad_ratio` is below
    `confirm-max-grad-ratio` or `gain` below `confirm-max-gain`.

    ## Fix safety
    No fix: the right scale depends on the activation and the architecture, and any new
    scale changes what the model computes. The help text says what to change.

    ## Known problems
    Normalisation layers after the under-scaled layers repair the scale; they are taken into account
    only where they sit between the layer and its activation.

    ## References
    - [Stack Overflow, "Intermediate layer makes tensorflow optimizer to stop working"](https://stackoverflow.com/search?q=%22Intermediate+layer+makes+tensorflow+optimizer+to+stop+working%22)
    - [K. He et al., "Delving Deep into Rectifiers" (He initialisation)](https://arxiv.org/abs/1502.01852)
    """

    CODE = "RL202"
    NAME = "init-scale-vanishing"
    SEVERITY = Severity.WARNING
    MESSAGE = ("std {std} with fan-in {fan_in} gives a gain of {gain} per layer; He would use {he} "
               "({count} ReLU layers like this: the signal shrinks ~{total} through them)")
    FIX_TITLE = "Scale the init to the fan-in: kaiming_normal_ / he_normal (std {he})"
    OPTIONS = {"min-std-ratio": 0.1, "min-layers": 2, "max-total-ratio": 1e-3, "confirm-max-grad-ratio": 0.1,
               "confirm-max-gain": 0.1}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
        """),
        Valid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(1, 16)
                    self.fc2 = nn.Linear(16, 1)
                    nn.init.normal_(self.fc1.weight, 0, 1e-3)
                    nn.init.normal_(self.fc2.weight, 0, 1e-3)
                def forward(self, x):
                    return self.fc2(self.fc1(x).relu())
        """),
        Valid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
            model.apply(init)
        """),
        Valid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.02)
            model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
            model.apply(init)
        """),
        Valid("""
            import torch.nn as nn
            def init(m):
                nn.init.normal_(m.weight, 0, 1e-3)
            model = nn.Sequential(nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
            model.apply(init)
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 1e-3)  # expect: RL202
            model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
            model.apply(init)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(1, 16)
                    self.fc2 = nn.Linear(16, 16)
                    self.fc3 = nn.Linear(16, 1)
                    nn.init.normal_(self.fc1.weight, mean=0.0, std=1e-3)  # expect: RL202
                    nn.init.normal_(self.fc2.weight, mean=0.0, std=1e-3)  # expect: RL202
                def forward(self, x):
                    return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
        """),
        Invalid("""
            from torch import nn
            STD = 1e-4
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU())
                    for m in self.modules():
                        if isinstance(m, nn.Conv2d):
                            nn.init.normal_(m.weight, 0, STD)  # expect: RL202
                def forward(self, x):
                    return self.layers(x)
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU())
            nn.init.uniform_(model[0].weight, -0.001, 0.001)  # expect: RL202
            nn.init.uniform_(model[2].weight, -0.001, 0.001)  # expect: RL202
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.a = nn.Linear(32, 32)
                    self.b = nn.Linear(32, 32)
                    self.a.weight.data.normal_(0, 0.001)  # expect: RL202
                    self.b.weight.data.normal_(0, 0.001)  # expect: RL202
                def forward(self, x):
                    return self.b(self.a(x).clamp(min=0)).relu()
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))
                nn.init.normal_(model[0].weight, 0.0, 0.001)
                nn.init.normal_(model[2].weight, 0.0, 0.001)
                return model, torch.randn(2, 100), None
        """, fires=2),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))
                for i in (0, 2):
                    nn.init.kaiming_normal_(model[i].weight, nonlinearity="relu")
                return model, torch.randn(2, 100), None
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        limit = float(options["min-std-ratio"])
        small = []
        for _, op, _act in ir.network.iter_relu_affines(scale_sieve(limit, above=False)):
            scale = init_scale(op)
            if scale is not None and op.init_location is not None and scale[0] < limit * scale[1]:
                small.append((op, *scale))
        if len(small) < int(options["min-layers"]):
            return
        total = 1.0
        for _, std, _he, fan_in in small:
            total *= std * fan_in**0.5
        below_he = math.prod(std / he for _, std, he, _ in small)
        if below_he >= float(options["max-total-ratio"]):
            return  # a small net's modest shrinkage (Keras 'uniform' init at fan-in 8, then 12) trains
        for op, std, he, fan_in in small:
            gain = std * fan_in**0.5
            yield self.finding(
                op.init_location, std=fmt(std), fan_in=fan_in, gain=fmt(gain), he=fmt(he), count=len(small),
                total=fmt(total),
                evidence={"init": op.weight_init.display, "std": std, "fan_in": fan_in, "he_std": he,
                          "ratio_to_he": std / he, "layers": len(small)},
                related=[(op.origin, f"layer {op.display}")] + [
                    (o.init_location, f"also under-scaled: {o.display}") for o, *_ in small if o is not op],
            )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        affine, _ = report.layer_at(finding.origin)
        if affine is None:
            return None
        ratio = report.grad_ratio
        shrinks = affine.gain is not None and affine.gain < options["confirm-max-gain"]
        ok = (ratio is not None and ratio < options["confirm-max-grad-ratio"]) or shrinks
        text = layer_text(affine)
        if ratio is not None:
            text += f"; first/last weight-gradient ratio {fmt(ratio)}"
        return Confirmation(ok, text, {"gain": affine.gain, "grad_ratio": ratio,
                                       "weight_grad_norm": affine.weight_grad_norm})
