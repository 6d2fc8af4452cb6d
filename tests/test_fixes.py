"""Every fix: exact before/after text; the fixed source parses and no longer fires that rule."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.finding import Edit
from relulint.fixes import apply_edits, apply_fixes, attach, attach_results, fix_source
from relulint.rule import StaticRule
from relulint.rules import ALL_RULES

FIX_CASES = [pytest.param(rule, case, id=f"{rule.CODE}-{i}")
             for rule in ALL_RULES if "source" in rule.PASSES for i, case in enumerate(rule.INVALID)]


def _findings(code: str, source: str, path: str) -> list:
    found = [f for f in lint_source(source, path, Settings(select=[code])).findings if f.code == code]
    return attach(found, {path: source})


def _unmarked(source: str) -> str:
    return re.sub(r"  # expect: RL\d{3}", "", source)


@pytest.mark.parametrize(("rule", "case"), FIX_CASES)
def test_fix(rule, case, tmp_path):
    """Each INVALID case: its `fixed` code exactly (with --unsafe-fixes), or no fix at all."""
    path = tmp_path / "model.py"
    path.write_text(case.source)
    for name, code in case.files:
        (tmp_path / name).write_text(textwrap.dedent(code))
    found = _findings(rule.CODE, case.source, str(path))
    assert found, f"{rule.CODE} must fire on the case"
    if case.fixed is None:
        assert all(f.fix is None for f in found), "a fix where the case declares none: add `fixed=`"
        return
    assert all(f.fix is not None for f in found)
    assert {f.fix.applicability for f in found} == {"unsafe"}  # every rule fix changes what the model computes
    fixed, done = fix_source(case.source, found, unsafe=True)
    assert _unmarked(fixed) == case.fixed_source
    assert done == found
    ast.parse(fixed)
    assert _findings(rule.CODE, fixed, str(path)) == [], f"{rule.CODE} still fires after the fix"
    assert fix_source(case.source, found, unsafe=False)[0] == case.source  # --fix alone leaves them alone


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if issubclass(r, StaticRule)], ids=lambda r: r.CODE)
def test_fix_safety_section_agrees_with_the_fixes(rule):
    """The docs say Unsafe exactly when the rule has fixes (all unsafe), and No fix when it has none."""
    section = rule.section("Fix safety")
    assert section, f"{rule.CODE} lacks '## Fix safety'"
    assert rule.section("Known problems"), f"{rule.CODE} lacks '## Known problems'"
    if rule.fix_availability() == "None":
        assert section.startswith("No fix"), section
        assert rule.fix is StaticRule.fix or rule.CODE in ("RL204",), "a fix method no case exercises"
    else:
        assert section.startswith("Unsafe."), section


def test_fix_help_and_docs_say_the_same(capsys):
    from relulint.cli import main

    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "apply safe fixes (ones that keep what the code computes)" in help_text
    assert "Every relulint rule fix is unsafe" in help_text
    docs = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    assert "every relulint rule fix is unsafe" in " ".join(docs.split()).lower()


def test_positive_constant_init_gets_no_edit(tmp_path):
    src = """\
import torch.nn as nn
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
model.apply(init_weights)
"""
    (f,) = _findings("RL201", src, str(tmp_path / "m.py"))
    assert f.fix is None and f.help  # a zero constant would not train: only the help text


def test_unwrap_keeps_precedence():
    from relulint.finding import Finding, Severity
    from relulint.fixes import Parsed, remove_activation
    from relulint.ir import Origin

    src = "y = F.relu(a + b) * 2\n"
    p = Parsed(src)
    start = src.index("F.relu")
    fix = remove_activation(p, Origin("m.py", 1, start, 1, src.index(" * 2")), "t")
    assert fix is not None
    out, _ = fix_source(src, [Finding("RL101", "n", Severity.ERROR, "m", Origin("m.py", 1, 0), fix=fix)], unsafe=True)
    assert out == "y = (a + b) * 2\n"


def test_overlapping_edits_first_wins():
    src = "abcdef\n"
    out, kept = apply_edits(src, [Edit("X", 1, 1, 1, 4), Edit("Y", 1, 2, 1, 5), Edit("Z", 1, 5, 1, 6)])
    assert out == "aXeZ\n" and len(kept) == 2


BUGGY = "import torch.nn as nn\r\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\r\nloss_fn = nn.MSELoss()\r\n"


def test_apply_fixes_diff_then_write_keeps_bom_and_crlf(tmp_path):
    from relulint.engine import lint_paths

    path = tmp_path / "model.py"
    path.write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    results = attach_results(lint_paths([str(path)]))
    diff = apply_fixes(results, write=False, unsafe=True)
    assert "-model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())" in diff
    assert "+model = nn.Sequential(nn.Linear(8, 1))" in diff
    assert path.read_bytes() == b"\xef\xbb\xbf" + BUGGY.encode()  # --diff writes nothing
    apply_fixes(results, write=True, unsafe=True)
    assert path.read_bytes() == b"\xef\xbb\xbf" + BUGGY.replace(", nn.ReLU())", ")").encode()
    assert [r.findings for r in lint_paths([str(path)])] == [[]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]


def test_file_changed_since_lint_is_not_written(tmp_path, capsys):
    from relulint.engine import lint_paths

    path = tmp_path / "model.py"
    path.write_text(BUGGY)
    results = attach_results(lint_paths([str(path)]))
    path.write_text(BUGGY + "# edited meanwhile\n")
    apply_fixes(results, write=True, unsafe=True)
    assert path.read_text().endswith("# edited meanwhile\n")
    assert "changed since it was linted" in capsys.readouterr().err
    path.unlink()
    apply_fixes(results, write=True, unsafe=True)  # deleted meanwhile: a message, no exception
    assert not path.exists()
