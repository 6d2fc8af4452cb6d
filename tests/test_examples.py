"""relulint over the whole examples/ tree: every `# expect:` marker must fire and nothing else may."""

from __future__ import annotations

from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file
from relulint.testing import expectations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(p for p in EXAMPLES.rglob("*.py") if "__pycache__" not in p.parts)

# Example files whose markers the source pass does not meet yet (a marked bug missed, or a finding on
# a fixed twin). Strict: once a file passes, its entry must go. The markers stay as the truth.
KNOWN_GAPS: dict[str, str] = {}


def _param(path: Path):
    rel = path.relative_to(EXAMPLES).as_posix()
    if rel in KNOWN_GAPS:
        return pytest.param(path, id=rel, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[rel]))
    return pytest.param(path, id=rel)


def test_examples_exist():
    assert len(FILES) >= 10


def test_known_gaps_name_existing_files():
    assert not [rel for rel in KNOWN_GAPS if not (EXAMPLES / rel).is_file()]


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_example_markers(path: Path):
    source = path.read_text(encoding="utf-8")
    result = lint_file(str(path), Settings(), FactsCache())
    got = {(f.origin.line, f.code) for f in result.findings if Path(f.origin.path).resolve() == path}
    want = expectations(source)
    missed = sorted(want - got)
    extra = sorted(got - want)
    detail = [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
    assert not missed and not extra, f"missed={missed} extra={extra}\n" + "\n".join(detail)


def test_fixed_twins_are_silent():
    """Every `*_fixed.py` twin, and every file of a `*_fixed/` project folder, carries no markers: it
    is the proof the fix the seed recommends is clean."""
    twins = [p for p in FILES if p.stem.endswith("_fixed") or any(d.endswith("_fixed") for d in p.parent.parts)]
    assert len(twins) >= 10
    for path in twins:
        assert not expectations(path.read_text(encoding="utf-8")), path


def test_realistic_projects_have_fixed_twins():
    """examples/realistic/: each buggy project folder has markers and a `_fixed` twin folder."""
    root = EXAMPLES / "realistic"
    projects = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.endswith("_fixed")
                      and d.name != "__pycache__")
    assert len(projects) >= 6
    for project in projects:
        twin = root / f"{project.name}_fixed"
        assert twin.is_dir(), f"{project.name} has no fixed twin"
        files = sorted(project.glob("*.py"))
        assert len(files) >= 2, f"{project.name} is not a multi-file project"
        assert any(expectations(f.read_text(encoding="utf-8")) for f in files), f"{project.name} marks no bug"
