"""Input and target scale, measured on the probed batch: RL301 (and RL303) read these figures.

A batch is raw-scale when it is uint8, or when its values (images: any channel) reach beyond
`max-abs-value` (10, RL301's option); a tabular batch (N, features) is judged per column, by its RMS
(sqrt(mean^2 + std^2), the scale the first layer sees): the columns more than 10x unit scale are
named by index. Integer batches other than uint8 are token or class indices (an Embedding's input)
and are never judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relulint.dynamic.stats import ProbeReport, TensorSummary
from relulint.rules._support import fmt

MAX_ABS = 10.0  # RL301's default max-abs-value
INDEX_DTYPES = ("int8", "int16", "int32", "int64", "bool")
EMBEDDINGS = ("Embedding", "EmbeddingBag")


@dataclass
class ScaleVerdict:
    """What the batch's scale says: raw or not, with the figures and the offending feature indices."""

    raw: bool
    text: str
    numbers: dict = field(default_factory=dict)
    features: list[int] = field(default_factory=list)  # tabular columns more than max_abs x unit scale


def summary_text(s: TensorSummary, what: str = "input batch") -> str:
    return (f"{what} {s.dtype} {list(s.shape)}: min {fmt(s.min)}, max {fmt(s.max)}, mean {fmt(s.mean)}, "
            f"std {fmt(s.std)}")


def judge_scale(s: TensorSummary | None, max_abs: float = MAX_ABS, what: str = "input batch") -> ScaleVerdict | None:
    """Raw-scale or not, for a batch summary; None when there is nothing to judge (no batch, indices)."""
    if s is None or s.min is None:
        return None
    if s.dtype in INDEX_DTYPES:
        return None
    numbers = {"min": s.min, "max": s.max, "mean": s.mean, "std": s.std, "dtype": s.dtype}
    text = summary_text(s, what)
    if s.dtype == "uint8":
        return ScaleVerdict(True, text + " (uint8: raw 0-255 values)", numbers)
    rms = s.feature_rms()
    if len(s.shape) == 2 and rms:  # tabular: per column
        off = [j for j, r in enumerate(rms) if r > max_abs]
        numbers["feature_rms"] = rms
        if off:
            shown = ", ".join(f"{j} (RMS {fmt(rms[j])})" for j in off[:8]) + (" ..." if len(off) > 8 else "")
            text += f"; feature(s) {shown} of {len(rms)} are more than {max_abs:g}x unit scale"
        return ScaleVerdict(bool(off), text, {**numbers, "features": off}, off)
    raw = max(abs(s.min), abs(s.max)) > max_abs
    if raw and rms and s.features:
        hi = max(s.features["max"])
        text += f"; per channel up to {fmt(hi)} (RMS {', '.join(fmt(r) for r in rms[:4])})"
    return ScaleVerdict(raw, text, numbers)


def input_scale(report: ProbeReport, max_abs: float = MAX_ABS) -> ScaleVerdict | None:
    """The input batch's verdict; None for index inputs (an Embedding first) or no batch."""
    if report.layers and report.layers[0].module in EMBEDDINGS:
        return None
    return judge_scale(report.inputs, max_abs)


def target_scale(report: ProbeReport, max_abs: float = MAX_ABS) -> ScaleVerdict | None:
    """The targets' verdict (for RL303 unscaled-regression-targets): same measure, same threshold."""
    return judge_scale(report.targets, max_abs, "targets")


def input_scale_finding(report: ProbeReport, locator, settings=None):
    """RL301 from the measured batch alone (static analysis did not see the data): at the entry's line."""
    from relulint.config import Settings
    from relulint.rules import BY_CODE

    rule_cls = BY_CODE.get("RL301")
    if rule_cls is None:
        return None
    settings = settings or Settings()
    fallback = locator.fallback
    if not settings.is_enabled("RL301", fallback.path):
        return None
    max_abs = float(settings.options_for(rule_cls).get("max-abs-value", MAX_ABS))
    verdict = input_scale(report, max_abs)
    if verdict is None or not verdict.raw:
        return None
    s = report.inputs
    what = (f"a measured input batch ({s.dtype}, {fmt(s.min)} to {fmt(s.max)})" if not verdict.features else
            f"input feature(s) {', '.join(map(str, verdict.features[:8]))} (measured RMS up to "
            f"{fmt(max(verdict.numbers['feature_rms']))})")
    source = getattr(locator, "entry", None) or "the probed batch"
    model = locator.net.name if locator.net is not None else "the model"
    f = rule_cls().finding(fallback, what=what, source=source, model=model,
                           evidence={"measured_only": True, "features": verdict.features, "dtype": s.dtype,
                                     "min": s.min, "max": s.max, "mean": s.mean, "std": s.std})
    f.severity = settings.severity_for("RL301", f.severity)
    f.confirmation = "confirmed"
    f.measured = {"text": verdict.text, **{k: v for k, v in verdict.numbers.items() if k != "feature_rms"}}
    return f
