import math
from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import DataSource, ModelIR, Origin
from relulint.rule import Confirmation, Invalid, StaticRule, Valid
from relulint.rules._support import fmt


class NegativeInputBeforeRelu(StaticRule):
    """
    ## What it does
    Flags data whose known range is (mostly) negative reaching a network whose first affine layer
    (Dense / Linear / Conv) feeds a ReLU directly, with no normalisation in between.

    ## Why is this bad?
    With every input feature negative, each first-layer unit's pre-activation has the sign of minus
    the sum of its weights (plus the bias, 0 at init): about half the units are negative for *every*
    input, output exactly 0 and get no gradient, and training can push the rest there too. "Is ReLU
    dead?" (inputs uniform in (-1, 0) into a Dense(relu): gradients and outputs 0 in every epoch,
    loss flat whatever the initialiser) is this bug. Centre the data, or use an activation with a
    gradient below 0 (LeakyReLU, ELU, SELU).

    ## Example
    ```python
    x = np.random.uniform(-1, 0, size=(200000, 4))
    model = keras.Sequential([keras.layers.Dense(1, activation="relu")])
    model.fit(x, y)
    ```

    Use instead:
    ```python
    x = np.random.uniform(-1, 0, size=(200000, 4))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    model.fit(x, y)
    ```

    ## Options
    - `min-negative-share`: the share of the input range below 0 from which data counts as negative.

    ## Confirmed by
    `--dynamic` measures the input batch's `min` and `max`, the `negative_share` of that range
    below 0, and the first ReLU layer's `first_layer_dead_share`. Confirmed when `negative_share` is at
    least `min-negative-share`.

    ## Fix safety
    No fix: centring the data or changing the activation both change what the model
    computes. The help text says what to change.

    ## Known problems
    Not run on exported graphs: there RL501 proves, unit by unit over the declared input range,
    which first-layer units can never fire, and where its bounds prove every unit alive a guess from
    the range alone would be a wrong finding.

    ## References
    - [J. Jayan, "Is ReLU dead?" (dying ReLUs found with TensorBoard histograms)](https://medium.com/@jithinjayan1993/is-relu-dead-27943b50102)
    """

    CODE = "RL302"
    NAME = "negative-input-before-relu"
    SEVERITY = Severity.WARNING
    MESSAGE = "input data in [{low}, {high}] from {source} is {share} negative and feeds {activation} after the first layer of {model}: units whose weights sum > 0 never fire"
    FIX_TITLE = "Centre / standardise the input ((x - mean) / std), or use LeakyReLU/ELU in the first layer"
    OPTIONS = {"min-negative-share": 0.9}

    VALID = [
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = np.random.uniform(0, 1, size=(1000, 4))
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
            y = model(torch.tensor(x, dtype=torch.float32))
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = np.random.uniform(-1, 1, size=(1000, 4))
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
            y = model(torch.tensor(x, dtype=torch.float32))
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = np.random.uniform(-1, 0, size=(1000, 4))
            model = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.1), nn.Linear(8, 1))
            y = model(torch.tensor(x, dtype=torch.float32))
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = np.random.uniform(-1, 0, size=(1000, 4))
            x = (x - x.mean(axis=0)) / x.std(axis=0)
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
            y = model(torch.tensor(x, dtype=torch.float32))
        """),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
            y = model(-torch.rand(64, 4))
        """),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1), nn.ReLU())
            y = model(torch.rand(64, 4) - 1)
        """),
    ]
    INVALID = [
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            x = np.random.uniform(-1, 0, size=(200000, 4))  # expect: RL302
            model = nn.Sequential(nn.Linear(4, 1), nn.ReLU())
            y = model(torch.tensor(x, dtype=torch.float32))
        """),
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
            x = -np.random.rand(500, 4)  # expect: RL302
            out = model(torch.from_numpy(x).float())
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(4, 16)
                    self.fc2 = nn.Linear(16, 1)
                def forward(self, x):
                    return self.fc2(F.relu(self.fc1(x)))
            net = Net()
            data = torch.rand(128, 4) - 1  # expect: RL302
            for step in range(10):
                pred = net(data)
        """),
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            from sklearn.model_selection import train_test_split
            X = np.random.uniform(-1, 0, size=(1000, 4))  # expect: RL302
            y = np.random.rand(1000, 1)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
            model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.ReLU())
            out = model(torch.tensor(X_train, dtype=torch.float32))
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
            x = torch.tensor([[-3.0, -0.5, -1.2], [-0.1, -2.0, -0.7]])  # expect: RL302
            logits = model.forward(x)
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 8)  # expect: RL302
                    self.act = nn.ReLU()
                def forward(self, x):
                    return self.act(self.fc(x))
        """, files=(("train.py", '''
import torch
from model import Net
net = Net()
x = -torch.rand(64, 4)
out = net(x)
'''),)),
    ]


    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        net = ir.network
        first = net.first_affine()
        if first is None or net.scales_input():
            return
        index, layer = first
        act = net.activation_after(index)
        if act is None or not act.is_relu_like:
            return
        seen: set[tuple] = set()
        for ds in ir.data:
            share = self._negative_share(ds)
            if share is None or share < options["min-negative-share"] or ds.origin is None:
                continue
            key = (ds.origin.path, ds.origin.line, ds.origin.col)
            if key in seen:
                continue
            seen.add(key)
            # data from a neighbour file is reported on the first layer of the file being linted
            here_path = net.origin.path if net.origin else (layer.origin.path if layer.origin else None)
            at: Origin | None = ds.origin if ds.origin.path == here_path else layer.origin
            if at is None:
                continue
            source = ds.display if ds.origin.path == at.path else f"{ds.display} ({ds.origin})"
            yield self.finding(
                at,
                low=fmt(ds.low), high=fmt(ds.high), source=source, share=f"{share:.0%}",
                activation=act.kind, model=f"{net.name!r}",
                evidence={"data": ds.display, "low": ds.low, "high": ds.high, "negative_share": share,
                          "network": net.name, "first_layer": layer.display, "activation": act.display},
                related=[(ds.origin, f"data made here: {ds.display}"),
                         (ds.fed_at, f"fed to {net.name!r} here"),
                         (layer.origin, f"first layer {layer.display}"),
                         (act.origin, f"{act.kind} after the first layer")],
            )

    @staticmethod
    def _negative_share(ds: DataSource) -> float | None:
        """Share of the known range below 0 (a point range counts as all of one sign)."""
        if ds.low is None or ds.high is None or ds.low >= 0:
            return None
        if ds.high <= 0:
            return 1.0
        if math.isinf(ds.low) or math.isinf(ds.high):  # an unbounded side: no share to speak of (inf/inf)
            return None
        return -ds.low / (ds.high - ds.low)

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        from relulint.dynamic.scale import summary_text

        s = report.inputs
        if s is None or s.min is None or s.max is None:
            return None
        share = 0.0 if s.min >= 0 else (1.0 if s.max <= 0 else -s.min / (s.max - s.min))
        first = report.relu_layers[0] if report.relu_layers else None
        dead = first.dead if first is not None else None
        text = summary_text(s) + f"; {share:.0%} of its range is below 0"
        if dead is not None:
            text += f"; {dead:.0%} of the first ReLU layer's units never fired"
        return Confirmation(share >= options["min-negative-share"], text,
                            {"min": s.min, "max": s.max, "negative_share": share, "first_layer_dead_share": dead})
