"""Every static rule's `confirm` run on probe reports that show its failure and ones that do not, and
its docs' "Confirmed by" section checked against what `confirm` really measures."""

from __future__ import annotations

import re

import pytest

from relulint.config import Settings
from relulint.dynamic.confirm import confirm
from relulint.dynamic.stats import LayerStats, ProbeReport, TensorSummary
from relulint.finding import Finding, Severity
from relulint.ir import Origin
from relulint.rule import StaticRule
from relulint.rules import ALL_RULES, BY_CODE

AT = Origin("model.py", 3, 4, 3, 20)


def _affine(key="fc1", sites=(AT,), **kw) -> LayerStats:
    return LayerStats(key=key, kind="affine", module="Linear", name=key, sites=list(sites), **kw)


def _relu(producer="fc1", dead=0.0, units=8) -> LayerStats:
    return LayerStats(key=f"{producer}+relu", kind="activation", module="relu()", producer=producer,
                      activation="relu", dead=dead, units=units)


def _inputs(lo, hi, dtype="float32") -> TensorSummary:
    return TensorSummary(shape=(64, 4), dtype=dtype, min=lo, max=hi, mean=(lo + hi) / 2, std=(hi - lo) / 4)


def _tabular(lo, hi) -> TensorSummary:
    """A (64, 4) tabular batch whose last column spans [lo, hi] and the others [0, 1]."""
    mean, std = (lo + hi) / 2, (hi - lo) / 4
    features = {"min": [0.0, 0.0, 0.0, lo], "max": [1.0, 1.0, 1.0, hi], "mean": [0.5, 0.5, 0.5, mean],
                "std": [0.25, 0.25, 0.25, std]}
    return TensorSummary(shape=(64, 4), dtype="float32", min=min(lo, 0.0), max=max(hi, 1.0), mean=mean, std=std,
                         features=features, feature_axis=1)


def _softmax(input_grad_rms, saturated) -> ProbeReport:
    layer = LayerStats(key="sm", kind="activation", module="Softmax", activation="softmax", grad_rms=1.0,
                       input_grad_rms=input_grad_rms, saturated=saturated)
    return ProbeReport("torch", layers=[layer], output_layer="sm")


def _two_layers(first_grad, gain=1.4, rms=1.0, nonfinite=False) -> ProbeReport:
    return ProbeReport("torch", layers=[
        _affine("fc1", rms=rms * gain, in_rms=rms, weight_grad_norm=first_grad, nonfinite=nonfinite),
        _affine("fc2", sites=(), rms=1.0, in_rms=1.0, weight_grad_norm=1.0)])


# code -> (a report that shows the failure, one that dismisses it)
REPORTS = {
    "RL101": (ProbeReport("torch", output=TensorSummary(min=0.0, max=3.0, zero=0.6),
                          targets=TensorSummary(min=-1.0, max=1.0)),
              ProbeReport("torch", output=TensorSummary(min=0.1, max=3.0, zero=0.0))),
    "RL102": (_softmax(0.01, 0.9), _softmax(0.9, 0.0)),
    "RL201": (ProbeReport("torch", layers=[_affine(rms=1.0, in_rms=1.0, weight_grad_norm=0.0), _relu(dead=1.0)]),
              ProbeReport("torch", layers=[_affine(rms=1.0, in_rms=1.0, weight_grad_norm=0.3), _relu(dead=0.1)])),
    "RL202": (_two_layers(0.001, gain=0.05), _two_layers(0.9)),
    "RL203": (_two_layers(1.0, gain=50.0), _two_layers(1.0, gain=1.4)),
    "RL301": (ProbeReport("torch", inputs=_tabular(0.0, 255.0)), ProbeReport("torch", inputs=_tabular(0.0, 1.0))),
    "RL303": (ProbeReport("torch", targets=_inputs(0.0, 5e5)), ProbeReport("torch", targets=_inputs(-1.0, 1.0))),
    "RL302": (ProbeReport("torch", inputs=_inputs(-1.0, 0.0), layers=[_affine(), _relu(dead=0.5)]),
              ProbeReport("torch", inputs=_inputs(-1.0, 1.0), layers=[_affine(), _relu(dead=0.0)])),
}
CONFIRMING = [r for r in ALL_RULES if issubclass(r, StaticRule) and r.confirms()]


def _finding(code: str) -> Finding:
    rule = BY_CODE[code]
    return Finding(code=code, name=rule.NAME, severity=rule.SEVERITY, message="m", origin=AT)


def test_every_confirming_rule_has_reports_here():
    assert {r.CODE for r in CONFIRMING} == set(REPORTS)


@pytest.mark.parametrize("code", sorted(REPORTS))
def test_confirm_and_dismiss(code):
    shows, dismisses = REPORTS[code]
    yes, no = _finding(code), _finding(code)
    confirm([yes], shows)
    confirm([no], dismisses)
    assert yes.confirmation == "confirmed" and yes.severity == BY_CODE[code].SEVERITY, yes.measured
    assert no.confirmation == "not-confirmed" and no.severity == Severity.INFO, no.measured
    assert yes.measured["text"] and no.measured["text"]


@pytest.mark.parametrize("code", sorted(REPORTS))
def test_thresholds_come_from_the_rules_options(code):
    """Moving every confirm-* threshold past the measured figure flips the verdict."""
    rule = BY_CODE[code]
    options = {k: v for k, v in rule.OPTIONS.items()}
    shows, dismisses = REPORTS[code]
    f = _finding(code)
    assert rule().confirm(f, shows, options).confirmed
    flipped = {k: -1e9 if k.startswith("confirm-max-") else 1e9 for k in options
               if k.startswith("confirm-") or k in ("max-abs-value", "max-abs-target", "min-negative-share")}
    assert not rule().confirm(f, shows, {**options, **flipped}).confirmed


def test_uint8_inputs_confirm_rl301_whatever_their_range():
    f = _finding("RL301")
    confirm([f], ProbeReport("torch", inputs=_inputs(0.0, 1.0, "uint8")))
    assert f.confirmation == "confirmed"


def test_a_report_that_cannot_tell_leaves_the_finding_alone():
    empty = ProbeReport("torch")
    findings = [_finding(code) for code in REPORTS]
    confirm(findings, empty, settings=Settings())
    assert all(f.confirmation is None and f.measured is None for f in findings)


def test_a_layer_elsewhere_is_not_this_findings_layer():
    far = Origin("model.py", 30)
    shows, _ = REPORTS["RL201"]
    f = Finding(code="RL201", name="positive-mean-init", severity=Severity.WARNING, message="m", origin=far)
    confirm([f], shows)
    assert f.confirmation is None


_FIGURE = re.compile(r"`([a-z][a-z0-9_]*)`")
_OPTION = re.compile(r"`([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`")


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if issubclass(r, StaticRule)], ids=lambda r: r.CODE)
def test_confirmed_by_names_only_what_confirm_measures(rule):
    """Each figure a "Confirmed by" section names in backticks is a key of what `confirm` returned,
    each option it names is one of the rule's options; a rule without `confirm` says so."""
    section = rule.section("Confirmed by")
    assert section, f"{rule.CODE} has no 'Confirmed by' section"
    if not rule.confirms():
        assert section.startswith("Not confirmed"), section
        return
    measured: set[str] = set()
    for report in REPORTS[rule.CODE]:
        verdict = rule().confirm(_finding(rule.CODE), report, Settings().options_for(rule))
        measured |= set(verdict.figures)
    named = set(_FIGURE.findall(section))
    assert named, f"{rule.CODE}: 'Confirmed by' names no measured figure"
    assert named <= measured, f"{rule.CODE} names {sorted(named - measured)}, confirm measures {sorted(measured)}"
    assert set(_OPTION.findall(section)) <= set(rule.OPTIONS), rule.CODE


# ------------------------------------------------------------------------------------ real probes

REAL = {
    # softmax output trained with squared error: the logits get a sliver of the output's gradient
    "RL102": """
import torch, torch.nn as nn
model = nn.Sequential(nn.Linear(8, 10), nn.Softmax(dim=1))
loss_fn = nn.MSELoss()
def relulint_batch():
    torch.manual_seed(0)
    with torch.no_grad():
        model[0].weight.mul_(30.0)
    x = torch.randn(64, 8)
    return model, x, torch.nn.functional.one_hot(torch.randint(0, 10, (64,)), 10).float(), loss_fn
""",
    # std 0.5 with fan-in 2048: the layer multiplies the signal ~16x
    "RL203": """
import torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2048, 64)
        self.fc.weight.data.normal_(0.0, 0.5)
        self.out = nn.Linear(64, 1)
    def forward(self, x):
        return self.out(torch.relu(self.fc(x)))
def relulint_batch():
    torch.manual_seed(0)
    return Net(), torch.randn(32, 2048)
""",
    # inputs in (-1, 0) into a ReLU layer
    "RL302": """
import torch, torch.nn as nn
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
x = -torch.rand(256, 4)
out = model(x)
def relulint_batch():
    torch.manual_seed(0)
    return model, x
""",
    # raw 0-255 pixels
    "RL301": """
import torch, torch.nn as nn
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
x = torch.randint(0, 256, (32, 1, 8, 8)).float()
out = model(x)
def relulint_batch():
    return model, x
""",
}


@pytest.mark.parametrize("code", sorted(REAL))
def test_confirmation_on_a_real_probe(code, tmp_path):
    """The branches no other test runs for real: the static finding, a real batch, the verdict."""
    pytest.importorskip("torch")
    from relulint.dynamic.cli import probe_file
    from relulint.engine import lint_source

    path = tmp_path / "model.py"
    path.write_text(REAL[code])
    static = [f for f in lint_source(REAL[code], str(path), Settings(select=[code])).findings if f.code == code]
    assert static, f"{code} must fire statically on the case"
    _, _, reports, locator, _ = probe_file(str(path), settings=Settings(select=[code]), device="cpu")
    confirm(static, reports[0], locator)
    assert static[0].confirmation == "confirmed", static[0].measured
    named = set(_FIGURE.findall(BY_CODE[code].section("Confirmed by")))
    assert named & set(static[0].measured), static[0].measured
