from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import DataSource, ModelIR, Origin
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt

_LINEAR_KINDS = frozenset({"affine", "shape", "dropout", "alpha_dropout"})


def _linear_regressions(irs: list[ModelIR]) -> set[int]:
    """The first layers (by id) of linear regressions: networks with no nonlinearity at all (affine layers,
    reshapes, dropout) in any of their readings (the network, and each loss call's path through it), trained
    only with regression losses. Nothing in them saturates or dies, so the input's scale is not this rule's."""
    losses: dict[int, list] = {}
    nonlinear: set[int] = set()
    for ir in irs:
        first = ir.network.first_affine()
        if first is None:
            continue
        key = id(first[1])
        losses.setdefault(key, []).extend(ir.all_losses)
        if not all(op.kind in _LINEAR_KINDS and (op.activation is None or op.activation.kind == "linear")
                   for op in ir.network.ops):
            nonlinear.add(key)
    return {key for key, found in losses.items()
            if key not in nonlinear and found and all(loss.is_regression for loss in found)}


class MissingInputNormalization(StaticRule):
    """
    ## What it does
    Flags raw large-scale data (uint8 pixels, or values beyond +-10) that reaches a network's first
    layer with no scaling or normalisation on the way: no `x / 255`, `ToTensor()`, `Normalize`,
    `Rescaling`, scaler, or scale/norm layer at the start of the network.

    Tabular data read from a file (`pd.read_csv`, `np.loadtxt`, `np.genfromtxt`) has no range the
    source pass can know: when it reaches the first layer with no scaling step anywhere on its path
    (no scaler or pipeline, no `preprocessing.scale`, no `(x - mean) / std`, no division by a constant,
    no adapted `Normalization` or BatchNorm first layer) it is reported as "no scaling seen (range
    unknown)"; `--dynamic` then measures each column's scale. A Keras `Normalization` layer that is never
    `adapt()`-ed and is given no `mean` / `variance` passes the data through unchanged: the finding
    is reported on that layer. A linear regression (affine layers with no activation, trained only with
    regression losses) is not judged: nothing in it saturates or dies.

    ## Why is this bad?
    Pre-activations grow with the input scale: with pixels in [0, 255] the first layer's outputs are
    ~100x larger than the initialiser was designed for, and the scale carries through every ReLU
    layer. A softmax on top saturates (its gradient is ~0, the loss stays flat), a large negative
    pre-activation kills a ReLU unit for good, and one large gradient step can push whole layers
    into the dead region. "Tensorflow ReLu doesn't work?" (a ReLU conv net with a constant loss,
    fixed by multiplying the input by 1/255) is this bug.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model.fit(x_train, y_train)
    ```

    Use instead:
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model.fit(x_train / 255.0, y_train)
    ```

    ## Options
    - `max-abs-value`: inputs whose known range exceeds this magnitude count as unscaled.

    ## Confirmed by
    `--dynamic` measures the input batch's `dtype`, `min`, `max`, `mean` and `std`, and for tabular
    data each column's `feature_rms`. Confirmed when the batch is uint8, when a tabular column's RMS
    exceeds `max-abs-value`, or when other data's largest magnitude does. Integer batches other than
    uint8 (token ids into an Embedding) are not judged.

    ## Fix safety
    No fix: where to scale (in the dataset, the transform, or the model) is the user's
    choice, and any scaling changes what the model computes. The help text says what to change.

    ## Known problems
    Data that goes through a function the source pass cannot read (an installed package's
    preprocessing helper) is no longer known, so it is not reported, scaled or not.

    ## References
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL301"
    NAME = "missing-input-normalization"
    SEVERITY = Severity.WARNING
    MESSAGE = "{what} from {source} reaches {model} without scaling or normalisation"
    FIX_TITLE = "Scale the input to about [0, 1] or zero mean / unit variance: x / 255.0, transforms.ToTensor(), Rescaling(1/255), or (x - mean) / std"
    OPTIONS = {"max-abs-value": 10.0}

    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch
            import torch.nn as nn
            from torchvision import datasets
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            x = datasets.MNIST("data", download=True).data.float() / 255.0
            logits = model(x)
        """),
        Valid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms
            tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
            loader = DataLoader(datasets.MNIST("data", transform=tf), batch_size=64)
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            for xb, yb in loader:
                out = model(xb)
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            from sklearn.preprocessing import StandardScaler
            x = np.random.uniform(0, 1000, size=(500, 4))
            x = StandardScaler().fit_transform(x)
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
            pred = model(torch.tensor(x, dtype=torch.float32))
        """),
        Valid("""
            import numpy as np
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
                def forward(self, x):
                    x = x.float() / 255.0
                    return self.fc(x)
            imgs = np.random.randint(0, 256, size=(8, 4), dtype=np.uint8)
            out = Net()(torch.from_numpy(imgs))
        """),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 8), nn.ReLU())
            x = torch.tensor([[3., 211., 123., 78.]])
            h = model(x)
        """),
        Valid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            x = torch.tensor([[0.3, 0.1, -0.2, 0.7]])
            h = model(x)
        """),
        Valid("""
            import torch.nn as nn
            from model_def import make_batch
            model = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
            h = model(make_batch())
        """),
    ]
    INVALID = [
        Invalid("""
            import torch
            import torch.nn as nn
            from torchvision import datasets
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            x = datasets.MNIST("data", download=True).data.float()  # expect: RL301
            logits = model(x)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(4, 4), nn.LeakyReLU(), nn.Linear(4, 4), nn.Softmax(dim=1))
            x = torch.tensor([[3., 211., 123., 78.]])  # expect: RL301
            y = model(x)
        """),
        Invalid("""
            import numpy as np
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 2)
                def forward(self, x):
                    return self.fc(x.float())
            imgs = np.random.randint(0, 256, size=(8, 4), dtype=np.uint8)  # expect: RL301
            out = Net()(torch.from_numpy(imgs))
        """),
        Invalid("""
            import torch.nn as nn
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms
            ds = datasets.CIFAR10("data", transform=transforms.Compose([transforms.PILToTensor()]))  # expect: RL301
            model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
            for i, (xb, yb) in enumerate(DataLoader(ds, batch_size=32)):
                out = model(xb.float())
        """),
        Invalid("""
            import cv2
            import numpy as np
            import torch
            import torch.nn as nn
            model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
            batch = np.stack([cv2.imread(p) for p in ["a.png", "b.png"]])  # expect: RL301
            logits = model(torch.from_numpy(batch).float())
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)  # expect: RL301
                def forward(self, x):
                    return self.fc(x)
        """, files=(("train.py", '''
import torch
from torchvision import datasets
from model import Net
net = Net()
x = datasets.MNIST("data").data.view(-1, 784).float()
out = net(x)
'''),)),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), torch.rand(2, 4), (0.0, 255.0)
        """, fires=1),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), torch.rand(2, 4), (0.0, 1.0)
        """),
        GraphCase("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 8)
                    self.out = nn.Linear(8, 1)
                def forward(self, x):
                    return self.out(torch.relu(self.fc(x / 255.0)))
            def relulint_graph():
                torch.manual_seed(0)
                return Net(), torch.rand(2, 4), (0.0, 255.0)
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        net = ir.network
        first = net.first_affine()
        if first is None or net.scales_input():
            return
        # a Keras Normalization never adapt()-ed and given no mean / variance passes data unchanged
        inert = next((op for op in net.ops[:first[0]] if op.inert and op.origin is not None), None)
        raw: dict[tuple, DataSource] = {}
        for ds in ir.data:
            if self._raw(ds, options["max-abs-value"]) and ds.origin is not None:
                raw.setdefault((ds.origin.path, ds.origin.line, ds.origin.col), ds)
        # one finding per network: the data made first (the training set, before the test set or a sample
        # predicted at the end); the other raw sources are named with it
        layer = first[1]
        here_path = net.origin.path if net.origin else (layer.origin.path if layer.origin else None)
        found = sorted(raw.values(), key=lambda d: (d.origin.path != here_path, d.origin.path, d.origin.line,
                                                    d.origin.col))
        for ds in found[:1]:
            # Report where the data is made when that is in the network's file; data from a
            # neighbour (train.py) is reported on the first layer of the file being linted, so the
            # finding belongs to the file that was asked for and can be suppressed there.
            at: Origin | None = ds.origin if ds.origin.path == here_path else layer.origin
            if inert is not None:
                at = inert.origin
            if at is None:
                continue
            what = "uint8 data" if ds.dtype == "uint8" else \
                "tabular data with no scaling seen (range unknown)" if ds.tabular else "unscaled data"
            if ds.low is not None and ds.high is not None:
                what += f" in [{fmt(ds.low)}, {fmt(ds.high)}]"
            if inert is not None:
                what += f" (the {inert.display} layer is never adapt()-ed and has no mean / variance)"
            source = ds.display if ds.origin.path == at.path else f"{ds.display} ({ds.origin})"
            yield self.finding(
                at,
                what=what,
                source=source,
                model=f"{net.name!r}",
                evidence={"data": ds.display, "low": ds.low, "high": ds.high, "dtype": ds.dtype,
                          "network": net.name, "first_layer": layer.display},
                related=[(ds.origin, f"data made here: {ds.display}"),
                         (ds.fed_at, f"fed to {net.name!r} here"),
                         (layer.origin, f"first layer {layer.display}")] +
                        [(d.origin, f"also unscaled: {d.display}") for d in found[1:4]],
            )

    def check_module(self, irs: list[ModelIR], options: dict) -> Iterator[Finding]:
        linear = _linear_regressions(irs)
        for ir in irs:
            first = ir.network.first_affine()
            if first is None or id(first[1]) not in linear:
                yield from self.check(ir, options)

    @staticmethod
    def _raw(ds: DataSource, limit: float) -> bool:
        if ds.scaled:
            return False
        if ds.dtype == "uint8" or ds.tabular:
            return True
        return ds.low is not None and ds.high is not None and max(abs(ds.low), abs(ds.high)) > limit

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        from relulint.dynamic.scale import input_scale

        verdict = input_scale(report, float(options["max-abs-value"]))
        if verdict is None:  # no batch, or token / class indices into an Embedding
            return None
        return Confirmation(verdict.raw, verdict.text, dict(verdict.numbers))
