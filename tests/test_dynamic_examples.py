"""examples/dynamic/: runnable entry points reproducing the seeds, probed for real on the CPU.

`# probe: RL401` marks the line a dynamic finding must point at; `# expect:` markers are the
static pass's and are checked by tests/test_examples.py. Each test compares with a seed's figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.dynamic.cli import probe_file
from relulint.dynamic.confirm import confirm
from relulint.engine import lint_source

pytest.importorskip("torch")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "dynamic"
_PROBE = re.compile(r"#\s*probe\s*:\s*(?P<codes>RL\d{3}(?:\s*,\s*RL\d{3})*)")
TORCH_FILES = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("keras_"))


def probe_markers(source: str) -> set[tuple[int, str]]:
    out = set()
    for i, text in enumerate(source.splitlines(), start=1):
        m = _PROBE.search(text)
        if m:
            out.update((i, c.strip()) for c in m.group("codes").split(","))
    return out


def _probe(path: Path, steps: int = 0):
    source = path.read_text()
    static = lint_source(source, str(path), Settings())
    target, findings, reports, locator, _ = probe_file(str(path), settings=Settings(), device="cpu", steps=steps)
    confirm(static.findings, reports[0], locator)
    return source, static.findings, findings, reports


@pytest.mark.parametrize("path", TORCH_FILES, ids=lambda p: p.name)
def test_probe_markers(path):
    steps = 5 if "dies_training" in path.name else 0
    source, _, findings, _ = _probe(path, steps)
    got = {(f.origin.line, f.code) for f in findings}
    assert got == probe_markers(source), [f"{f.origin.line}: {f.code} {f.message}" for f in findings]


def test_fixed_twins_have_no_dynamic_findings():
    twins = [p for p in TORCH_FILES if p.stem.endswith("_fixed")]
    assert len(twins) >= 3
    for path in twins:
        source, static, findings, _ = _probe(path)
        assert not findings and not probe_markers(source), path


def test_seed004_negative_inputs_all_positive_weights_dead_100_percent_on_first_batch():
    _, static, findings, reports = _probe(EXAMPLES / "negative_inputs.py")
    (dead,) = [f for f in findings if f.code == "RL401"]
    assert dead.evidence["dead_share"] == 1.0 and dead.evidence["units"] == 32
    assert reports[0].layer("dense").weight_grad_norm == 0.0  # the article's flat-zero dense gradient
    (rl201,) = [f for f in static if f.code == "RL201"]
    assert rl201.confirmation == "confirmed" and rl201.measured["dead_share"] == 1.0


def test_seed003_three_layers_first_grad_about_1e_2_of_last_and_rl402_confirms_rl202():
    _, static, findings, reports = _probe(EXAMPLES / "vanishing.py")
    (rl402,) = [f for f in findings if f.code == "RL402"]
    assert 1e-3 < rl402.evidence["grad_ratio"] < 5e-2  # the seed's "~1e-2 of the last layer's"
    assert reports[0].layer("fc1").gain < 1e-2  # "the signal shrinks ~1e-3 per layer"
    (rl202,) = [f for f in static if f.code == "RL202"]
    assert rl202.confirmation == "confirmed"


def test_seed003_two_layers_and_xavier_twin_not_flagged_ratio_near_half_or_more():
    for name, lo in (("two_layers.py", 0.5), ("vanishing_fixed.py", 0.2)):
        _, _, findings, reports = _probe(EXAMPLES / name)
        layers = reports[0].affine_layers
        ratio = layers[0].weight_grad_norm / layers[-1].weight_grad_norm
        assert ratio > lo, (name, ratio)  # Xavier + bias 0.1: ~0.5 as the seed's answer shows
        assert not findings


def test_seed002_output_relu_with_negative_targets_confirmed_with_clamped_share():
    _, static, _, _ = _probe(EXAMPLES / "relu_output.py")
    (rl101,) = [f for f in static if f.code == "RL101"]
    assert rl101.confirmation == "confirmed"
    assert 0.2 < rl101.measured["clamped_share"] < 0.8 and rl101.measured["target_min"] < 0
    assert "clamped at 0" in rl101.measured["text"]


def test_seed004_dies_while_training_caught_only_with_steps():
    path = EXAMPLES / "dies_training.py"
    _, _, first, _ = _probe(path)
    assert not [f for f in first if f.code == "RL401"]  # alive on the first batch (12% dead)
    _, _, findings, reports = _probe(path, steps=5)
    dead = [r.relu_layers[0].dead for r in reports]
    assert dead[0] < 0.5 < dead[-1]
    (rl401,) = [f for f in findings if f.code == "RL401"]
    assert rl401.evidence["step"] > 0 and len(rl401.evidence["trajectory"]) == 6


def test_keras_seed004_entry_point_dead_layer():
    pytest.importorskip("tensorflow")
    path = EXAMPLES / "keras_negative_inputs.py"
    source, static, findings, reports = _probe(path)
    assert reports[0].framework == "keras"
    assert {(f.origin.line, f.code) for f in findings} == probe_markers(source)
    assert [f.confirmation for f in static if f.code == "RL201"] == ["confirmed"]
