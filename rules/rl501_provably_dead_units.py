from collections.abc import Iterator

from relulint.finding import Finding, Severity
from relulint.ir import ModelIR
from relulint.rule import Invalid, StaticRule, Valid


class ProvablyDeadUnits(StaticRule):
    """
    ## What it does
    Proves, from the exported weights of an ONNX or TorchScript model and the declared input range
    (`--input-range LOW,HIGH` or `[tool.relulint] input-range`), that units of a ReLU layer can
    never fire: their pre-activation upper bound is <= 0 for every input in the range.

    ## Why is this bad?
    A ReLU unit whose pre-activation is never positive outputs 0 for every input and passes exactly
    0 gradient back, so nothing can ever move its weights: it is dead before training starts and
    stays dead. When a whole layer is dead, no gradient reaches the layers before it at all. "Is
    ReLU dead?" is this bug: inputs in (-1, 0) into a ReLU layer whose weights ended up positive
    with zero bias, every epoch's gradients and outputs stuck at 0; "Convolutional network filter
    always negative"'s all-positive init pushed into large negative weights is the same trap after
    one step. Unlike the dynamic RL401 ("never fired on this batch"), this is a proof over *every*
    input in the range: sound interval arithmetic through Gemm/MatMul/Conv, BatchNorm, pooling,
    reshapes and ReLU, widened for float32 rounding.

    ## Example
    ```python
    layer = nn.Linear(4, 8)
    nn.init.uniform_(layer.weight, 0.0, 1.0)     # every weight positive
    nn.init.zeros_(layer.bias)
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(8, 1))
    torch.onnx.export(model, (x,), "model.onnx")  # relulint --input-range=-1,0 model.onnx
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))  # zero-mean init
    # and centre the inputs: x in (-1, 1), not (-1, 0)
    ```

    ## Options
    - `min-dead-units`: report a layer when at least this many of its units are provably dead
      (default 1: a proof is never noise).

    ## Confirmed by
    Not confirmed by `--dynamic`: RL501 is a proof over the declared input range. On the same
    model `relulint --dynamic model.onnx` reports RL401 on a layer whose units never fire on a batch.

    ## Fix safety
    No fix: a graph file is not source that relulint rewrites. The help text says what to change.

    ## Known problems
    Bounds are propagated through the ops the graph pass understands; anything else widens them to
    unknown, so a unit that is dead behind such an op is not reported (never the reverse).

    ## References
    - [J. Jayan, "Is ReLU dead?" (dying ReLUs found with TensorBoard histograms)](https://medium.com/@jithinjayan1993/is-relu-dead-27943b50102)
    - [Stack Overflow, "Convolutional network filter always negative"](https://stackoverflow.com/questions/35452790)
    """

    CODE = "RL501"
    NAME = "provably-dead-units"
    SEVERITY = Severity.ERROR
    MESSAGE = "{dead} of {units} units of {layer} can never fire: pre-activation <= 0 for every input in {range}"
    FIX_TITLE = "Centre the inputs or re-initialise {layer} with a zero-mean He init (or a small positive bias)"
    OPTIONS = {"min-dead-units": 1}
    PASSES = frozenset({"graph"})

    # Graph rules judge exported models, not source text. Each case below is a Python file that
    # builds a model; `relulint_graph()` returns (model, example input, input range). The graph
    # tests (tests/test_rl501.py) trace it with torch.jit.trace, save it, lint the saved graph with
    # the range and compare findings with the `# expect:` lines (TorchScript keeps the user's line).
    VALID = [
        Valid("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
                return model, torch.zeros(2, 4), (-1.0, 1.0)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_graph():
                layer = nn.Linear(4, 8)
                nn.init.uniform_(layer.weight, 0.0, 1.0)
                nn.init.zeros_(layer.bias)
                model = nn.Sequential(layer, nn.ReLU(), nn.Linear(8, 1))
                return model, torch.zeros(2, 4), (0.0, 1.0)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(1)
                model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
                return model.eval(), torch.zeros(1, 3, 8, 8), (0.0, 1.0)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(2)
                model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
                return model, torch.zeros(2, 4), (-1.0, 0.0)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(3)
                model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
                return model, torch.zeros(2, 4), (-10.0, 10.0)
        """),
    ]
    INVALID = [
        Invalid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 8)
                    self.fc2 = nn.Linear(8, 1)
                    nn.init.uniform_(self.fc1.weight, 0.0, 1.0)
                    nn.init.zeros_(self.fc1.bias)
                def forward(self, x):
                    h = F.relu(self.fc1(x))  # expect: RL501
                    return self.fc2(h)
            def relulint_graph():
                return Net(), torch.zeros(2, 4), (-1.0, 0.0)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 8)
                    self.fc2 = nn.Linear(8, 8)
                    nn.init.uniform_(self.fc2.weight, -1.0, -0.1)
                    nn.init.zeros_(self.fc2.bias)
                def forward(self, x):
                    h = torch.relu(self.fc1(x))
                    return torch.relu(self.fc2(h))  # expect: RL501
            def relulint_graph():
                torch.manual_seed(0)
                return Net(), torch.zeros(2, 4), (-1.0, 1.0)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 4, 3, padding=1)
                    nn.init.constant_(self.conv.bias, -5.0)
                    self.head = nn.Linear(4, 2)
                def forward(self, x):
                    h = torch.relu(self.conv(x))  # expect: RL501
                    return self.head(h.mean(dim=(2, 3)))
            def relulint_graph():
                torch.manual_seed(0)
                return Net(), torch.zeros(1, 3, 8, 8), (0.0, 1.0)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(2, 3)
                    with torch.no_grad():
                        self.fc.weight.copy_(torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]))
                        self.fc.bias.zero_()
                def forward(self, x):
                    return torch.relu(self.fc(x))  # expect: RL501
            def relulint_graph():
                return Net(), torch.zeros(2, 2), (0.0, 1.0)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 8)
                    self.fc2 = nn.Linear(8, 4)
                    nn.init.uniform_(self.fc1.weight, 0.5, 1.0)
                    nn.init.constant_(self.fc1.bias, -0.1)
                def forward(self, x):
                    x = x / 255.0
                    h = torch.relu(self.fc1(x))  # expect: RL501
                    return self.fc2(h)
            def relulint_graph():
                torch.manual_seed(0)
                return Net(), torch.zeros(2, 4), (-255.0, 0.0)
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        ranges = [d for d in ir.data if d.low is not None and d.high is not None]
        shown = f"[{ranges[0].low:g}, {ranges[0].high:g}]" if ranges else "the declared input range"
        for i, op in ir.network.iter_dead_units():
            if op.origin is None or op.activation is None:
                continue
            dead, units = op.dead_units
            if dead < max(1, int(options["min-dead-units"])):
                continue
            layer = ir.network.layer_before(i)
            name = layer.name or layer.display if layer is not None else op.display
            yield self.finding(
                op.origin,
                dead=dead,
                units=units,
                layer=name,
                range=shown,
                evidence={"dead_units": dead, "units": units, "activation": op.display,
                          "layer": layer.display if layer else None, "input_range": shown},
                related=[(layer.origin, f"layer {name}")] if layer is not None else [],
            )

