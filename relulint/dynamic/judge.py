"""Turn a ProbeReport into findings: the RL4xx rules judge it, a Locator points each at its source line.

The rule classes decide (`check_probe`); this module only maps the probe's layer keys ("fc1",
"net.1", "fc1+relu", "features.3") back to the static pass's IR ops, whose `name` is the same
attribute path `named_modules()` reports and whose `origin` is the line that built the layer.
"""

from __future__ import annotations

from relulint.dynamic.stats import LayerStats, ProbeReport
from relulint.finding import Finding
from relulint.model import Network, Op, Origin

DYNAMIC_CODES = ("RL401", "RL402", "RL403", "RL404")


def dynamic_rules():
    from relulint.rules import ALL_RULES

    return [r for r in ALL_RULES if "dynamic" in r.PASSES and hasattr(r, "check_probe")]


def pick_network(networks: list[Network], names: set[str], class_name: str | None,
                 n_affine: int | None = None) -> Network | None:
    """The IR network that is this model: most op names shared with named_modules(), then the class
    name, then the same number of weighted layers (Keras layer names are not the variable names)."""
    if not networks:
        return None

    def score(net: Network) -> tuple[int, int, int]:
        shared = len({op.name for op in net.ops if op.name} & names)
        return shared, int(net.name == class_name), int(n_affine is not None and len(net.affine_indices()) == n_affine)

    best = max(networks, key=score)
    if score(best) == (0, 0, 0) and len(networks) > 1:
        return None
    return best


class Locator:
    """Layer key -> Origin, through the IR of the file(s) that define the model."""

    def __init__(self, network: Network | None, fallback: Origin) -> None:
        self.net = network
        self.fallback = fallback

    # ---- ops by name / order

    def _ops_named(self, name: str | None) -> list[tuple[int, Op]]:
        if self.net is None or name is None:
            return []
        return [(i, op) for i, op in enumerate(self.net.ops) if op.name == name]

    def _affine_by_order(self, report: ProbeReport, layer_key: str) -> tuple[int, Op] | None:
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
            return i, self.net.ops[i]
        return None

    def op_for(self, report: ProbeReport, layer: LayerStats) -> tuple[int, Op] | None:
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
        if hit is not None and hit[1].origin is not None:
            return hit[1].origin
        if layer.producer is not None and self.net is not None:  # F.relu(self.fc1(x)): the activation's call
            producer = report.layer(layer.producer) or LayerStats(key=layer.producer, kind="affine",
                                                                   module="", name=layer.producer)
            hit = self.op_for(report, producer)
            if hit is not None:
                act = self.net.activation_after(hit[0])
                if act is not None and act.origin is not None:
                    return act.origin
                if hit[1].origin is not None:
                    return hit[1].origin
        return self._net_origin()

    def _net_origin(self) -> Origin:
        if self.net is not None and self.net.origin is not None:
            return self.net.origin
        return self.fallback

    def layer_for_origin(self, report: ProbeReport, origin: Origin) -> tuple[LayerStats | None, LayerStats | None]:
        """(weighted layer, its activation) for a static finding that points at a layer, init or activation."""
        if self.net is None:
            return None, None
        index = None
        for i, op in enumerate(self.net.ops):
            sites = [op.origin, op.init_site, op.activation.origin if op.activation else None]
            if any(s is not None and s.line == origin.line and _same_file(s.path, origin.path) for s in sites):
                index = i
                break
        if index is None:
            return None, None
        op = self.net.ops[index]
        if op.kind != "affine":  # an activation: the weighted layer before it
            prev = [i for i in self.net.affine_indices() if i < index]
            if not prev:
                return None, None
            index, op = prev[-1], self.net.ops[prev[-1]]
        affine = self._layer_of_op(report, index, op)
        act = None
        if affine is not None:
            act = next((x for x in report.relu_layers if x.producer == affine.key), None)
            if act is None and affine.dead is not None:
                act = affine  # a fused activation (Keras Dense(activation="relu"))
        return affine, act

    def _layer_of_op(self, report: ProbeReport, index: int, op: Op) -> LayerStats | None:
        if op.name is not None:
            for x in report.layers:
                if x.name == op.name and x.kind == "affine":
                    return x
        affine_ops = self.net.affine_indices() if self.net else []
        layers = [x for x in report.layers if x.kind == "affine" and x.call == 0]
        if index in affine_ops and len(affine_ops) == len(layers):
            return layers[affine_ops.index(index)]
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
        for key, fields, evidence in rule.check_probe(report, options):
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
                   "grad_ratio": _grad_ratio(r)} for r in reports]
    for f in seen.values():
        f.evidence["trajectory"] = trajectory
    return list(seen.values())


def _measured_text(report: ProbeReport) -> str:
    batch = report.inputs.shape[0] if report.inputs is not None and report.inputs.shape else "?"
    text = f"measured on a batch of {batch} ({report.framework}, {report.device})"
    return text + (f" after {report.step} optimiser step(s)" if report.step else "")


def _grad_ratio(report: ProbeReport) -> float | None:
    layers = report.affine_layers
    if len(layers) < 2 or not layers[-1].weight_grad_norm:
        return None
    return layers[0].weight_grad_norm / layers[-1].weight_grad_norm


def _same_file(a: str, b: str) -> bool:
    import os

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


def model_source_file(model) -> str | None:
    """The file that defines the model's class, unless it is the framework's own (nn.Sequential)."""
    import inspect
    import os

    try:
        path = inspect.getsourcefile(type(model))
    except (TypeError, OSError):
        return None
    if not path:
        return None
    parts = os.path.normpath(path).split(os.sep)
    if any(p in ("torch", "keras", "tensorflow", "site-packages", "dist-packages") for p in parts):
        return None
    return os.path.abspath(path)


def locator_for(model, paths: list[str], fallback: Origin, names: set[str] | None = None,
                n_affine: int | None = None) -> Locator:
    """A Locator over the networks of `paths` plus the model class's own file."""
    import os

    src = model_source_file(model)
    files = [p for p in paths if p]
    if src and all(os.path.abspath(p) != src for p in files):
        files.append(src)
    nets = source_networks(files)
    if names is None:
        names = {n for n, _ in model.named_modules()} if hasattr(model, "named_modules") else set()
    return Locator(pick_network(nets, names, type(model).__name__, n_affine), fallback)
