from collections.abc import Iterator

from relulint.finding import Finding, Severity
from relulint.model import ModelIR
from relulint.rule import Invalid, Rule, Valid


class ActivationLossMismatch(Rule):
    """
    ## What it does
    Flags an output activation that does not match what the loss expects: a softmax before a loss
    that applies its own softmax (`nn.CrossEntropyLoss`, `tf.nn.softmax_cross_entropy_with_logits`,
    Keras `from_logits=True`), a sigmoid before `BCEWithLogitsLoss`, or raw logits fed to a loss
    that wants probabilities (`nn.BCELoss`, Keras crossentropy with the default `from_logits=False`).

    A `log_softmax` before a softmax cross-entropy is not flagged: softmax(log_softmax(z)) equals
    softmax(z), so the loss and its gradient are unchanged; the model only computes the
    normalisation twice.

    ## Why is this bad?
    A double softmax squashes the logits into [0, 1] before the loss's own softmax: the loss can never
    fall below ~log(C) - 1 and its gradient shrinks by the softmax Jacobian, so training crawls or
    stalls. Logits given to a probability loss are clipped into (0, 1) by the framework, which
    silently destroys the gradient for every out-of-range value.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
    loss_fn = nn.CrossEntropyLoss()
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(784, 10))
    loss_fn = nn.CrossEntropyLoss()
    ```

    ## Confirmed by
    The dynamic pass: the initial loss compared with log(C) and the output gradient magnitude.

    ## References
    - [PyTorch, CrossEntropyLoss: the input is expected to contain unnormalized logits](https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html)
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    """

    CODE = "RL103"
    NAME = "activation-loss-mismatch"
    SEVERITY = Severity.ERROR
    MESSAGE = "{problem}"
    FIX_TITLE = "{remedy}"
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10))
            loss_fn = nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10), nn.LogSoftmax(dim=1))
            loss_fn = nn.NLLLoss()
        """),
        Valid("""
            import torch
            import torch.nn.functional as F
            from torch import nn
            net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
            loss = F.cross_entropy(F.log_softmax(net(torch.randn(3, 20)), dim=1), torch.tensor([0, 4, 9]))
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
            loss_fn = nn.BCELoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCEWithLogitsLoss()
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
        """),
    ]
    INVALID = [
        Invalid("""
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 784])
            labels = tf.placeholder(tf.float32, [None, 10])
            logits = tf.layers.dense(tf.layers.dense(x, 128, activation=tf.nn.relu), 10)
            xent = tf.reduce_mean(-tf.reduce_sum(labels * tf.log(logits), axis=1))  # expect: RL103
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))  # expect: RL103
            loss_fn = nn.CrossEntropyLoss()
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return F.softmax(self.fc(x), dim=1)  # expect: RL103
            def step(model, x, y):
                return F.cross_entropy(model(x), y)
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return torch.sigmoid(self.fc(x))  # expect: RL103
            crit = nn.BCEWithLogitsLoss()
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCELoss()  # expect: RL103
        """),
        Invalid("""
            from torch import nn
            model = nn.Sequential(nn.Linear(784, 10))
            loss_fn = nn.NLLLoss()  # expect: RL103
        """),
    ]

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        loss = ir.loss
        if loss is None or not ir.network.affine_indices():
            return
        out = ir.network.output_activation()
        kind = out.kind if out is not None else "linear"
        expects = loss.expects
        problem = remedy = None
        at = out.origin if out is not None else None
        # log_softmax is harmless before a softmax cross-entropy (softmax is shift-invariant), not
        # before a sigmoid loss
        harmless = kind == "log_softmax" and loss.kind in _SOFTMAX_LOSSES
        if expects == "logits" and kind in ("softmax", "sigmoid", "log_softmax") and not harmless:
            problem = f"{kind} output fed to {loss.display}, which expects logits and applies its own normalisation"
            remedy = f"Remove the final {kind} (the loss applies it)"
        elif expects == "probabilities" and kind in ("linear", "relu", "leaky_relu", "log_softmax"):
            problem = f"{loss.display} expects probabilities but the model outputs {_describe(kind)}"
            remedy = "Use the logits variant of the loss (BCEWithLogitsLoss / from_logits=True) or add the output activation"
            at = loss.origin
        elif expects == "log_probabilities" and kind != "log_softmax":
            problem = f"{loss.display} expects log-probabilities but the model outputs {_describe(kind)}"
            remedy = "Add log_softmax to the output, or use CrossEntropyLoss on the logits"
            at = loss.origin
        if problem is None or at is None:
            return
        yield self.finding(
            at, problem=problem, remedy=remedy,
            evidence={"output_activation": kind, "loss": loss.display, "loss_expects": expects},
            related=[(loss.origin, f"loss {loss.display}"), (out.origin if out else ir.network.origin, "model output")],
        )


_SOFTMAX_LOSSES = frozenset({"cross_entropy", "categorical_crossentropy"})


def _describe(kind: str) -> str:
    return "raw logits" if kind == "linear" else f"{kind} values"
