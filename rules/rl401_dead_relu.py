from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Severity
from relulint.rule import Invalid, ProbeHit, ProbeRule, Valid, after_steps


class DeadRelu(ProbeRule):
    """
    ## What it does
    Runs one real batch through the model (`relulint --dynamic`) and flags a ReLU layer in which
    more than half of the units never fired (output > 0) on any sample of the batch.

    ## Why is this bad?
    A ReLU unit whose pre-activation is negative for every input outputs 0 and passes exactly 0
    gradient back: nothing can move its weights again, so the unit is dead and the capacity is lost.
    When the whole layer dies, no gradient reaches anything before it and training stops ("Is ReLU
    dead?": inputs in (-1, 0), dense outputs and gradients stuck at 0 for every epoch; the two Stack
    Overflow cases with positive-mean inits under RL201). A unit counts as dead only if it fired on
    *no* sample of the batch, the "unit never active" test of keras-contrib and SageMaker Debugger;
    a layer is flagged above 50% dead units, the layer threshold of SageMaker Debugger
    (`relu_output`) and TheDeepChecker (see References). Convolution units are channels; dense units
    are features.

    ## Example
    ```python
    layer = nn.Linear(4, 8)
    nn.init.uniform_(layer.weight, 0.0, 1.0)       # every weight positive
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(8, 1))
    x = -torch.rand(64, 4)                          # inputs in (-1, 0): every unit is dead
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))   # zero-mean init
    x = 2 * torch.rand(64, 4) - 1                   # centred inputs
    ```

    ## Options
    - `max-dead-share`: flag a layer above this share of never-firing units (default 0.5).
    - `min-units`: ignore layers with fewer units than this (default 2).

    ## Relation to static rules
    RL201 (positive-mean init) and RL302 (negative inputs) predict dead units; their
    own confirmation measures the same dead share on the same batch. With `--steps N`, RL401 also
    reports a layer that dies during the first updates.

    ## Fix safety
    No fix: a measurement is not a source location to rewrite. The help text says what to change.

    ## Known problems
    The figures are those of one batch (or of the first `--steps` updates) in the mode the probe ran;
    a layer that only dies later in training is not seen.

    ## References
    - [J. Jayan, "Is ReLU dead?" (dying ReLUs found with TensorBoard histograms)](https://medium.com/@jithinjayan1993/is-relu-dead-27943b50102)
    - [Stack Overflow, "Convolutional network filter always negative"](https://stackoverflow.com/questions/35452790)
    - [Amazon SageMaker Debugger, built-in rules](https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-built-in-rules.html)
    - [H. Ben Braiek, F. Khomh, "Testing Feedforward Neural Networks Training Programs" (TheDeepChecker)](https://arxiv.org/abs/2204.00694)
    """

    CODE = "RL401"
    NAME = "dead-relu"
    SEVERITY = Severity.WARNING
    MESSAGE = "{share} of the {units} units of {layer} never fired on this batch of {batch}{when}"
    FIX_TITLE = "Centre the inputs, use a zero-mean He init, or a small positive bias / LeakyReLU"
    OPTIONS = {"max-dead-share": 0.5, "min-units": 2}
    PASSES = frozenset({"dynamic"})

    VALID = [
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
                return model, 2 * torch.rand(64, 4) - 1
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.1), nn.Linear(32, 1))
                return model, -torch.rand(64, 4)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(4, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 1))
                return model, -torch.rand(64, 4)
        """),
        Valid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 8, 3)
                    self.fc = nn.Linear(8, 2)
                def forward(self, x):
                    x = F.relu(self.conv(x))
                    return self.fc(x.mean(dim=(2, 3)))
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.randn(16, 3, 8, 8)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
                return model, torch.randn(32, 8), torch.randint(0, 3, (32,)), nn.CrossEntropyLoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                layer = nn.Linear(4, 8)
                nn.init.uniform_(layer.weight, 0.0, 1.0)
                nn.init.zeros_(layer.bias)
                model = nn.Sequential(layer, nn.ReLU(), nn.Linear(8, 1))  # expect: RL401
                return model, -torch.rand(64, 4)
        """),
        Invalid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 16)
                    self.fc2 = nn.Linear(16, 1)
                    nn.init.constant_(self.fc1.bias, -10.0)
                def forward(self, x):
                    h = F.relu(self.fc1(x))  # expect: RL401
                    return self.fc2(h)
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.rand(64, 4)
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                conv = nn.Conv2d(3, 8, 3)
                nn.init.constant_(conv.bias, -5.0)
                model = nn.Sequential(
                    conv,
                    nn.ReLU(),  # expect: RL401
                    nn.Flatten(),
                    nn.Linear(8 * 6 * 6, 2),
                )
                return model, torch.rand(8, 3, 8, 8)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 16)
                    self.out = nn.Linear(16, 1)
                    nn.init.uniform_(self.fc.weight, 0.0, 0.5)
                def forward(self, x):
                    return self.out(self.fc(x).clamp(min=0))  # expect: RL401
            def relulint_batch():
                torch.manual_seed(0)
                net = Net()
                nn.init.zeros_(net.fc.bias)
                return net, -torch.rand(32, 4)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 16)
                    self.act = nn.ReLU()
                    self.out = nn.Linear(16, 1)
                    nn.init.constant_(self.fc.bias, -3.0)
                def forward(self, x):
                    return self.out(self.act(self.fc(x)))  # expect: RL401
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.rand(32, 4) * 0.1
        """),
    ]

    def check(self, report: ProbeReport, options: dict) -> Iterator[ProbeHit]:
        """(layer key, message fields, evidence) for every layer above the dead-share threshold."""
        batch = report.inputs.shape[0] if report.inputs and report.inputs.shape else "?"
        for layer in report.relu_layers:
            if layer.units is None or layer.units < options["min-units"]:
                continue
            if layer.dead > options["max-dead-share"]:
                when = after_steps(report.step)
                yield layer.key, {
                    "share": f"{layer.dead:.0%}", "units": layer.units, "layer": layer.label, "batch": batch,
                    "when": when,
                }, {"dead_share": layer.dead, "units": layer.units, "zero_share": layer.zero,
                    "grad_norm": layer.grad_norm, "step": report.step}
