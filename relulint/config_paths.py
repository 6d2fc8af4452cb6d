"""Matching file paths against per-file-ignores patterns (gitignore-style globs, '!' negates)."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path


def _rel(path: str, root: Path | None) -> str:
    p = Path(path).resolve()
    if root is not None:
        try:
            return p.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return Path(os.path.relpath(p)).as_posix()


def glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*") or fnmatch.fnmatch(rel, pattern + "/**"):
        return True
    if "/" not in pattern:  # bare names match any path component, like .gitignore
        return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/"))
    if pattern.endswith("/**"):
        return rel.startswith(pattern[:-3].rstrip("/") + "/")
    return False


def per_file_ignored(code: str, path: str, table: dict[str, list[str]], root: Path | None) -> bool:
    rel = _rel(path, root)
    for pattern, codes in table.items():
        negated = pattern.startswith("!")
        hit = glob_match(rel, pattern[1:] if negated else pattern)
        if hit != negated and any(code.startswith(c) for c in codes):
            return True
    return False
