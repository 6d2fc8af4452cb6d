from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Severity
from relulint.rule import Invalid, ProbeHit, ProbeRule, Valid, after_steps


class SaturatedOutput(ProbeRule):
    """
    ## What it does
    Runs one real batch through the model (`relulint --dynamic`) and flags a softmax or sigmoid
    output that is saturated on more than half of the batch: softmax rows whose top probability
    exceeds 0.99, sigmoid outputs within 1e-3 of 0 or 1.

    ## Why is this bad?
    A saturated softmax/sigmoid has a derivative near 0: the error signal is multiplied by it before
    it reaches the logits, so a confidently wrong network cannot correct itself. It is the symptom
    of logits that are far too large (unnormalised inputs, wide inits; "Tensorflow ReLu doesn't
    work?", where raw pixels and a positive-mean init fed a softmax trained with squared error and
    the loss never moved), and with squared-error losses (RL102) there is no log to undo it.
    Thresholds: a node counts as saturated at the bounds named above (SageMaker Debugger and
    DeepDiagnosis use input bounds of the same order for sigmoid/tanh) and the layer is flagged
    above 50% of its outputs, the layer threshold of SageMaker Debugger and TheDeepChecker (see
    References).

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))
    x = images.float()                    # raw 0-255 pixels: logits in the hundreds
    ```

    Use instead:
    ```python
    model = nn.Sequential(nn.Linear(784, 10))         # logits, with nn.CrossEntropyLoss
    x = images.float() / 255.0
    ```

    ## Options
    - `max-saturated-share`: flag above this share of saturated rows/outputs (default 0.5).

    ## Relation to static rules
    RL102 (softmax/sigmoid with squared error) predicts saturation; its confirmation
    measures the same saturated share.

    ## Fix safety
    No fix: a measurement is not a source location to rewrite. The help text says what to change.

    ## Known problems
    The figures are those of one batch (or of the first `--steps` updates) in the mode the probe ran;
    a layer that only dies later in training is not seen.

    ## References
    - [Stack Overflow, "Tensorflow ReLu doesn't work?"](https://stackoverflow.com/search?q=%22Tensorflow+ReLu+doesn%27t+work%22)
    - [Amazon SageMaker Debugger, built-in rules](https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-built-in-rules.html)
    - [H. Ben Braiek, F. Khomh, "Testing Feedforward Neural Networks Training Programs" (TheDeepChecker)](https://arxiv.org/abs/2204.00694)
    """

    CODE = "RL404"
    NAME = "saturated-output"
    SEVERITY = Severity.WARNING
    MESSAGE = "{share} of the {activation} outputs of {layer} are saturated on this batch ({criterion}): their gradient is ~0{when}"
    FIX_TITLE = "Output logits and use a loss that applies the activation itself (CrossEntropyLoss / BCEWithLogitsLoss); normalise inputs"
    OPTIONS = {"max-saturated-share": 0.5}
    PASSES = frozenset({"dynamic"})

    VALID = [
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10), nn.Softmax(dim=1))
                return model, torch.randn(32, 16)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())
                return model, torch.randn(32, 16), torch.rand(32, 1).round(), nn.BCELoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                fc = nn.Linear(16, 10)
                nn.init.normal_(fc.weight, 0.0, 10.0)
                return nn.Sequential(fc), torch.randn(32, 16), torch.randint(0, 10, (32,)), nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            class Attn(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.q = nn.Linear(8, 8)
                    self.out = nn.Linear(8, 2)
                def forward(self, x):
                    w = torch.softmax(self.q(x) * 100.0, dim=-1)
                    return self.out(w * x)
            def relulint_batch():
                torch.manual_seed(0)
                return Attn(), torch.randn(16, 8)
        """),
        Valid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 3)
                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.randn(16, 4), torch.randint(0, 3, (16,)), nn.NLLLoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))  # expect: RL404
                return model, torch.randint(0, 256, (32, 784)).float()
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                fc = nn.Linear(16, 1)
                nn.init.constant_(fc.bias, 20.0)
                model = nn.Sequential(fc, nn.Sigmoid())  # expect: RL404
                return model, torch.randn(32, 16), torch.rand(32, 1).round(), nn.BCELoss()
        """),
        Invalid("""
            import torch, torch.nn as nn, torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32, 5)
                    nn.init.normal_(self.fc.weight, 0.0, 5.0)
                def forward(self, x):
                    return F.softmax(self.fc(x), dim=1)  # expect: RL404
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.randn(16, 32)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(64, 4)
                    nn.init.normal_(self.fc.weight, 0.0, 3.0)
                def forward(self, x):
                    return torch.log_softmax(self.fc(x), dim=-1)  # expect: RL404
            def relulint_batch():
                torch.manual_seed(0)
                return Net(), torch.randn(16, 64), torch.randint(0, 4, (16,)), nn.NLLLoss()
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(100, 1)
                    nn.init.constant_(self.fc.weight, 1.0)
                def forward(self, x):
                    return self.fc(x).sigmoid()  # expect: RL404
            def relulint_batch():
                return Net(), torch.rand(8, 100)
        """),
    ]

    def check(self, report: ProbeReport, options: dict) -> Iterator[ProbeHit]:
        layer = report.output_stats
        if layer is None or layer.saturated is None:
            return
        if layer.saturated > options["max-saturated-share"]:
            criterion = "top probability > 0.99" if layer.activation in ("softmax", "log_softmax") \
                else "within 1e-3 of 0 or 1"
            when = after_steps(report.step)
            yield layer.key, {
                "share": f"{layer.saturated:.0%}", "activation": layer.activation, "layer": layer.label,
                "criterion": criterion, "when": when,
            }, {"saturated_share": layer.saturated, "logit_grad_rms": layer.input_grad_rms,
                "output_grad_rms": layer.grad_rms, "step": report.step}
