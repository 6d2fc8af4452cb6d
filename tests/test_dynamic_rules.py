"""Every dynamic rule's VALID / INVALID cases, run for real: each case is a runnable entry point
(`relulint_batch()`), probed on the CPU; INVALID fires on exactly the `# expect:` lines."""

from __future__ import annotations

import pytest

from relulint.config import Settings
from relulint.dynamic.cli import probe_file
from relulint.rules import ALL_RULES
from relulint.testing import expectations

pytest.importorskip("torch")

DYNAMIC = [r for r in ALL_RULES if "dynamic" in r.PASSES]
CASES = [
    pytest.param(rule, case, valid, id=f"{rule.CODE}-{'valid' if valid else 'invalid'}-{i}")
    for rule in DYNAMIC
    for valid, cases in ((True, rule.VALID), (False, rule.INVALID))
    for i, case in enumerate(cases)
]


def test_dynamic_rules_exist():
    assert [r.CODE for r in DYNAMIC] == ["RL401", "RL402", "RL403", "RL404"]


@pytest.mark.parametrize(("rule", "case", "valid"), CASES)
def test_dynamic_rule_case(rule, case, valid, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(case.source)
    _, findings, _, _, _ = probe_file(str(path), settings=Settings(select=[rule.CODE]), device="cpu")
    got = {(f.origin.line, f.code) for f in findings}
    want = set() if valid else {(line, code) for line, code in expectations(case.source) if code == rule.CODE}
    if not valid:
        assert want, "an INVALID case must mark at least one `# expect:` line"
    assert got == want, [f"{f.origin.path}:{f.origin.line}: {f.code} {f.message}" for f in findings]


@pytest.mark.parametrize("rule", DYNAMIC, ids=lambda r: r.CODE)
def test_dynamic_rule_is_silent_on_static_ir(rule):
    """The source/graph passes never produce dynamic findings: the probe does."""
    from relulint.engine import lint_source

    for case in rule.INVALID:
        assert not lint_source(case.source, "model.py", Settings(select=[rule.CODE])).findings
