from collections.abc import Iterator

from relulint.finding import Finding, Severity
from relulint.model import ModelIR
from relulint.rule import Invalid, Rule, Valid

# Schemes that give LeCun normal: std = sqrt(1 / fan_in) from a (truncated) normal.
_LECUN = ("lecun", "vs:1.0:fan_in", "vs:1:fan_in")


class SeluMisconfigured(Rule):
    """
    ## What it does
    Flags a SELU network whose layers are not initialised with LeCun normal
    (`lecun_normal`, `kaiming_normal_(w, nonlinearity="linear")`), or that uses ordinary `Dropout`
    instead of `AlphaDropout`.

    ## Why is this bad?
    SELU's self-normalising property (Klambauer et al. 2017) holds only when weights have mean 0 and
    variance `1 / fan_in` and when dropout keeps the mean and variance — which plain dropout's zeros
    do not (it drops to 0, not to SELU's negative saturation value). Without both, activations drift
    away from zero mean / unit variance through depth and the network loses the very property SELU
    was chosen for. "Is ReLU dead?" suggests SELU as a way out of dying ReLUs; this rule keeps that
    advice honest.

    ## Example
    ```python
    model = keras.Sequential([
        layers.Dense(64, activation="selu", input_shape=(4,)),
        layers.Dropout(0.2),
        layers.Dense(1),
    ])
    ```

    Use instead:
    ```python
    model = keras.Sequential([
        layers.Dense(64, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)),
        layers.AlphaDropout(0.2),
        layers.Dense(1),
    ])
    ```

    ## Confirmed by
    The dynamic pass: per-layer activation mean and std drifting from 0 and 1.

    ## References
    - [J. Jayan, "Is ReLU dead?" (dying ReLUs found with TensorBoard histograms)](https://medium.com/@jithinjayan1993/is-relu-dead-27943b50102)
    - [G. Klambauer et al., "Self-Normalizing Neural Networks" (SELU)](https://arxiv.org/abs/1706.02515)
    """

    CODE = "RL204"
    NAME = "selu-misconfigured"
    SEVERITY = Severity.WARNING
    MESSAGE = "{problem}"
    FIX_TITLE = "{remedy}"
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.AlphaDropout(0.1), nn.Linear(16, 1))
            for m in model:
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
        """),
        Valid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.Linear(16, 16), nn.SELU(), nn.Linear(16, 1))
            model.apply(init)
        """),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    self.drop = nn.Dropout(0.5)
                def forward(self, x):
                    return self.drop(F.elu(self.fc(x)))
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 1))
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(8, 16),  # expect: RL204
                nn.SELU(),
                nn.Linear(16, 1),
            )
        """),
        Invalid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.Dropout(0.2), nn.Linear(16, 1))  # expect: RL204
            model.apply(init)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    nn.init.xavier_uniform_(self.fc.weight)  # expect: RL204
                def forward(self, x):
                    return F.selu(self.fc(x))
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    nn.init.kaiming_normal_(self.fc.weight, nonlinearity="linear")
                def forward(self, x):
                    x = torch.selu(self.fc(x))
                    return F.dropout(x, 0.2)  # expect: RL204
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.act = nn.SELU()
                    self.fc2 = nn.Linear(16, 1)
                    nn.init.kaiming_normal_(self.fc1.weight)  # expect: RL204
                def forward(self, x):
                    return self.fc2(self.act(self.fc1(x)))
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        net = ir.network
        selu_layers = [(i, net.ops[i]) for i in net.affine_indices()
                       if (a := net.activation_after(i)) is not None and a.kind == "selu"]
        if not selu_layers:
            return
        for _, op in selu_layers:
            init = op.weight_init
            if init is None or op.init_location is None or _is_lecun_normal(init):
                continue
            yield self.finding(
                op.init_location,
                problem=f"SELU layer initialised with {init.display}: self-normalisation needs lecun_normal "
                        "(mean 0, variance 1/fan_in)",
                remedy="Use kernel_initializer='lecun_normal' / nn.init.kaiming_normal_(w, nonlinearity='linear')",
                evidence={"init": init.display, "scheme": init.scheme, "distribution": init.distribution},
                related=[(op.origin, f"layer {op.display}")],
            )
        for op in net.ops:
            if op.kind == "dropout" and op.origin is not None:
                yield self.finding(
                    op.origin,
                    problem=f"{op.display} in a SELU network: plain dropout breaks self-normalisation",
                    remedy="Use AlphaDropout next to SELU",
                    evidence={"dropout": op.display},
                )


def _is_lecun_normal(init) -> bool:
    if init.distribution not in ("normal", "truncated_normal"):
        return False
    return init.scheme in _LECUN
