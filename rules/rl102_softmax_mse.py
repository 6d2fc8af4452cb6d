from collections.abc import Iterator

from relulint.finding import Finding, Severity
from relulint.model import ModelIR
from relulint.rule import Invalid, Rule, Valid
from relulint.rules._support import output_trained_with


class SoftmaxMse(Rule):
    """
    ## What it does
    Flags a softmax (or sigmoid) output layer trained with a squared-error loss (MSE, MSLE,
    `tf.squared_difference`, a hand-written `((p - y) ** 2).mean()`).

    ## Why is this bad?
    The gradient of squared error through a softmax is the softmax Jacobian times the error; once an
    output saturates (one probability near 1) that Jacobian is ~0 and learning stalls, exactly when
    the prediction is confidently wrong. The Stack Overflow case "Tensorflow ReLu doesn't work?" (a
    ReLU conv net ending in `tf.nn.softmax`, trained with
    `tf.reduce_sum(tf.squared_difference(...))` on raw 0-255 pixels) had a constant loss and
    gradients "equal or close to 0". Cross-entropy on the logits cancels the Jacobian and keeps the
    gradient `p - y`.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
    loss_fn = nn.MSELoss()
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(784, 10))
    loss_fn = nn.CrossEntropyLoss()
    ```

    ## Options
    - `probability-activations`: output activations judged (default softmax and sigmoid).

    ## Confirmed by
    The dynamic pass: the output-layer gradient magnitude and the share of saturated rows (RL404).

    ## References
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL102"
    NAME = "softmax-mse"
    SEVERITY = Severity.ERROR
    MESSAGE = "{activation} output trained with squared error ({loss}): saturated outputs get almost no gradient"
    FIX_TITLE = "Train on the logits with cross-entropy (CrossEntropyLoss / categorical_crossentropy(from_logits=True))"
    OPTIONS = {"probability-activations": ["softmax", "sigmoid"]}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10))
            loss_fn = nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
            loss_fn = nn.BCELoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.Softmax(dim=1), nn.Linear(16, 1))
            loss_fn = nn.MSELoss()
        """),
        Valid("""
            import torch
            import torch.nn as nn
            class Reg(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return torch.tanh(self.fc(x))
            loss_fn = nn.MSELoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))  # expect: RL102
            loss_fn = nn.MSELoss()
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return F.softmax(self.fc(x), dim=1)  # expect: RL102
            def loss(p, y):
                return F.mse_loss(p, y)
        """),
        Invalid("""
            from torch import nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return self.fc(x).softmax(dim=-1)  # expect: RL102
            def loss(p, y):
                return ((p - y) ** 2).mean()
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return torch.sigmoid(self.fc(x))  # expect: RL102
            crit = torch.nn.MSELoss(reduction="sum")
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2),
                nn.Linear(64, 10),
                nn.Softmax(dim=1),  # expect: RL102
            )
            loss_fn = nn.MSELoss()
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        found = output_trained_with(ir, options["probability-activations"], lambda loss: loss.is_squared_error)
        if found is None:
            return
        out, loss = found
        if any(_leaves_unit_range(loss.targets) for loss in ir.all_losses):
            return  # a regression whose targets leave [0, 1]: RL101's bounded-output case, not a classifier
        yield self.finding(
            out.origin, activation=out.kind, loss=loss.display,
            evidence={"activation": out.display, "loss": loss.display, "loss_kind": loss.kind},
            related=[(loss.origin, f"squared-error loss {loss.display}")],
        )


def _leaves_unit_range(targets) -> bool:
    return targets is not None and targets.low is not None and targets.high is not None and \
        (targets.low < 0.0 or targets.high > 1.0)
