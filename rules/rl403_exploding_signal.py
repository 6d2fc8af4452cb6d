import math
from collections.abc import Iterator

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Severity
from relulint.rule import Invalid, ProbeHit, ProbeRule, Valid, after_steps
from relulint.rules._support import fmt


class ExplodingSignal(ProbeRule):
    """
    ## What it does
    Runs one real batch forward and backward (`relulint --dynamic`) and flags a signal orders of
    magnitude too large: a NaN/inf anywhere (loss, activations, gradients); a weighted layer that
    multiplies the RMS of its input by more than 10 *and* outputs activations with RMS above 10;
    or a first-layer weight gradient more than 70x the last layer's.

    ## Why is this bad?
    He init keeps a ReLU layer's output RMS about `sqrt(2)` times its input's, so a gain above 10 is
    an init about 7x too wide ("CNN training converges at a vector of zeros": `stddev=0.1` at fan-in
    38400 is ~14x He and its output layer settled at 0 with the loss stuck above 40000; the RL201
    cases: positive-mean inits whose activations grow with the fan-in). Large activations make the
    loss and the gradient steps huge, saturate whatever follows, and end in NaN. Thresholds (see
    References): non-finite values always (SageMaker Debugger's ExplodingTensor, DeepDiagnosis); RMS
    >= 10 is AUTOTRAINER's "mean |a| >= 10" abnormal-activation bound, required together with the
    gain so a tiny input followed by a bias is not mistaken for an explosion; the 70x first/last
    gradient ratio is AUTOTRAINER's exploding-gradient rule.

    ## Example
    ```python
    fc = nn.Linear(512, 512)
    nn.init.normal_(fc.weight, 0.0, 1.0)      # std 1 at fan-in 512: gain ~22
    ```

    Use instead:
    ```python
    nn.init.kaiming_normal_(fc.weight, nonlinearity="relu")   # std sqrt(2/512)
    ```

    ## Options
    - `max-layer-gain`: flag a layer whose output RMS exceeds its input RMS by this factor (default 10).
    - `min-rms`: ... and whose output RMS is at least this (default 10).
    - `max-grad-ratio`: flag when `||dL/dW_first|| / ||dL/dW_last||` exceeds this (default 70).

    ## Relation to static rules
    RL203 (init scale far above He) and RL201 (positive-mean init) predict a growing
    signal; their confirmation measures the same layer gain.

    ## Fix safety
    No fix: a measurement is not a source location to rewrite. The help text says what to change.

    ## Known problems
    The figures are those of one batch (or of the first `--steps` updates) in the mode the probe ran;
    a layer that only dies later in training is not seen.

    ## References
    - [Stack Overflow, "Tensorflow: CNN training converges at a vector of zeros"](https://stackoverflow.com/questions/49528692)
    - [Amazon SageMaker Debugger, built-in rules](https://docs.aws.amazon.com/sagemaker/latest/dg/debugger-built-in-rules.html)
    - [X. Zhang et al., AUTOTRAINER, "An Automated Monitoring and Repairing System for DNN Training"](https://doi.org/10.1109/TDSC.2024.3450951)
    """

    CODE = "RL403"
    NAME = "exploding-signal"
    SEVERITY = Severity.WARNING
    MESSAGE = "{what} on this batch: {detail}{when}"
    FIX_TITLE = "Scale the init to the fan-in (He/Xavier), normalise the inputs, clip gradients"
    OPTIONS = {"max-layer-gain": 10.0, "min-rms": 10.0, "max-grad-ratio": 70.0}
    PASSES = frozenset({"dynamic"})

    VALID = [
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                layers = []
                for _ in range(4):
                    lin = nn.Linear(64, 64)
                    nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
                    layers += [lin, nn.ReLU()]
                return nn.Sequential(*layers, nn.Linear(64, 1)), torch.randn(32, 64), torch.randn(32, 1), nn.MSELoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 6 * 6, 10))
                return model, torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,)), nn.CrossEntropyLoss()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
                for m in model:
                    if isinstance(m, nn.Linear):
                        nn.init.xavier_normal_(m.weight)
                        nn.init.constant_(m.bias, 0.1)
                x = 2 * torch.rand(64, 1) - 1
                return model, x, x, lambda out, t: ((t - 2 * out) ** 2).sum()
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 1))
                return model, torch.randn(32, 16)
        """),
        Valid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(128, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 4))
                return model, torch.randn(32, 128), torch.randint(0, 4, (32,)), nn.CrossEntropyLoss()
        """),
    ]
    INVALID = [
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                wide = nn.Linear(512, 256)  # expect: RL403
                nn.init.normal_(wide.weight, 0.0, 1.0)
                model = nn.Sequential(wide, nn.ReLU(), nn.Linear(256, 1))
                return model, torch.randn(32, 512), torch.randn(32, 1), nn.MSELoss()
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                fc = nn.Linear(1000, 64)  # expect: RL403
                nn.init.uniform_(fc.weight, 0.0, 1.0)
                model = nn.Sequential(fc, nn.ReLU(), nn.Linear(64, 1))
                return model, torch.rand(16, 1000)
        """),
        Invalid("""
            import torch, torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 8)  # expect: RL403
                    self.out = nn.Linear(8, 1)
                    with torch.no_grad():
                        self.fc.weight[0, 0] = float("inf")
                def forward(self, x):
                    return self.out(torch.relu(self.fc(x)))
            def relulint_batch():
                return Net(), torch.rand(4, 8)
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                conv = nn.Conv2d(64, 64, 3, padding=1)  # expect: RL403
                nn.init.normal_(conv.weight, 0.0, 1.0)
                model = nn.Sequential(conv, nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2))
                return model, torch.randn(4, 64, 8, 8), torch.randint(0, 2, (4,)), nn.CrossEntropyLoss()
        """),
        Invalid("""
            import torch, torch.nn as nn
            def relulint_batch():
                torch.manual_seed(0)
                first = nn.Linear(8, 16)  # expect: RL403
                model = nn.Sequential(first, nn.ReLU(), nn.Linear(16, 1))
                log_loss = lambda out, t: torch.log(out - t).mean()  # NaN: the log of negative numbers
                return model, torch.randn(16, 8), torch.full((16, 1), 10.0), log_loss
        """),
    ]

    def check(self, report: ProbeReport, options: dict) -> Iterator[ProbeHit]:
        when = after_steps(report.step)
        bad = report.nonfinite_where()
        if bad:
            first = next((layer for layer in report.layers if layer.nonfinite), None)
            at = first.key if first else (report.affine_layers[0].key if report.affine_layers else None)
            yield at, {"what": "non-finite values (NaN/inf)", "detail": ", ".join(bad[:4]) +
                       (f" and {len(bad) - 4} more" if len(bad) > 4 else ""), "when": when}, \
                {"nonfinite": bad, "loss": report.loss, "step": report.step}
            return
        for layer in report.layers:
            gain = layer.gain
            if layer.kind != "affine" or gain is None or layer.rms is None:
                continue
            if gain > options["max-layer-gain"] and layer.rms >= options["min-rms"]:
                yield layer.key, {
                    "what": f"activations of {layer.label} explode",
                    "detail": f"output RMS {fmt(layer.rms)} is {fmt(gain)}x its input's (He init keeps ~1.4x)",
                    "when": when,
                }, {"gain": gain, "rms": layer.rms, "in_rms": layer.in_rms, "max_abs": layer.max_abs,
                    "step": report.step}
                return  # the first exploding layer is the cause; later ones inherit it
        layers = report.affine_layers
        if report.gradients and len(layers) >= 2 and layers[-1].weight_grad_norm:
            ratio = layers[0].weight_grad_norm / layers[-1].weight_grad_norm
            if ratio > options["max-grad-ratio"]:
                yield layers[0].key, {
                    "what": f"the gradient of {layers[0].label} explodes",
                    "detail": f"{fmt(layers[0].weight_grad_norm)} is {fmt(ratio)}x the last layer's "
                              f"({fmt(layers[-1].weight_grad_norm)})",
                    "when": when,
                }, {"grad_ratio": ratio, "first_grad_norm": layers[0].weight_grad_norm,
                    "last_grad_norm": layers[-1].weight_grad_norm, "step": report.step,
                    "loss": report.loss if report.loss is not None and math.isfinite(report.loss) else None}
