"""Helpers the machine-readable reporters share: rule metadata, paths, related-file text.

Kept free of I/O except `FileLines`, which reads a related file (e.g. the train.py holding the loss)
only to convert its positions; an unreadable file falls back to code-point columns.
"""

from __future__ import annotations

import os
from pathlib import Path

from relulint.finding import Severity
from relulint.positions import split_lines
from relulint.rule import DOCS_PATH

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}
GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def rule_url(code: str) -> str:
    """Where a rule's page is: a file:// URI when this installation sits in a checkout that has the
    page (editors open it), else its path in the repository (`docs/rules/RL101.md`)."""
    return rule_uri(code) or DOCS_PATH.format(code=code)


def rule_uri(code: str) -> str | None:
    """The rule page as an absolute URI, for fields that require one (SARIF helpUri, LSP
    codeDescription); None when the page is not on this machine (relulint has no docs site)."""
    page = Path(__file__).resolve().parents[2] / DOCS_PATH.format(code=code)
    return page.as_uri() if page.is_file() else None


def severity(value: object) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.WARNING


def path_to_uri(path: str) -> str:
    if path.startswith("<") or "://" in path:
        return path
    return Path(os.path.abspath(path)).as_uri()


def display_path(path: str) -> str:
    """A POSIX path relative to the working directory, as users typed it: `model.py`, and `../net.py`
    for a file beside it (a traced graph points at the source it was exported from). Absolute only
    when the file shares nothing with the cwd but the filesystem root (site-packages)."""
    if path.startswith("<") or path == "-":
        return path
    here, full = os.getcwd(), os.path.abspath(path)
    try:
        rel = os.path.relpath(full, here)
        common = os.path.commonpath([full, here])
    except ValueError:  # another drive on Windows
        return Path(full).as_posix()
    if rel.startswith("..") and os.path.dirname(common) == common:  # only the root in common
        return Path(full).as_posix()
    return Path(rel).as_posix()


def source_root(start: str | None = None) -> Path:
    """The root SARIF paths are relative to: the git work tree holding the cwd (what GitHub code
    scanning calls the repository root), else the cwd itself."""
    here = Path(os.path.abspath(start or os.getcwd()))
    return next((d for d in (here, *here.parents) if (d / ".git").exists()), here)


_MAX_BYTES = 4_000_000


class FileLines:
    """Source lines per path: the linted text when we have it, else the file read once."""

    def __init__(self, results: list) -> None:
        from relulint.project import project_root

        self._lines: dict[str, list[str] | None] = {}
        self._root = project_root([r.path for r in results])  # files elsewhere are never opened
        for r in results:
            if r.source is not None:
                self._lines[r.path] = split_lines(r.source)

    def get(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = None
            from relulint.graph import is_graph_file

            if path.startswith("<") or is_graph_file(path) or path.endswith(".ipynb"):  # (JSON, not its code)
                return None
            from relulint.safe_read import UnsafeFile, decode_source, read_file

            try:
                self._lines[path] = split_lines(decode_source(read_file(path, self._root, _MAX_BYTES)))
            except (UnsafeFile, ValueError):
                self._lines[path] = None
        return self._lines[path]
