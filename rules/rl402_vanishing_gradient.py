from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Severity
from relulint.rule import Invalid, ProbeHit, ProbeRule, Valid, after_steps
from relulint.rules._support import fmt


class VanishingGradient(ProbeRule):
    """
    ## What it does
    Runs one real batch forward and backward (`relulint --dynamic`) and flags a network whose
    first weighted layer receives a gradient far smaller than its last one:
    `||dL/dW_first|| / ||dL/dW_last||` below 0.1, with at least three weighted layers.

    ## Why is this bad?
    The first layers then barely move while the last ones fit whatever features they are given: the
    network trains like a shallow one, or not at all. "Intermediate layer makes tensorflow optimizer
    to stop working" is the case: with `N(0, 1e-3)` weights and biases a 1-16-16-1 ReLU net froze
    (its first-layer gradient variance was ~1000x smaller than in the 1-16-1 net, which learned).
    Measured here on that question's setup (loss on the doubled output, inputs in (-1, 1)): the
    3-layer net's ratio is 0.019, the 2-layer net's 1.3 and the Xavier + bias 0.1 twin's 0.50.

    The measure is AUTOTRAINER's `||g_first|| / ||g_last||` (see References). AUTOTRAINER
    fires below 1e-3 because it watches a whole training run and lets the ratio decay; a one-batch
    probe sees the initial state, where that frozen net sits at ~1e-2, so the default here is
    0.1: a tenfold loss between the last and the first layer, which the healthy twins stay well
    clear of. A ratio of exactly 0 (no gradient reaches the first layer) is always flagged.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 1e-3)
            nn.init.normal_(m.bias, 0.0, 1e-3)
    ```

    Use instead:
    ```python
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_normal_(m.weight)
            nn.init.constant_(m.bias, 0.1)
    ```

    ## Options
    - `min-grad-ratio`: flag below this first/last weight-gradient norm ratio (default 0.1).
    - `min-layers`: weighted layers needed before the ratio is judged (default 3).

    ## Relation to static rules
    RL202 (init scale far below He) predicts this; its confirmation measures the same
    first/last weight-gradient ratio.

    ## Fix safety
    No fix: a measurement is not a source location to rewrite. The help text says what to change.

    ## Known problems
    The figures are those of one batch (or of the first `--steps` updates) in the mode the probe ran;
    a layer that only dies later in training is not seen.

    ## References
    - [Stack Overflow, "Intermediate layer makes tensorflow optimizer to stop working"](https://stackoverflow.com/search?q=%22Intermediate+layer+makes+tensorflow+optimizer+to+stop+working%22)
    - [X. Zhang et al., AUTOTRAINER, "An Automated Monitoring and Repairing System for DNN Training"](https://doi.org/10.1109/TDSC.2024.3450951)
    """

    CODE = "RL402"
    NAME = "vanishing-gradient"
    SEVERITY = Severity.WARNING
    MESSAGE = ("the gradient reaching {layer} is {ratio} of the last layer's ({first} vs {last}) on this "
               "batch: it vanishes through {depth} layers{when}")
    FIX_TITLE = "Use a fan-in-scaled init (He/Xavier), normalisation layers or residual connections"
    OPTIONS = {"min-grad-ratio": 0.1, "min-layers": 3}
    PASSES = frozenset({"dynamic"})

    VALID = [
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
                for m in model:
                    if isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, 0.0, 1e-3)
                        nn.init.normal_(m.bias, 0.0, 1e-3)
                x = 2 * torch.rand(64, 1) - 1
                return model, x, x, lambda out, t: ((t - 2 * out) ** 2).sum()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
                for m in model:
                    if isinstance(m, nn.Linear):
                        nn.init.xavier_normal_(m.weight)
                        nn.init.constant_(m.bias, 0.1)
                x = 2 * torch.rand(64, 1) - 1
                return model, x, x, lambda out, t: ((t - 2 * out) ** 2).sum()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                layers = []
                for _ in range(5):
                    lin = nn.Linear(32, 32)
                    nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
                    layers += [lin, nn.ReLU()]
                model = nn.Sequential(*layers, nn.Linear(32, 1))
                return model, torch.randn(64, 32), torch.randn(64, 1), nn.MSELoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1),
                                      nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, 10))
                return model, torch.randn(16, 3, 8, 8), torch.randint(0, 10, (16,)), nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
                return model, torch.randn(32, 8), torch.randint(0, 2, (32,)), nn.CrossEntropyLoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))  # expect: RL402
                for m in model:
                    if isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, 0.0, 1e-3)
                        nn.init.normal_(m.bias, 0.0, 1e-3)
                x = 2 * torch.rand(64, 1) - 1
                return model, x, x, lambda out, t: ((t - 2 * out) ** 2).sum()
        """),
        Invalid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(1, 16)  # expect: RL402
                    self.fc2 = nn.Linear(16, 16)
                    self.fc3 = nn.Linear(16, 1)
                    for m in (self.fc1, self.fc2, self.fc3):
                        nn.init.normal_(m.weight, 0.0, 1e-3)
                        nn.init.normal_(m.bias, 0.0, 1e-3)
                def forward(self, x):
                    return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
            def relulint_batch():
                torch.manual_seed(0)
                x = 2 * torch.rand(64, 1) - 1
                return Net(), x, x, lambda out, t: ((t - 2 * out) ** 2).sum()
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                first = nn.Linear(16, 16)  # expect: RL402
                model = nn.Sequential(first, nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                                      nn.Linear(16, 1))
                for m in model:
                    if isinstance(m, nn.Linear):
                        nn.init.normal_(m.weight, 0.0, 1e-2)
                return model, torch.randn(64, 16), torch.randn(64, 1), nn.MSELoss()
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(
                    nn.Linear(32, 32), nn.Sigmoid(),  # expect: RL402
                    nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Sigmoid(),
                    nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Sigmoid(),
                    nn.Linear(32, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Sigmoid(),
                    nn.Linear(32, 1),
                )
                return model, torch.randn(64, 32), torch.randn(64, 1), nn.MSELoss()
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Deep(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.inp = nn.Linear(8, 16)  # expect: RL402
                    self.hidden = nn.ModuleList([nn.Linear(16, 16) for _ in range(3)])
                    self.out = nn.Linear(16, 1)
                    for m in self.modules():
                        if isinstance(m, nn.Linear):
                            nn.init.normal_(m.weight, 0.0, 0.01)
                def forward(self, x):
                    x = torch.relu(self.inp(x))
                    for layer in self.hidden:
                        x = torch.relu(layer(x))
                    return self.out(x)
            def relulint_batch():
                torch.manual_seed(0)
                return Deep(), torch.randn(32, 8), torch.randn(32, 1), nn.MSELoss()
        """),
    ]

    def check(self, report: ProbeReport, options: dict) -> Iterator[ProbeHit]:
        if not report.gradients:
            return
        layers = report.affine_layers
        if len(layers) < options["min-layers"]:
            return
        first, last = layers[0], layers[-1]
        if not last.weight_grad_norm:
            return  # nothing reaches even the last layer: a dead output (RL401/RL101), not a decay
        ratio = first.weight_grad_norm / last.weight_grad_norm
        if ratio < options["min-grad-ratio"]:
            when = after_steps(report.step)
            yield first.key, {
                "layer": first.label, "ratio": fmt(ratio), "first": fmt(first.weight_grad_norm),
                "last": fmt(last.weight_grad_norm), "depth": len(layers), "when": when,
            }, {"grad_ratio": ratio, "first_grad_norm": first.weight_grad_norm,
                "last_grad_norm": last.weight_grad_norm, "first_layer": first.key, "last_layer": last.key,
                "layers": len(layers), "loss": report.loss, "step": report.step}
