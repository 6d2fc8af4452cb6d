"""`# expect: RL101` markers (pylint functional-test style), parsed apart from suppressions."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from pathlib import Path

_EXPECT = re.compile(r"#\s*expect(?P<offset>[+-]\d+)?\s*:\s*(?P<codes>RL\d{3}(?:\s*,\s*RL\d{3})*)")


def expectations(source: str) -> set[tuple[int, str]]:
    """{(line, code)} for every `# expect: RLxxx[, RLyyy]` (or `# expect+1: ...`) in the source."""
    out = set()
    for i, text in enumerate(source.splitlines(), start=1):
        m = _EXPECT.search(text)
        if m:
            line = i + int(m.group("offset") or 0)
            out.update((line, c.strip()) for c in m.group("codes").split(","))
    return out


def lint_case(code: str, path: str = "main.py"):
    """Lint one test case (dedented): its source, the {(line, code)} it was flagged at, and the FileResult."""
    import textwrap

    from relulint.config import Settings
    from relulint.engine import lint_source

    source = textwrap.dedent(code).strip("\n") + "\n"
    result = lint_source(source, path, Settings())
    return source, {(f.origin.line, f.code) for f in result.findings}, result


def assert_markers(code: str) -> set[tuple[int, str]]:
    """Lint a case and check its findings are exactly its `# expect:` markers; returns the markers."""
    source, got, result = lint_case(code)
    want = expectations(source)
    assert got == want, [f"{f.origin.line}: {f.code} {f.message}" for f in result.findings]
    return want


# ------------------------------------------------------------------------------------ snapshots

SNAPSHOT_ENV = "RELULINT_UPDATE_SNAPSHOTS"  # set (or `pytest --update-snapshots`) to rewrite them


def assert_snapshot(path: Path, text: str) -> None:
    """`text` must equal the committed snapshot at `path`; in update mode the file is (re)written.

    A missing snapshot fails outside update mode, so a new case cannot pass unreviewed."""
    if os.environ.get(SNAPSHOT_ENV):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"no snapshot {path}: run pytest --update-snapshots and review the new file")
    want = path.read_text(encoding="utf-8")
    if want != text:
        diff = "".join(difflib.unified_diff(want.splitlines(keepends=True), text.splitlines(keepends=True),
                                            fromfile=f"{path} (committed)", tofile="now"))
        raise AssertionError(f"snapshot {path.name} differs (pytest --update-snapshots to accept):\n{diff}")


def snapshot_path(folder: Path, rule: type, valid: bool, case: object) -> Path:
    """tests/snapshots/RL101/invalid-0.snap: one file per rule case."""
    cases = rule.VALID if valid else rule.INVALID
    index = next(i for i, c in enumerate(cases) if c is case)  # identity: two equal cases are two files
    return folder / rule.CODE / f"{'valid' if valid else 'invalid'}-{index}.snap"


def render_case(results: list, root: str) -> str:
    """What a snapshot holds for one rule case: every finding rendered in full (message, position,
    code frame, help, related locations, confirmation) and the unified diff of its fixes, with the
    case's temporary folder stripped from paths."""
    from relulint import report
    from relulint.fixes import apply_fixes

    # Rendered from the case folder: paths are shown relative to the cwd, and a checkout under the
    # same parent as the temporary folder (/tmp) would otherwise print `../pytest-of-.../model.py`.
    with contextlib.chdir(root):
        body = report.render("full", results, None, color=False, unsafe_fixes=True) if any(
            r.findings for r in results) else "(no findings)\n"
        diff = apply_fixes(results, write=False, unsafe=True)
    text = body + ("\n" + diff if diff else "")
    prefix = root.rstrip("/") + "/"
    return text.replace(prefix, "").replace(prefix.lstrip("/"), "")


# ------------------------------------------------------------------------------------ graph cases


def load_graph_case(source: str, folder: Path, name: str) -> tuple[Path, tuple]:
    """Run a graph case's `relulint_graph()` from a real file (so a trace's positions point at it):
    (the file, (model, example input, declared input range or None))."""
    import importlib.util
    import sys

    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        return path, module.relulint_graph()
    finally:
        sys.modules.pop(name, None)
