"""Helpers the machine-readable reporters share: rule metadata, paths, related-file text.

Kept free of I/O except `FileLines`, which reads a related file (e.g. the train.py holding the loss)
only to convert its positions; an unreadable file falls back to code-point columns.
"""

from __future__ import annotations

import os
from pathlib import Path

from relulint.finding import Severity
from relulint.positions import split_lines
from relulint.rule import DOCS_URL

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
LSP_SEVERITY = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}
GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def rule_url(code: str) -> str:
    from relulint.rules import BY_CODE

    rule = BY_CODE.get(code)
    return rule.url() if rule is not None else DOCS_URL.format(code=code)


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
    """Repository-relative POSIX path when the file is under the working directory (CI runs there)."""
    if path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    if rel.startswith(".."):
        return Path(os.path.abspath(path)).as_posix()
    return Path(rel).as_posix()


_NOT_TEXT = (".onnx", ".pt", ".pth", ".ptl", ".torchscript", ".pt2")
_MAX_BYTES = 4_000_000


class FileLines:
    """Source lines per path: the linted text when we have it, else the file read once."""

    def __init__(self, results: list) -> None:
        self._lines: dict[str, list[str] | None] = {}
        for r in results:
            if r.source is not None:
                self._lines[r.path] = split_lines(r.source)

    def get(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = None
            if path.startswith("<") or path.endswith(_NOT_TEXT):
                return None
            try:
                if os.path.getsize(path) > _MAX_BYTES:
                    return None
                self._lines[path] = split_lines(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                self._lines[path] = None
        return self._lines[path]
