from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity
from relulint.ir import ModelIR
from relulint.rule import Confirmation, GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt, output_trained_with


class SoftmaxMse(StaticRule):
    """
    ## What it does
    Flags a softmax (or sigmoid) output layer trained with a squared-error loss (MSE, MSLE,
    `tf.squared_difference`, a hand-written `((p - y) ** 2).mean()`). When the targets are known to be
    continuous values (drawn or computed, not class labels, or min-max scaled: `(y - y.min()) /
    (y.max() - y.min())`, `MinMaxScaler`) a sigmoid + squared error is a regression onto a bounded scale:
    silent when they stay within [0, 1], RL101 when they leave it. So is an autoencoder's, whose targets
    are its own input (`loss(model(x), x)`, `fit(x, x)`).

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
    - `confirm-max-logit-grad-ratio`: `--dynamic` confirms when the logits get less than this share
      of the output's gradient (default 0.25) ...
    - `confirm-min-saturated-share`: ... or when more than this share of outputs is saturated (default 0.5).

    ## Confirmed by
    `--dynamic` measures `logit_to_output_grad`, the RMS of the gradient reaching the logits over
    the RMS of the gradient at the softmax/sigmoid output, and `saturated_share`, the share of saturated
    outputs. Confirmed when `logit_to_output_grad` is below `confirm-max-logit-grad-ratio` or
    `saturated_share` above `confirm-min-saturated-share`.

    ## Fix safety
    No fix: the remedy changes both the model's output and its loss, and relulint
    cannot tell which of the two a program relies on elsewhere. The help text says what to change.

    ## Known problems
    A squared error used on purpose on probabilities (calibration, a Brier score as the loss) is
    flagged too. Losses written by hand are recognised only in the `((p - y) ** 2).mean()` shapes.

    ## References
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL102"
    NAME = "softmax-mse"
    SEVERITY = Severity.ERROR
    MESSAGE = "{activation} output trained with squared error ({loss}): saturated outputs get almost no gradient"
    FIX_TITLE = "Train on the logits with cross-entropy (CrossEntropyLoss / categorical_crossentropy(from_logits=True))"
    OPTIONS = {"probability-activations": ["softmax", "sigmoid"], "confirm-max-logit-grad-ratio": 0.25, "confirm-min-saturated-share": 0.5}
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

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 10), nn.Softmax(dim=1)), torch.randn(2, 8), None
        """, fires=1, loss="mse"),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 10)), torch.randn(2, 8), None
        """, loss="mse"),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 10), nn.Softmax(dim=1)), torch.randn(2, 8), None
        """, loss="kl_div"),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        found = output_trained_with(ir, options["probability-activations"], lambda loss: loss.is_squared_error)
        if found is None:
            return
        out, loss = found
        if any(_leaves_unit_range(loss.targets) for loss in ir.all_losses):
            return  # a regression whose targets leave [0, 1]: RL101's bounded-output case, not a classifier
        if out.kind == "sigmoid" and all(_strictly_inside_unit_range(loss.targets) or _continuous(loss.targets)
                                         or loss.reconstruction or _reconstructs_input(ir, loss.targets)
                                         for loss in ir.all_losses):
            # targets that never reach 0 or 1, continuous values (x ** 2 over a grid, coordinates divided by
            # the image size), or the network's own input (an autoencoder) are not labels: a regression on a
            # bounded scale (one whose targets are known to leave [0, 1] is RL101's)
            return
        yield self.finding(
            out.origin, activation=out.kind, loss=loss.display,
            evidence={"activation": out.display, "loss": loss.display, "loss_kind": loss.kind},
            related=[(loss.origin, f"squared-error loss {loss.display}")],
        )

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        layer = report.output_stats
        if layer is None or layer.activation not in ("softmax", "sigmoid", "log_softmax"):
            return None
        if not layer.grad_rms or layer.input_grad_rms is None:
            return None
        ratio = layer.input_grad_rms / layer.grad_rms
        sat = layer.saturated or 0.0
        text = (f"the {layer.activation} passes {fmt(ratio)} of the output's gradient back to the logits "
                f"(RMS {fmt(layer.input_grad_rms)} vs {fmt(layer.grad_rms)}); {sat:.0%} of outputs saturated")
        ok = ratio < options["confirm-max-logit-grad-ratio"] or sat > options["confirm-min-saturated-share"]
        return Confirmation(ok, text, {"logit_to_output_grad": ratio, "saturated_share": sat})

def _strictly_inside_unit_range(targets) -> bool:
    """Known targets within [0, 1] that reach neither 0 nor 1: class labels always hit both ends."""
    if targets is None or targets.low is None or targets.high is None:
        return False
    return 0.0 <= targets.low and targets.high <= 1.0 and (targets.low > 1e-6 or targets.high < 1.0 - 1e-6)


def _continuous(targets) -> bool:
    """Continuous targets (drawn, computed or divided by a scale, not class labels): those known to leave
    [0, 1] never get here."""
    return targets is not None and targets.continuous


def _reconstructs_input(ir: ModelIR, targets) -> bool:
    """The targets are the data fed to the network, the same part of it (`loss(model(x), x)`, Keras
    `fit(x, x)`, a denoising autoencoder's clean input): reconstruction, not class labels."""
    if targets is None or targets.origin is None:
        return False
    return any(d.origin == targets.origin and d.part == targets.part for d in ir.network.inputs)


def _leaves_unit_range(targets) -> bool:
    return targets is not None and targets.low is not None and targets.high is not None and \
        (targets.low < 0.0 or targets.high > 1.0)
