"""Every rule's own VALID / INVALID cases: INVALID fires on exactly the `# expect:` lines."""

from __future__ import annotations

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.rules import ALL_RULES
from relulint.testing import expectations

CASES = [
    pytest.param(rule, case, valid, id=f"{rule.CODE}-{'valid' if valid else 'invalid'}-{i}")
    for rule in ALL_RULES
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
    if rule.PASSES == {"dynamic"}:
        pytest.skip("dynamic-only rule: its cases are entry points, run by tests/test_dynamic_rules.py")
    if rule.PASSES == {"graph"}:
        pytest.skip("graph-only rule: its cases build models, traced and exported by tests/test_rl501.py")
    got, result = _lint(rule, case, tmp_path)
    want = set() if valid else {(line, code) for line, code in expectations(case.source) if code == rule.CODE}
    if not valid:
        assert want, "an INVALID case must mark at least one `# expect:` line"
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_rule_has_enough_cases(rule):
    assert len(rule.VALID) >= 5 and len(rule.INVALID) >= 5
