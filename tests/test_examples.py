"""relulint over the whole examples/ tree: every `# expect:` marker must fire and nothing else may."""

from __future__ import annotations

from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file
from relulint.testing import expectations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(p for p in EXAMPLES.rglob("*.py") if "__pycache__" not in p.parts)


def test_examples_exist():
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
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
    """Every `*_fixed.py` twin carries no markers: it is the proof the fix the seed recommends is clean."""
    for path in FILES:
        if path.stem.endswith("_fixed"):
            assert not expectations(path.read_text(encoding="utf-8")), path
