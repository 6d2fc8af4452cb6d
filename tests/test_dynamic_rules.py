"""Every dynamic rule's VALID / INVALID cases, run for real: each case is a runnable entry point
(`relulint_batch()`), probed on the CPU; INVALID fires on exactly the `# expect:` lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.dynamic.cli import probe_file
from relulint.engine import FileResult
from relulint.rules import ALL_RULES
from relulint.testing import assert_snapshot, expectations, render_case, snapshot_path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

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
    target, findings, _, _, _ = probe_file(str(path), settings=Settings(select=[rule.CODE]), device="cpu")
    got = {(f.origin.line, f.code) for f in findings}
    want = set() if valid else {(line, code) for line, code in expectations(case.source) if code == rule.CODE}
    if not valid:
        assert want, "an INVALID case must mark at least one `# expect:` line"
    assert got == want, [f"{f.origin.path}:{f.origin.line}: {f.code} {f.message}" for f in findings]
    result = FileResult(path=str(path), findings=findings, source=case.source)
    assert_snapshot(snapshot_path(SNAPSHOTS, rule, valid, case), render_case([result], str(tmp_path)))
