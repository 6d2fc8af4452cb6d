"""Matching paths against gitignore-style patterns: per-file-ignores and exclude.

Patterns are relative to the config file's directory (ruff). Gitignore semantics come from
`pathspec`: a pattern without a slash matches at any depth (`__pycache__`, `*.py`), one with a
slash is anchored (`tests/**`), a trailing slash matches directories. In per-file-ignores a
leading `!` negates: the codes are ignored in every file the rest of the pattern does NOT match.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=512)
def _spec(pattern: str):
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines([pattern])


def relative_to_root(path: str, root: Path | None) -> str:
    """The path relative to root (posix), else relative to the cwd, else absolute."""
    p = Path(os.path.abspath(path))
    for base in ((root,) if root is not None else ()) + (Path.cwd(),):
        try:
            return p.relative_to(Path(os.path.abspath(base))).as_posix()
        except ValueError:
            continue
    return p.as_posix()


def glob_match(rel: str, pattern: str, is_dir: bool = False) -> bool:
    """Does the relative path (or any of its parent directories) match the pattern?"""
    rel = rel.strip("/")
    if not rel or rel == ".":
        return False
    spec = _spec(pattern)
    if spec.match_file(rel + "/" if is_dir else rel):
        return True
    # a file under an excluded or matched directory matches too: 'legacy/' covers legacy/a/b.py
    parts = rel.split("/")
    return any(spec.match_file("/".join(parts[:i]) + "/") for i in range(1, len(parts)))


def per_file_ignored(code: str, path: str, table: dict[str, list[str]], root: Path | None) -> bool:
    rel = relative_to_root(path, root)
    for pattern, codes in table.items():
        negated = pattern.startswith("!")
        if not any(code.startswith(c) or c == "ALL" for c in codes):
            continue
        hit = glob_match(rel, pattern[1:] if negated else pattern)
        if hit != negated:
            return True
    return False


def excluded(path: str, patterns: list[str], root: Path | None, is_dir: bool = False) -> str | None:
    """The first exclude pattern matching the path (or a parent directory of it), else None."""
    rel = relative_to_root(path, root)
    for pattern in patterns:
        if glob_match(rel, pattern, is_dir):
            return pattern
    return None
