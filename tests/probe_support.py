"""Helpers for the probe tests: lint a small project written to tmp_path, read findings as
(file, line, code), and the text --unsafe-fixes would make of each file."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from relulint.engine import lint_paths
from relulint.fixes import attach_results, fix_source


def _lint(tmp_path: Path) -> list:
    return lint_paths([str(p) for p in sorted(tmp_path.glob("*.py"))], jobs=1)


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, code in files.items():
        (tmp_path / name).write_text(textwrap.dedent(code))
    return tmp_path


def expected(tmp_path: Path) -> set[tuple[str, int, str]]:
    """The `# expect: RLxxx` markers of every file under tmp_path."""
    out = set()
    for path in sorted(tmp_path.glob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for code in re.findall(r"# expect: (RL\d{3})", line):
                out.add((path.name, i, code))
    return out


def found(tmp_path: Path) -> set[tuple[str, int, str]]:
    """Every finding of a lint of the whole folder (each file with its neighbours), as (file, line, code)."""
    return {(Path(f.origin.path).name, f.origin.line, f.code)
            for r in _lint(tmp_path) for f in r.findings}


def fixed(tmp_path: Path) -> dict[str, str]:
    """Each file's text after --unsafe-fixes, for the files a fix changes."""
    out = {}
    for r in attach_results(_lint(tmp_path)):
        if r.findings and r.source is not None:
            text, done = fix_source(r.source, r.findings, unsafe=True)
            if done:
                out[Path(r.path).name] = text
    return out
