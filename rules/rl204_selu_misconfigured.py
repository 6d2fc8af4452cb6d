import math
from collections.abc import Iterator

from relulint.finding import Finding, Fix, Severity
from relulint.fixes import Parsed, keyword_arg, last_name, rename_func, unsafe_fix
from relulint.ir import ModelIR, Op
from relulint.rule import GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt


class SeluMisconfigured(StaticRule):
    """
    ## What it does
    Flags a SELU network whose layers are not initialised with LeCun normal
    (`lecun_normal`, `kaiming_normal_(w, nonlinearity="linear")`), or that uses ordinary `Dropout`
    instead of `AlphaDropout`.

    ## Why is this bad?
    SELU's self-normalising property (Klambauer et al. 2017) holds only when weights have mean 0 and
    variance `1 / fan_in` and when dropout keeps the mean and variance — which plain dropout's zeros
    do not (it drops to 0, not to SELU's negative saturation value). Without both, activations drift
    away from zero mean / unit variance through depth and the network loses the very property SELU
    was chosen for. "Is ReLU dead?" suggests SELU as a way out of dying ReLUs; this rule keeps that
    advice honest.

    ## Example
    ```python
    model = keras.Sequential([
        layers.Dense(64, activation="selu", input_shape=(4,)),
        layers.Dropout(0.2),
        layers.Dense(1),
    ])
    ```

    Use instead:
    ```python
    model = keras.Sequential([
        layers.Dense(64, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)),
        layers.AlphaDropout(0.2),
        layers.Dense(1),
    ])
    ```

    ## Options
    - `std-tolerance`: a normal init whose declared std, or exported weights whose measured std, is
      within this factor of LeCun's `1 / sqrt(fan_in)` counts as LeCun-initialised (default 1.5). A
      normal init whose std or fan-in cannot be worked out statically is not judged.

    ## Confirmed by
    Not confirmed by `--dynamic`: the probe does not yet compare SELU activations' mean and std
    with 0 and 1, so the finding is reported as static only.

    ## Fix safety
    Unsafe. `Dropout` -> `AlphaDropout` changes what the model computes in training. `--fix` alone
    never applies it; `--unsafe-fixes` does, and the editor offers it as a quick fix labelled unsafe.
    The init half of the rule has no fix: the help text says what to use.

    ## Known problems
    On exported graphs the initialiser is not recorded: the rule judges the measured std of each
    SELU layer's weights against LeCun's `1 / sqrt(fan_in)` instead (within a factor of 1.5 either
    way), so a trained model whose weights drifted may be flagged.

    ## References
    - [J. Jayan, "Is ReLU dead?" (dying ReLUs found with TensorBoard histograms)](https://medium.com/@jithinjayan1993/is-relu-dead-27943b50102)
    - [G. Klambauer et al., "Self-Normalizing Neural Networks" (SELU)](https://arxiv.org/abs/1706.02515)
    """

    CODE = "RL204"
    NAME = "selu-misconfigured"
    SEVERITY = Severity.WARNING
    MESSAGE = "{problem}"
    FIX_TITLE = "{remedy}"
    OPTIONS = {"std-tolerance": 1.5}
    PASSES = frozenset({"source", "graph"})

    VALID = [
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.AlphaDropout(0.1), nn.Linear(16, 1))
            for m in model:
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
        """),
        Valid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.Linear(16, 16), nn.SELU(), nn.Linear(16, 1))
            model.apply(init)
        """),
        Valid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    self.drop = nn.Dropout(0.5)
                def forward(self, x):
                    return self.drop(F.elu(self.fc(x)))
        """),
        Valid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 1))
        """),
        Valid("""
            import math
            import torch.nn as nn
            class SNN(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(64, 128)
                    self.act = nn.SELU()
                    self.fc2 = nn.Linear(128, 1)
                    nn.init.normal_(self.fc1.weight, 0.0, 1.0 / math.sqrt(64))
                def forward(self, x):
                    return self.fc2(self.act(self.fc1(x)))
        """),
        Valid("""
            import torch.nn as nn
            layer = nn.Linear(100, 100)
            nn.init.normal_(layer.weight, std=0.1)
            model = nn.Sequential(layer, nn.SELU(), nn.Linear(100, 1))
        """),
    ]
    INVALID = [
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(
                nn.Linear(8, 16),  # expect: RL204
                nn.SELU(),
                nn.Linear(16, 1),
            )
        """),
        Invalid("""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.Dropout(0.2), nn.Linear(16, 1))  # expect: RL204
            model.apply(init)
        """, fixed="""
            import torch.nn as nn
            def init(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
            model = nn.Sequential(nn.Linear(8, 16), nn.SELU(), nn.AlphaDropout(0.2), nn.Linear(16, 1))
            model.apply(init)
        """),
        Invalid("""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    nn.init.xavier_uniform_(self.fc.weight)  # expect: RL204
                def forward(self, x):
                    return F.selu(self.fc(x))
        """),
        Invalid("""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 16)
                    nn.init.kaiming_normal_(self.fc.weight, nonlinearity="linear")
                def forward(self, x):
                    x = torch.selu(self.fc(x))
                    return F.dropout(x, 0.2)  # expect: RL204
        """),
        Invalid("""
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.act = nn.SELU()
                    self.fc2 = nn.Linear(16, 1)
                    nn.init.kaiming_normal_(self.fc1.weight)  # expect: RL204
                def forward(self, x):
                    return self.fc2(self.act(self.fc1(x)))
        """),
        Invalid("""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="selu", kernel_initializer="lecun_normal"),
                keras.layers.Dropout(0.2),  # expect: RL204
                keras.layers.Dense(1),
            ])
        """, fixed="""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(64, activation="selu", kernel_initializer="lecun_normal"),
                keras.layers.AlphaDropout(0.2),
                keras.layers.Dense(1),
            ])
        """),
        Invalid("""
            import torch.nn as nn
            layer = nn.Linear(64, 64)
            nn.init.normal_(layer.weight, 0.0, 0.5)  # expect: RL204
            model = nn.Sequential(layer, nn.SELU(), nn.Linear(64, 1))
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(64, 64), nn.SELU(), nn.Linear(64, 1))
                return model, torch.randn(2, 64), None
        """, fires=1),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(64, 64), nn.SELU(), nn.Linear(64, 1))
                nn.init.kaiming_normal_(model[0].weight, nonlinearity="linear")
                return model, torch.randn(2, 64), None
        """),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                model = nn.Sequential(nn.Linear(64, 64), nn.SELU(), nn.Linear(64, 64), nn.SELU(), nn.Linear(64, 1))
                for i in (0, 2):
                    nn.init.normal_(model[i].weight, 0.0, 0.125)  # exactly LeCun: 1 / sqrt(64)
                return model, torch.randn(2, 64), None
        """),
    ]

    def fix(self, f: Finding, p: Parsed) -> Fix | None:
        """Plain dropout next to SELU -> AlphaDropout (same rate)."""
        if "dropout" not in f.evidence:
            return None  # the init half of RL204 has no single right rewrite: help text only
        for call in p.calls_at(f.origin):
            twin = _ALPHA.get(last_name(call.func))
            q = p.qname(call.func)
            if twin is not None and (q.startswith(("torch.", "keras.")) or not q):
                # F.alpha_dropout defaults to training=False where F.dropout defaults to True: a
                # functional call needs the caller's training flag passed on
                if twin == "alpha_dropout" and keyword_arg(call, "training") is None:
                    return None
                return unsafe_fix(f"Replace {last_name(call.func)} with {twin}", rename_func(p, call, twin))
        return None

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        net = ir.network
        selu_layers = [(i, op) for i, op, _ in net.iter_activated_affines(lambda a: a.kind == "selu")]
        if not selu_layers:
            return
        for _, op in selu_layers:
            init = op.weight_init
            if op.weight_stats is not None:  # a graph: no initialiser, the weights themselves
                yield from self._judge_weights(op, options)
                continue
            if init is None or op.init_location is None or _is_lecun_normal(init, op.fan_in, options):
                continue
            yield self.finding(
                op.init_location,
                problem=f"SELU layer initialised with {init.display}: self-normalisation needs lecun_normal "
                        "(mean 0, variance 1/fan_in)",
                remedy="Use kernel_initializer='lecun_normal' / nn.init.kaiming_normal_(w, nonlinearity='linear')",
                evidence={"init": init.display, "scheme": str(init.scheme) if init.scheme else None,
                          "distribution": init.distribution},
                related=[(op.origin, f"layer {op.display}")],
            )
        for op in map(net.ops.__getitem__, net.indices_of_kind("dropout")):
            if op.origin is not None:
                yield self.finding(
                    op.origin,
                    problem=f"{op.display} in a SELU network: plain dropout breaks self-normalisation",
                    remedy="Use AlphaDropout next to SELU",
                    evidence={"dropout": op.display},
                )


    def _judge_weights(self, op: Op, options: dict) -> Iterator[Finding]:
        """Graph weights: their measured std against LeCun's 1 / sqrt(fan_in)."""
        stats = op.weight_stats
        if not op.fan_in or stats is None or stats.std <= 0 or op.init_location is None:
            return
        lecun = 1.0 / math.sqrt(op.fan_in)
        ratio = stats.std / lecun
        tolerance = float(options["std-tolerance"])
        if 1 / tolerance <= ratio <= tolerance:
            return
        yield self.finding(
            op.init_location,
            problem=f"SELU layer {op.display} has weights with std {fmt(stats.std)}, {fmt(ratio)}x LeCun's "
                    f"1/sqrt({op.fan_in}) = {fmt(lecun)}: self-normalisation needs variance 1/fan_in",
            remedy="Initialise the SELU layers with lecun_normal before exporting",
            evidence={"weight_std": stats.std, "lecun_std": lecun, "ratio_to_lecun": ratio, "fan_in": op.fan_in},
        )


def _is_lecun_normal(init, fan_in: int | None, options: dict) -> bool:
    """std = sqrt(1 / fan_in) from a (truncated) normal: a LeCun scheme, or a hand-written std such as
    `normal_(w, 0, 1 / math.sqrt(fan_in))`. A normal whose mean, std or fan-in is not known statically
    gets the benefit of the doubt: a wrong finding here comes with a fix that rewrites the init."""
    if init.distribution not in ("normal", "truncated_normal"):
        return False
    if init.scheme is not None:
        return init.scheme.is_lecun
    if init.mean is None or init.std is None or not fan_in:
        return True
    if abs(init.mean) > 1e-6 or init.std <= 0:
        return False
    tolerance = float(options["std-tolerance"])
    return 1 / tolerance <= init.std * math.sqrt(fan_in) <= tolerance


_ALPHA = {"Dropout": "AlphaDropout", "dropout": "alpha_dropout"}
