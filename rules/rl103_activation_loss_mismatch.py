from collections.abc import Iterator

import libcst as cst

from relulint.finding import Finding, Fix, Severity
from relulint.fixes import (
    Parsed,
    applies_activation,
    keyword_arg,
    last_name,
    remove_activation,
    rename_func,
    unsafe_fix,
)
from relulint.ir import ModelIR
from relulint.knowledge import activation_info
from relulint.rule import GraphCase, Invalid, StaticRule, Valid
from relulint.rules._support import fmt


class ActivationLossMismatch(StaticRule):
    """
    ## What it does
    Flags an output activation that does not match what the loss expects: a softmax before a loss
    that applies its own softmax (`nn.CrossEntropyLoss`, `tf.nn.softmax_cross_entropy_with_logits`,
    Keras `from_logits=True`), a sigmoid before `BCEWithLogitsLoss`, or raw logits fed to a loss
    that wants probabilities (`nn.BCELoss`, Keras crossentropy with the default `from_logits=False`),
    or anything but log-probabilities fed to a loss that wants them (`nn.NLLLoss`, and PyTorch's
    `nn.KLDivLoss` / `F.kl_div`, whose input is log-probabilities while its target is probabilities).

    A ReLU (ReLU6, hard sigmoid) on the output of a model trained with a logits loss, or between the
    last layer and a final softmax / log_softmax, is flagged too: it cuts every negative logit to 0.

    It also flags a single output unit under a softmax: a softmax output activation over one unit
    (`Dense(1, activation="softmax")`), or a loss that normalises over the classes (`CrossEntropyLoss`,
    `NLLLoss`, Keras (sparse) categorical crossentropy) given a one-unit output (`nn.Linear(64, 1)`).
    Softmax of one value is always 1, so the loss is constant and nothing is learned.

    A `log_softmax` before a softmax cross-entropy is not flagged: softmax(log_softmax(z)) equals
    softmax(z), so the loss and its gradient are unchanged; the model only computes the
    normalisation twice.

    ## Why is this bad?
    A double softmax squashes the logits into [0, 1] before the loss's own softmax: the loss can never
    fall below ~log(C) - 1 and its gradient shrinks by the softmax Jacobian, so training crawls or
    stalls. Logits given to a probability loss are clipped into (0, 1) by the framework, which
    silently destroys the gradient for every out-of-range value.

    A clamped logit gets no gradient: a class whose logit goes negative can never be pushed back, and
    with `BCEWithLogitsLoss` every prediction is at least 0.5. The PyTorch quickstart tutorial shipped
    this bug for a while (pytorch/tutorials issue 1526); `F.relu` before `F.log_softmax` is the same
    (pytorch/examples issue 117).

    A one-unit softmax is the classic "accuracy stuck at 50%" binary classifier: every prediction is 1.0
    (a constant 0 loss with a categorical crossentropy), and the gradient is exactly 0.

    `KLDivLoss` given probabilities computes `target * (log(target) - p)` instead of the divergence:
    the loss goes negative and a distillation or VAE term pulls the wrong way.

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
    Not confirmed by `--dynamic`: a batch's loss value does not tell a double softmax from a
    badly initialised model, so the finding is reported as static only.

    ## Fix safety
    Unsafe. Every edit (removing the softmax/sigmoid, `from_logits=True`, `BCELoss` ->
    `BCEWithLogitsLoss`) changes what the model or its loss computes: a model that returns
    probabilities on purpose would stop doing so. `--fix` alone never applies it; `--unsafe-fixes`
    does, and the editor offers it as a quick fix labelled unsafe.

    ## Known problems
    A one-unit output is judged by the layer's declared units: a softmax over another axis (PyTorch with
    no `dim`, a softmax after a reshape) is not judged. A network whose output is both returned as
    probabilities and trained through a separate logits path is judged by the loss that the data
    reaches; when the source pass cannot follow that path the rule may judge the wrong output.

    ## References
    - [PyTorch, CrossEntropyLoss: the input is expected to contain unnormalized logits](https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html)
    - [PyTorch, KLDivLoss: the input is expected to be log-probabilities](https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html)
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
        Valid("""
            from tensorflow import keras
            model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
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
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(784, 10))
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
        """, fixed="""
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return self.fc(x)
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
        """, fixed="""
            import torch
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)
                def forward(self, x):
                    return self.fc(x)
            crit = nn.BCEWithLogitsLoss()
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCELoss()  # expect: RL103
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCEWithLogitsLoss()
        """),
        Invalid("""
            from torch import nn
            model = nn.Sequential(nn.Linear(784, 10))
            loss_fn = nn.NLLLoss()  # expect: RL103
        """, fixed="""
            from torch import nn
            model = nn.Sequential(nn.Linear(784, 10))
            loss_fn = nn.CrossEntropyLoss()
        """),
        Invalid("""
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
        """, fixed="""
            import torch.nn as nn
            import torch.nn.functional as F
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return self.fc(x)
            def step(model, x, y):
                return F.cross_entropy(model(x), y)
        """),
        Invalid("""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCELoss(reduction="sum")  # expect: RL103
        """, fixed="""
            import torch.nn as nn
            model = nn.Sequential(nn.Linear(8, 1))
            loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
        """),
        Invalid("""
            from tensorflow import keras
            model = keras.Sequential([keras.layers.Dense(10)])
            model.compile(loss=keras.losses.CategoricalCrossentropy())  # expect: RL103
        """, fixed="""
            from tensorflow import keras
            model = keras.Sequential([keras.layers.Dense(10)])
            model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """),
        Invalid("""
            import torch.nn as nn
            student = nn.Sequential(nn.Linear(32, 10), nn.Softmax(dim=-1))
            distill = nn.KLDivLoss(reduction="batchmean")  # expect: RL103
        """),
        Invalid("""
            from tensorflow import keras
            model = keras.Sequential([
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(1, activation="softmax"),  # expect: RL103
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
        """),
    ]

    GRAPH_CASES = [
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 10), nn.Softmax(dim=1)), torch.randn(2, 8), None
        """, fires=1, loss="cross_entropy"),
        GraphCase("""
            import torch, torch.nn as nn
            def relulint_graph():
                torch.manual_seed(0)
                return nn.Sequential(nn.Linear(8, 10)), torch.randn(2, 8), None
        """, loss="cross_entropy"),
    ]

    def fix(self, f: Finding, p: Parsed) -> Fix | None:
        if f.evidence.get("single_unit") or f.evidence.get("clamped_by"):
            return None  # sigmoid + binary loss, or one unit per class: which one the program means is unknown
        expects = f.evidence.get("loss_expects")
        out_kind = f.evidence.get("output_activation", "linear")
        if expects == "logits":
            # `probs = tf.nn.softmax(logits)` kept for prediction, then `loss(logits=probs)`: give the loss
            # the logits, and leave the probabilities to their other readers
            fix = _loss_takes_activation_input(p, f)
            if fix is not None:
                return fix
            # a softmax/sigmoid before a loss that applies it itself, a ReLU clamping the logits: drop it
            clamps = _clamps_logits(out_kind)
            fix = remove_activation(p, f.origin, f"Remove the final {out_kind} (logits must be free to go negative)"
                                    if clamps else f"Remove the final {out_kind} (the loss applies it)")
            if fix is not None or clamps:  # (a ReLU's values are no probabilities: from_logits stays)
                return fix
            # or tell a Keras loss that it receives probabilities
            for origin, _ in f.related:
                for call in p.calls_at(origin):
                    kw = keyword_arg(call, "from_logits")
                    if kw is not None:
                        return unsafe_fix("Set from_logits=False", p.rewrite(kw.value, cst.Name("False")))
            return None
        if expects == "log_probabilities" and out_kind != "linear":
            # softmax into NLLLoss: softmax -> log_softmax where it is applied (a logits loss on the
            # softmax would be the next mismatch); any other output has no one-line fix
            for call in p.calls_at(f.origin) if out_kind == "softmax" else ():
                twin = _LOG_TWIN.get(last_name(call.func))
                if twin is not None and (edit := rename_func(p, call, twin)) is not None:
                    return unsafe_fix(f"Use {twin} instead of {last_name(call.func)}", edit)
            return None
        for call in p.calls_at(f.origin):
            if keyword_arg(call, "from_logits") is not None or "crossentropy" in last_name(call.func).lower():
                kw = keyword_arg(call, "from_logits")
                if kw is not None:
                    return unsafe_fix("Set from_logits=True", p.rewrite(kw.value, cst.Name("True")))
                new_arg = cst.Arg(keyword=cst.Name("from_logits"), value=cst.Name("True"),
                                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
                args = list(call.args)
                if args:
                    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                return unsafe_fix("Set from_logits=True", p.rewrite(call, call.with_changes(args=[*args, new_arg])))
            twin = _LOGITS_LOSS.get(last_name(call.func))
            if twin is not None:
                return unsafe_fix(f"Use {twin} on the logits", rename_func(p, call, twin))
        return None

    def check(self, ir: ModelIR, options: dict) -> Iterator[Finding]:
        loss = ir.loss
        if loss is None or not ir.network.affine_indices():
            return
        out = ir.network.output_activation()
        if out is None and not ir.network.output_is_affine():
            return  # no activation seen, but a join or an unknown step after the last layer: not logits for sure
        kind = out.kind if out is not None else "linear"
        expects = loss.expects
        problem = remedy = None
        at = out.origin if out is not None else None
        # log_softmax is harmless before a softmax cross-entropy (softmax is shift-invariant), not
        # before a sigmoid loss
        harmless = kind == "log_softmax" and loss.kind in _SOFTMAX_LOSSES
        last = _last_activation(ir.network)
        if last is not None and last is not out and last.kind in ("softmax", "log_softmax") and _clamps_logits(kind) \
                and not loss.is_regression:
            # F.log_softmax(F.relu(self.fc2(x))): the softmax normalises logits the ReLU has clamped
            problem = f"{kind} before the final {last.kind}: {_clamped(kind)}"
            remedy = f"Remove the {kind} after the last layer (its output is the logits)"
            yield self.finding(
                at, problem=problem, remedy=remedy,
                evidence={"output_activation": last.kind, "clamped_by": kind, "loss": loss.display,
                          "loss_expects": expects},
                related=[(last.origin, f"final {last.kind}"), (loss.origin, f"loss {loss.display}")],
            )
            return
        if expects == "logits" and kind in ("softmax", "sigmoid", "log_softmax") and not harmless:
            problem = f"{kind} output fed to {loss.display}, which expects logits and applies its own normalisation"
            remedy = f"Remove the final {kind} (the loss applies it)"
        elif expects == "logits" and _clamps_logits(kind):
            problem = f"{kind} output fed to {loss.display}, which expects logits: {_clamped(kind)}"
            remedy = f"Remove the final {kind} (logits must be free to go negative)"
        elif expects == "probabilities" and kind in ("linear", "relu", "leaky_relu", "log_softmax"):
            problem = f"{loss.display} expects probabilities but the model outputs {_describe(kind)}"
            remedy = "Use the logits variant of the loss (BCEWithLogitsLoss / from_logits=True) or add the output activation"
            at = loss.origin
        elif expects == "log_probabilities" and kind != "log_softmax":
            problem = f"{loss.display} expects log-probabilities but the model outputs {_describe(kind)}"
            remedy = ("Pass log_softmax of the logits as the input (the target stays probabilities)"
                      if loss.kind == "log_kl_div" else
                      "Add log_softmax to the output, or use CrossEntropyLoss on the logits")
            if kind == "softmax" and loss.kind == "nll":  # the missing log is the softmax's: log_softmax there
                remedy = "Use log_softmax instead of softmax for NLLLoss"
            else:
                at = loss.origin
        single = None
        if problem is None and not loss.is_regression:  # (a bounded output on a regression: RL101 / RL102)
            if kind in ("softmax", "log_softmax") and _over_units_axis(ir.network.framework, out.axis):
                single = _one_unit_layer(ir.network, out)
                what = f"{kind} over the single output unit of {{layer}} is always {1 if kind == 'softmax' else 0}"
            elif loss.over_units:
                single = _one_unit_layer(ir.network, out)
                what = f"{loss.display} normalises over the classes, and {{layer}} has a single output unit"
            if single is not None:
                problem = f"{what.format(layer=single.display)}: the loss is constant and the network gets no gradient"
                remedy = ("Use one output unit per class, or a single sigmoid unit with a binary cross-entropy "
                          "(BCEWithLogitsLoss / binary_crossentropy)")
                at = out.origin if out is not None else single.origin
        if problem is None or at is None:
            return
        yield self.finding(
            at, problem=problem, remedy=remedy,
            evidence={"output_activation": kind, "loss": loss.display, "loss_expects": expects,
                      **({"single_unit": True} if single is not None else {})},
            related=[(loss.origin, f"loss {loss.display}"), (out.origin if out else ir.network.origin, "model output")],
        )


def _loss_takes_activation_input(p: Parsed, f: Finding) -> Fix | None:
    """`name = act(pre)` with `pre` a name (or attribute), and the loss call given `name`: the loss gets `pre`."""
    act = next((c for c in p.calls_at(f.origin) if applies_activation(p, c)), None)
    assign = p.parent(act) if act is not None else None
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or not act.args:
        return None
    pre = act.args[0].value
    if act.args[0].keyword is not None or not isinstance(pre, (cst.Name, cst.Attribute)):
        return None
    bound = p.module.code_for_node(assign.targets[0].target)
    for origin, _ in f.related[:1]:  # the loss
        for call in p.calls_at(origin):
            if p.enclosing_function(call) is not p.enclosing_function(assign):
                continue  # the pre-activation name is not in the loss's scope
            for arg in call.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)) and p.module.code_for_node(arg.value) == bound:
                    return unsafe_fix(f"Give the loss the logits ({p.module.code_for_node(pre)})",
                                      p.rewrite(arg.value, pre))
    return None


def _last_activation(net) -> object | None:
    """The last activation on the network's only output path after its last affine layer, through
    reshapes, dropout and norms (the output of Linear -> ReLU -> log_softmax is log_softmax's)."""
    heads = net.output_indices()
    if len(heads) != 1:
        return None
    i = heads[0]
    while net.ops[i].kind != "affine":
        op = net.ops[i]
        if op.kind == "activation":
            return op.activation
        if op.kind not in ("shape", "dropout", "alpha_dropout", "norm"):
            return None
        i = net.only_producer(i)
        if i is None:
            return None
    return None


def _clamps_logits(kind: str) -> bool:
    """An output activation that cuts off every negative value (ReLU, ReLU6, hard sigmoid): as logits,
    a class can never be pushed below the others' floor."""
    info = activation_info(kind)
    return info.clamps and info.output_range[0] >= 0.0 and not info.probability


def _clamped(kind: str) -> str:
    return f"every negative logit is clamped to {fmt(activation_info(kind).output_range[0])} and gets no gradient"


def _over_units_axis(framework: str, axis: int | str | None) -> bool:
    """A softmax axis that is the units' axis of a layer's output: Keras / TF normalise over the last axis
    unless told otherwise; PyTorch over the dim stated, 1 or -1 on a layer's 2-D output (none stated: not
    judged)."""
    if framework in ("keras", "tf1"):
        return axis in (None, -1)
    return framework == "torch" and axis in (1, -1)


def _one_unit_layer(net, out) -> object | None:
    """The output layer when it has a single unit, else None: the affine op the output activation is
    fused into or reads directly (dropout between at most: a reshape may have moved the unit axis), or,
    with no output activation, the affine op that is the network's only output."""
    if out is None:
        heads = net.output_indices()
        op = net.ops[heads[0]] if len(heads) == 1 else None
        return op if op is not None and op.kind == "affine" and op.fan_out == 1 and \
            (op.activation is None or op.activation.kind == "linear") else None
    for i, op in enumerate(net.ops):
        if op.activation is not out:
            continue
        if op.kind == "affine":
            return op if op.fan_out == 1 else None
        j = i
        while (p := net.only_producer(j)) is not None and net.ops[p].kind in ("dropout", "alpha_dropout"):
            j = p
        prev = net.ops[p] if p is not None else None
        return prev if prev is not None and prev.kind == "affine" and prev.fan_out == 1 and \
            prev.activation is None else None
    return None


_SOFTMAX_LOSSES = frozenset({"cross_entropy", "categorical_crossentropy"})


def _describe(kind: str) -> str:
    return "raw logits" if kind == "linear" else f"{kind} values"


_LOG_TWIN = {"softmax": "log_softmax", "Softmax": "LogSoftmax"}  # F.softmax / x.softmax / nn.Softmax

_LOGITS_LOSS = {  # a probability loss -> its logits twin, same call shape
    "BCELoss": "BCEWithLogitsLoss",
    "binary_cross_entropy": "binary_cross_entropy_with_logits",
    "NLLLoss": "CrossEntropyLoss",
    "nll_loss": "cross_entropy",
}
