"""Correct, real-world-shaped models must produce no findings at all (every rule enabled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from relulint.config import Settings
from relulint.engine import FactsCache, lint_file
from relulint.source import lower_source

REAL = Path(__file__).resolve().parent / "real_models"
FILES = sorted(REAL.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_real_model_is_silent(path: Path):
    result = lint_file(str(path), Settings(), FactsCache())
    assert result.findings == [], [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_real_model_is_understood(path: Path):
    """Silence must come from understanding the model, not from missing it: each file yields networks."""
    facts = lower_source(str(path), path.read_text(encoding="utf-8"))
    assert facts.networks, "no network lowered"
    assert any(op.kind == "affine" for net in facts.networks for op in net.ops)
