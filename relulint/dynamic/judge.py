"""Turn a ProbeReport into findings: the RL4xx rules judge it, a Locator points each at its source line.

The probe rules decide (`ProbeRule.check`); this module only maps the probe's layer keys ("fc1",
"net.1", "fc1+relu", "features.3") back to the static pass's IR ops, whose `name` is the same
attribute path `named_modules()` reports and whose `origin` is the line that built the layer.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from relulint.dynamic.stats import LayerStats, ProbeReport
from relulint.finding import Finding
from relulint.ir import Network, Op, Origin

if TYPE_CHECKING:
    from relulint.dynamic.sourcemap import ModelSource


def dynamic_rules():
    from relulint.rule import ProbeRule
    from relulint.rules import ALL_RULES

    return [r for r in ALL_RULES if issubclass(r, ProbeRule)]


def pick_network(networks: list[Network], names: set[str], class_name: str | None,
                 n_affine: int | None = None, signature: list[tuple] | None = None) -> Network | None:
    """The IR network that is this model: most op names shared with named_modules(), then the class
    name, then the same layer signature (weighted layers' widths and activations, in order: Keras layer
    names are not the variable names, and one file often builds several models of one depth), then the
    number of weighted layers. A tie on a weak criterion picks nothing: a wrong line is worse than none."""
    if not networks:
        return None

    def score(net: Network) -> tuple[int, int, int, int]:
        shared = len({op.name for op in net.ops if op.name} & names)
        same_signature = int(bool(signature) and ir_signature(net) == signature)
        return (shared, int(net.name == class_name), same_signature,
                int(n_affine is not None and len(net.affine_indices()) == n_affine))

    scores = [score(n) for n in networks]
    top = max(scores)
    if top == (0, 0, 0, 0) and len(networks) > 1:
        return None
    if scores.count(top) > 1 and top[:2] == (0, 0):
        return None
    return networks[scores.index(top)]


def _act_kind(kind: str | None) -> str | None:
    return None if kind in (None, "linear") else kind


def ir_signature(net: Network) -> list[tuple]:
    """(kind, width, activation) of the weighted layers and standalone activations, in order."""
    sig: list[tuple] = []
    for op in net.ops:
        if op.kind == "affine":
            sig.append(("affine", op.fan_out, _act_kind(op.activation.kind if op.activation else None)))
        elif op.kind == "activation":
            sig.append(("activation", None, _act_kind(op.activation.kind if op.activation else None)))
    return sig


def live_signature(model) -> list[tuple] | None:
    """The same signature read from a live Keras model's layers (torch models are matched by name)."""
    if hasattr(model, "named_modules") or not hasattr(model, "layers"):
        return None

    sig: list[tuple] = []
    for layer in model.layers:
        cls = type(layer).__name__
        fn = getattr(layer, "activation", None)
        act = getattr(fn, "__name__", None) if fn is not None else None
        if cls == "ReLU":
            act = "relu"
        elif cls == "Softmax":
            act = "softmax"
        width = getattr(layer, "units", None) or getattr(layer, "filters", None)
        if width is not None and getattr(layer, "kernel", None) is not None:
            sig.append(("affine", width, _act_kind(act)))
        elif cls in ("ReLU", "Activation", "Softmax"):
            sig.append(("activation", None, _act_kind(act)))
    return sig


class Locator:
    """Layer key -> Origin, through the IR networks of the files that define the model.

    `bindings` ties IR networks to module paths: ("", Net) for the model itself, ("blocks.0",
    Block) for a submodule whose class the live object names (relulint.dynamic.sourcemap), so the
    report's "blocks.0.fc" is Block's op "fc". A network bound at several paths (two Blocks) is
    the same source line for each.
    """

    def __init__(self, network: Network | None, fallback: Origin,
                 bindings: list[tuple[str, Network]] | None = None) -> None:
        self.net = network
        self.fallback = fallback
        self.bindings = bindings if bindings is not None else ([("", network)] if network is not None else [])
        self.bindings = sorted(self.bindings, key=lambda b: -len(b[0]))  # the deepest module first
        self.source: ModelSource | None = None  # the live model's user code (set by the CLI)
        self.entry: str | None = None  # "train.py:relulint_batch", for "not run by the entry"

    # ---- ops by name / order

    def _ops_named(self, name: str | None) -> list[tuple[Network, int, Op]]:
        if name is None:
            return []
        for prefix, net in self.bindings:
            local = _local_name(name, prefix)
            if local is None:
                continue
            hits = [(net, i, op) for i, op in enumerate(net.ops) if op.name == local]
            if hits:
                return hits
        return []

    def _affine_by_order(self, report: ProbeReport, layer_key: str) -> tuple[Network, int, Op] | None:
        """Keras layer names rarely match variable names: fall back to the k-th weighted layer."""
        if self.net is None:
            return None
        layers = [x for x in report.layers if x.kind == "affine"]
        keys = [x.key for x in layers]
        if layer_key not in keys:
            return None
        k = keys.index(layer_key)
        affine = self.net.affine_indices()
        if len(affine) == len(layers):
            i = affine[k]
            return self.net, i, self.net.ops[i]
        return None

    def op_for(self, report: ProbeReport, layer: LayerStats) -> tuple[Network, int, Op] | None:
        named = self._ops_named(layer.name)
        if named:
            return named[min(layer.call, len(named) - 1)]
        if layer.kind == "affine":
            return self._affine_by_order(report, layer.key)
        return None

    def origin(self, report: ProbeReport, key: str | None) -> Origin:
        layer = report.layer(key) if key else None
        if layer is None:
            return self._net_origin()
        hit = self.op_for(report, layer)
        if hit is not None and hit[2].origin is not None:
            return hit[2].origin
        if layer.producer is not None:  # F.relu(self.fc1(x)): the activation's call
            producer = report.layer(layer.producer) or LayerStats(key=layer.producer, kind="affine",
                                                                   module="", name=layer.producer)
            hit = self.op_for(report, producer)
            if hit is not None:
                net, i, op = hit
                act = net.activation_after(i)
                if act is not None and act.origin is not None:
                    return act.origin
                if op.origin is not None:
                    return op.origin
        if layer.kind == "activation" and layer.producer is None:  # a Keras ReLU layer: after the previous Dense
            i = report.layers.index(layer)
            prev = next((x for x in reversed(report.layers[:i]) if x.kind == "affine"), None)
            hit = self.op_for(report, prev) if prev is not None else None
            if hit is not None:
                act = hit[0].activation_after(hit[1])
                if act is not None and act.origin is not None:
                    return act.origin
        return self._net_origin()

    def _net_origin(self) -> Origin:
        if self.net is not None and self.net.origin is not None:
            return self.net.origin
        return self.fallback

    def is_output(self, report: ProbeReport, origin: Origin) -> bool | None:
        """Whether a static finding's activation is the one producing the probed model's output.

        None when it cannot be told (no IR op of the probed model at that line, or the probe saw no
        output layer); False when the line is an op of the probed model other than the output's (a
        hidden block's ReLU). Compared through the ops' sites, so a multi-line layer call matches."""
        hits = self._site_index(origin)
        layer = report.output_stats
        if hits is None:
            return None
        if layer is None:
            return None
        out_sites = {self.origin(report, layer.key)}
        for cand in (layer, report.layer(layer.producer) if layer.producer else None):
            hit = self.op_for(report, cand) if cand is not None else None
            if hit is None:
                continue
            net, i, op = hit
            act = net.activation_after(i)
            out_sites |= {op.origin, op.activation.origin if op.activation else None, act.origin if act else None}
        out_lines = {(os.path.abspath(s.path), s.line) for s in out_sites if s is not None}
        for _, net, i in hits:
            op = net.ops[i]
            sites = [origin, op.origin, op.activation.origin if op.activation else None]
            if any(s is not None and (os.path.abspath(s.path), s.line) in out_lines for s in sites):
                return True
        return False

    def _site_index(self, origin: Origin) -> list[tuple[str, Network, int]] | None:
        hits = []
        for prefix, net in self.bindings:
            for i, op in enumerate(net.ops):
                sites = [op.origin, op.init_site, op.activation.origin if op.activation else None]
                if any(s is not None and s.line == origin.line and _same_file(s.path, origin.path) for s in sites):
                    hits.append((prefix, net, i))
                    break
        return hits or None

    def annotate(self, report: ProbeReport) -> ProbeReport:
        """Record on each weighted layer of the report the source sites of its IR op (where it is built,
        where its weight is initialised, the activation after it; an op after a weighted layer gives
        its sites to that layer), at every module path its class is bound to. `ProbeReport.layer_at`
        then maps a static finding to what the batch measured there."""
        for prefix, net in self.bindings:
            affine_index = None
            for i, op in enumerate(net.ops):
                if op.kind == "affine":
                    affine_index = i
                if affine_index is None:
                    continue
                for layer in self._layers_of_op(report, prefix, net, affine_index, net.ops[affine_index]):
                    for site in (op.origin, op.init_site, op.activation.origin if op.activation else None):
                        if site is not None and site not in layer.sites:
                            layer.sites.append(site)
        return report

    def _layers_of_op(self, report: ProbeReport, prefix: str, net: Network, index: int, op: Op) -> list[LayerStats]:
        if op.name is not None:
            full = f"{prefix}.{op.name}" if prefix else op.name
            found = [x for x in report.layers if x.name == full and x.kind == "affine"]
            if found or prefix:
                return found[:1]
        if net is not self.net:
            return []
        affine_ops = net.affine_indices()
        layers = [x for x in report.layers if x.kind == "affine" and x.call == 0]
        if index in affine_ops and len(affine_ops) == len(layers):
            return [layers[affine_ops.index(index)]]
        return []


def _local_name(name: str, prefix: str) -> str | None:
    if not prefix:
        return name
    if name.startswith(prefix + "."):
        return name[len(prefix) + 1:]
    return None


def judge(report: ProbeReport, locator: Locator, settings=None, path: str | None = None) -> list[Finding]:
    """Every enabled dynamic rule's findings on this report, located and with the configured severity."""
    from relulint.config import Settings

    settings = settings or Settings()
    findings: list[Finding] = []
    for rule_cls in dynamic_rules():
        if not settings.is_enabled(rule_cls.CODE, path):
            continue
        rule = rule_cls()
        options = settings.options_for(rule_cls)
        for key, fields, evidence in rule.check(report, options):
            origin = locator.origin(report, key)
            f = rule.finding(origin, evidence={**evidence, "layer": key, "device": report.device,
                                               "framework": report.framework}, **fields)
            f.severity = settings.severity_for(rule_cls.CODE, f.severity)
            f.confirmation = "confirmed"
            f.measured = {"text": _measured_text(report), **{k: v for k, v in evidence.items() if _is_number(v)}}
            findings.append(f)
    return findings


def judge_steps(reports: list[ProbeReport], locator: Locator, settings=None, path: str | None = None
                ) -> list[Finding]:
    """Findings over a short training run: each (code, layer) once, at the first step it appeared,
    with the trajectory of loss / dead share / gradient ratio in its evidence."""
    seen: dict[tuple[str, str | None], Finding] = {}
    for report in reports:
        for f in judge(report, locator, settings, path):
            key = (f.code, f.evidence.get("layer"))
            if key not in seen:
                seen[key] = f
    trajectory = [{"step": r.step, "loss": r.loss,
                   "max_dead_share": max((x.dead for x in r.relu_layers), default=None),
                   "grad_ratio": r.grad_ratio} for r in reports]
    for f in seen.values():
        f.evidence["trajectory"] = trajectory
    return list(seen.values())


def _measured_text(report: ProbeReport) -> str:
    from relulint.rule import after_steps

    return f"measured on a batch of {report.batch_size} ({report.framework}, {report.device})" + \
        after_steps(report.step)


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.abspath(a) == os.path.abspath(b)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def source_networks(paths: list[str]) -> list[Network]:
    """The IR networks of the given Python files (the static source pass's lowering; never imports them)."""
    from pathlib import Path

    from relulint.engine import syntax_error
    from relulint.source import lower_source

    nets: list[Network] = []
    for p in dict.fromkeys(paths):
        try:
            code = Path(p).read_text(encoding="utf-8")
            if syntax_error(p, code) is None:
                nets += lower_source(p, code).networks
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return nets


def locator_for(model, paths: list[str], fallback: Origin, names: set[str] | None = None,
                n_affine: int | None = None, source: ModelSource | None = None) -> Locator:
    """A Locator over the networks of `paths` and of every user file the live model is made of.

    Each user class in `named_modules()` binds the IR network of that class (same name, defined
    on the class's lines) to its module path; the model itself, when its class is a framework
    container (an `nn.Sequential` built in a function), is the network sharing most op names.
    """
    import os

    from relulint.dynamic.sourcemap import live_modules, model_source

    src = source if source is not None else model_source(model)
    files = [p for p in paths if p]
    for f in src.files:
        if all(os.path.abspath(p) != f for p in files):
            files.append(f)
    nets = source_networks(files)
    if names is None:
        names = {n for n, _ in model.named_modules()} if hasattr(model, "named_modules") else set()
    bindings: list[tuple[str, Network]] = []
    bound: set[int] = set()
    for path, span in src.modules.items():
        cls_name = span.what.removeprefix("class ")
        for net in nets:
            if net.origin is not None and net.name == cls_name and span.holds(net.origin.path, net.origin.line):
                bindings.append((path, net))
                bound.add(id(net))
                break
    root = next((net for path, net in bindings if path == ""), None)
    if root is None:  # the model's class is the framework's (Sequential): not another user class's network
        mro = {c.__name__ for c in type(model).__mro__}
        free = [n for n in nets if id(n) not in bound and not (_is_class_network(n) and n.name not in mro)]
        root = pick_network(free or nets, names, type(model).__name__, n_affine, live_signature(model))
        if root is not None:
            bindings.append(("", root))
            bound.add(id(root))
    for path, module in live_modules(model):
        if not path or path in src.modules or not hasattr(module, "named_modules"):
            continue
        subs = dict(module.named_modules())
        cands = [n for n in nets if id(n) not in bound and n.origin is not None
                 and src.span_at(n.origin.path, n.origin.line) is not None and _fits(n, subs)]
        if cands:  # a container built by a helper that ran (make_head()), with the same layers
            best = max(cands, key=lambda n: len([op for op in n.ops if op.name]))
            bindings.append((path, best))
            bound.add(id(best))
    return Locator(root, fallback, bindings)


def _fits(net: Network, subs: dict) -> bool:
    """Every named op of the IR network is a live submodule of the same kind (weighted layer or not)."""
    named = [op for op in net.ops if op.name]
    if not named:
        return False
    for op in named:
        sub = subs.get(op.name)
        if sub is None:
            return False
        leaf_weighted = hasattr(sub, "weight") and not any(True for _ in sub.children())
        if (op.kind == "affine") != leaf_weighted:
            return False
    return True


def _is_class_network(net: Network) -> bool:
    """The IR network of a `class X(nn.Module / keras.Model)` statement (not of a built container)."""
    import linecache

    if net.origin is None:
        return False
    text = linecache.getline(net.origin.path, net.origin.line).lstrip()
    return text.startswith("class ") and text[6:].lstrip().startswith(net.name)
