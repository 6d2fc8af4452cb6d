from collections.abc import Iterator

from relulint.finding import Finding, Severity
from relulint.model import ModelIR
from relulint.rule import Invalid, Rule, Valid
from relulint.rules._support import fmt


class PositiveMeanInit(Rule):
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

    ## Confirmed by
    The dynamic pass: that layer's share of dead units and its gradient norm.

    ## References
    - [Stack Overflow, "Convolutional network filter always negative"](https://stackoverflow.com/questions/35452790)
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL201"
    NAME = "positive-mean-init"
    SEVERITY = Severity.WARNING
    MESSAGE = "{init} gives weights a positive mean ({mean}, std {std}) in a layer feeding {activation}: units saturate then die"
    FIX_TITLE = "Use a zero-mean init scaled to the fan-in (kaiming_normal_ / he_normal)"
    OPTIONS = {"min-mean-to-std": 0.25}
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
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        ratio = float(options["min-mean-to-std"])
        for _, op, act in ir.network.iter_relu_affines():
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
