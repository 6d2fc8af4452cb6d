"""Confirm or dismiss the static findings with what one batch measured; the figure is reported either way.

Each static code names the measurement that would show its failure on a real batch:
- RL101 ReLU on a regression output: share of outputs clamped at exactly 0 (zero gradient there).
- RL102 softmax/sigmoid + squared error: the gradient reaching the logits vs the one at the output.
- RL201 positive-mean init: that layer's dead share, or its activations exploding.
- RL202 init too small: the layer's signal gain and the first/last gradient ratio (RL402).
- RL203 init too large: the layer's signal gain (RL403).
- RL301 raw inputs: the input batch's range and dtype.  RL302 negative inputs: its maximum.
A confirmed finding keeps its severity; a dismissed one drops to info ("not confirmed"), so the
report still shows the suspicion and the number that dismissed it.
"""

from __future__ import annotations

from relulint.dynamic.judge import Locator
from relulint.dynamic.stats import LayerStats, ProbeReport
from relulint.finding import Finding, Severity
from relulint.rules._support import fmt

CONFIRMABLE = {"RL101", "RL102", "RL201", "RL202", "RL203", "RL301", "RL302", "RL303"}
SOFTMAX_PASS_RATIO = 0.25  # RL102: the logits get less than a quarter of the output's error signal


def confirm(findings: list[Finding], report: ProbeReport, locator: Locator, settings=None) -> None:
    """Set `confirmation` and `measured` on the static findings this report can judge (in place)."""
    from relulint.config import Settings
    from relulint.rules import BY_CODE

    settings = settings or Settings()
    options = {code: settings.options_for(BY_CODE[code]) for code in ("RL303", "RL401", "RL402", "RL403")
               if code in BY_CODE}
    for f in findings:
        if f.code not in CONFIRMABLE or f.confirmation is not None:
            continue
        verdict = _judge(f, report, locator, options)
        if verdict is None:
            continue
        ok, measured = verdict
        f.confirmation = "confirmed" if ok else "not-confirmed"
        f.measured = measured
        if not ok:
            f.severity = Severity.INFO


def _judge(f: Finding, report: ProbeReport, locator: Locator, options: dict) -> tuple[bool, dict] | None:
    code = f.code
    if code == "RL101":
        return _output_clamped(report)
    if code == "RL102":
        return _softmax_signal(report)
    if code in ("RL301", "RL302"):
        return _inputs(report, code)
    if code == "RL303":
        return _targets(report, options.get("RL303", {}))
    affine, act = locator.layer_for_origin(report, f.origin)
    if affine is None:
        return None
    if code == "RL201":
        return _positive_mean(affine, act, options)
    if code == "RL202":
        return _vanishing(report, affine, options)
    return _exploding(affine, options)


def _output_clamped(report: ProbeReport) -> tuple[bool, dict] | None:
    out = report.output
    if out is None or out.zero is None:
        return None
    share = out.zero
    text = f"{share:.0%} of the outputs are clamped at 0 on this batch, where the gradient is exactly 0"
    numbers = {"clamped_share": share, "output_min": out.min, "output_max": out.max}
    tg = report.targets
    if tg is not None and tg.min is not None and tg.min < 0:
        text += f"; targets go down to {fmt(tg.min)}, which the output cannot reach"
        numbers["target_min"] = tg.min
    return share > 0, {"text": text, **numbers}


def _softmax_signal(report: ProbeReport) -> tuple[bool, dict] | None:
    layer = report.output_stats
    if layer is None or layer.activation not in ("softmax", "sigmoid", "log_softmax"):
        return None
    if not layer.grad_rms or layer.input_grad_rms is None:
        return None
    ratio = layer.input_grad_rms / layer.grad_rms
    sat = layer.saturated or 0.0
    text = (f"the {layer.activation} passes {fmt(ratio)} of the output's gradient back to the logits "
            f"(RMS {fmt(layer.input_grad_rms)} vs {fmt(layer.grad_rms)}); {sat:.0%} of outputs saturated")
    return ratio < SOFTMAX_PASS_RATIO or sat > 0.5, {"text": text, "logit_to_output_grad": ratio,
                                                     "saturated_share": sat}


def _inputs(report: ProbeReport, code: str) -> tuple[bool, dict] | None:
    from relulint.dynamic.scale import input_scale, summary_text

    s = report.inputs
    if s is None or s.min is None:
        return None
    if code == "RL301":  # dtype, range, and per-feature scale (relulint.dynamic.scale)
        verdict = input_scale(report)
        return None if verdict is None else (verdict.raw, {"text": verdict.text, **verdict.numbers})
    numbers = {"min": s.min, "max": s.max, "mean": s.mean, "std": s.std}
    return s.max <= 0, {"text": summary_text(s), **numbers}


def _targets(report: ProbeReport, options: dict) -> tuple[bool, dict] | None:
    """RL303: the measured targets' scale (per column RMS, relulint.dynamic.scale) against max-abs-target."""
    from relulint.dynamic.scale import target_scale

    verdict = target_scale(report, float(options.get("max-abs-target", 1000.0)))
    return None if verdict is None else (verdict.raw, {"text": verdict.text, **verdict.numbers})


def _layer_text(affine: LayerStats, act: LayerStats | None) -> str:
    parts = [f"layer {affine.key}"]
    if act is not None and act.dead is not None:
        parts.append(f"{act.dead:.0%} of {act.units} units never fired")
    if affine.gain is not None:
        parts.append(f"signal gain {fmt(affine.gain)}x")
    if affine.weight_grad_norm is not None:
        parts.append(f"weight grad norm {fmt(affine.weight_grad_norm)}")
    return ": ".join(parts[:2]) + (", " + ", ".join(parts[2:]) if len(parts) > 2 else "")


def _numbers(affine: LayerStats, act: LayerStats | None) -> dict:
    return {"dead_share": act.dead if act else None, "gain": affine.gain, "rms": affine.rms,
            "weight_grad_norm": affine.weight_grad_norm}


def _positive_mean(affine: LayerStats, act: LayerStats | None, options: dict) -> tuple[bool, dict]:
    dead = act.dead if act is not None and act.dead is not None else 0.0
    o401, o403 = options.get("RL401", {}), options.get("RL403", {})
    exploding = affine.gain is not None and affine.gain > o403.get("max-layer-gain", 10.0) and \
        (affine.rms or 0) >= o403.get("min-rms", 10.0)
    ok = dead > o401.get("max-dead-share", 0.5) or exploding
    return ok, {"text": _layer_text(affine, act), **_numbers(affine, act)}


def _vanishing(report: ProbeReport, affine: LayerStats, options: dict) -> tuple[bool, dict]:
    layers = report.affine_layers
    ratio = None
    if len(layers) >= 2 and layers[-1].weight_grad_norm:
        ratio = layers[0].weight_grad_norm / layers[-1].weight_grad_norm
    o402 = options.get("RL402", {})
    shrinks = affine.gain is not None and affine.gain < 0.1
    ok = (ratio is not None and ratio < o402.get("min-grad-ratio", 0.1)) or shrinks
    text = _layer_text(affine, None)
    if ratio is not None:
        text += f"; first/last weight-gradient ratio {fmt(ratio)}"
    return ok, {"text": text, "gain": affine.gain, "grad_ratio": ratio, "weight_grad_norm": affine.weight_grad_norm}


def _exploding(affine: LayerStats, options: dict) -> tuple[bool, dict]:
    o403 = options.get("RL403", {})
    ok = affine.nonfinite or (affine.gain is not None and affine.gain > o403.get("max-layer-gain", 10.0))
    return ok, {"text": _layer_text(affine, None), **_numbers(affine, None)}
