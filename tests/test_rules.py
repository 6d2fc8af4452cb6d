"""Every rule's own VALID / INVALID cases: INVALID fires on exactly the `# expect:` lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.rules import ALL_RULES
from relulint.testing import assert_snapshot, expectations, render_case, snapshot_path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

# Source-pass rules run here. Dynamic-only rules' cases are runnable entry points (tests/test_dynamic_rules.py);
# graph-only rules' cases are models traced and exported by tests/test_rl501.py.
SOURCE_RULES = [rule for rule in ALL_RULES if "source" in rule.PASSES]

CASES = [
    pytest.param(rule, case, valid, id=f"{rule.CODE}-{'valid' if valid else 'invalid'}-{i}")
    for rule in SOURCE_RULES
    for valid, cases in ((True, rule.VALID), (False, rule.INVALID))
    for i, case in enumerate(cases)
]


def _lint(rule, case, tmp_path):
    main = tmp_path / "model.py"
    main.write_text(case.source)
    for name, code in case.files:
        (tmp_path / name).write_text(__import__("textwrap").dedent(code))
    settings = Settings(select=[rule.CODE])
    result = lint_source(case.source, str(main), settings)
    return {(f.origin.line, f.code) for f in result.findings if f.origin.path == str(main)}, result


@pytest.mark.parametrize(("rule", "case", "valid"), CASES)
def test_rule_case(rule, case, valid, tmp_path):
    got, result = _lint(rule, case, tmp_path)
    want = set() if valid else {(line, code) for line, code in expectations(case.source) if code == rule.CODE}
    if not valid:
        assert want, "an INVALID case must mark at least one `# expect:` line"
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
    # the full rendered diagnostic (message, column, code frame, related locations, fix diff)
    assert_snapshot(snapshot_path(SNAPSHOTS, rule, valid, case), render_case([result], str(tmp_path)))


def test_no_stale_snapshots():
    """Every snapshot file belongs to a case that still exists (renumbered or deleted cases leave none)."""
    want = {snapshot_path(SNAPSHOTS, r, v, c) for r in ALL_RULES for v, cases in ((True, r.VALID), (False, r.INVALID))
            for c in cases}
    have = set(SNAPSHOTS.rglob("*.snap"))
    assert have <= want, sorted(str(p.relative_to(SNAPSHOTS)) for p in have - want)


def test_every_rule_runs_somewhere():
    assert {r.CODE for r in ALL_RULES if "source" not in r.PASSES} <= {"RL401", "RL402", "RL403", "RL404", "RL501"}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_rule_has_enough_cases(rule):
    assert len(rule.VALID) >= 5 and len(rule.INVALID) >= 5
