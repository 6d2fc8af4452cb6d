"""The project root: relulint opens nothing outside it, after following symlinks.

The root is the repository root (the nearest folder with `.git`) enclosing the linted paths, else
their common folder. Graph files name source files in their stack traces (ONNX doc strings,
TorchScript source ranges) and neighbours can be symlinks: a path that resolves outside the root is
never opened, so a crafted model cannot make relulint read `/etc/shadow` or a 400 MB file elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=256)
def repository_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding `.git` (a directory or a worktree file)."""
    d = folder
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def project_root(paths: Iterable[str]) -> str:
    """The real path of the project holding `paths` (files or folders; the cwd when there are none).

    The common folder is taken from the paths as written, not their targets: a linted symlink that
    points out of the project does not widen the project."""
    folders = []
    for p in paths:
        if p in ("-", ""):
            continue
        a = os.path.abspath(p)
        folders.append(a if os.path.isdir(a) else os.path.dirname(a))
    if not folders:
        folders = [os.getcwd()]
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # different drives (Windows): no common folder, the first path's decides
        common = folders[0]
    common = os.path.realpath(common)
    return repository_root(common) or marked_root(common) or common


# Files that mark a project's top folder when it is not a git checkout (a copied or unpacked project).
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt")


def marked_root(folder: str, levels: int = 3) -> str | None:
    """The nearest folder at or at most `levels` above `folder` holding a project marker file."""
    d = folder
    for _ in range(levels + 1):
        if any(os.path.isfile(os.path.join(d, m)) for m in _PROJECT_MARKERS):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
    return None


def inside(path: str, root: str | None) -> bool:
    """Does `path` resolve (symlinks followed) to a location inside `root`? No root: nothing is."""
    if not root:
        return False
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def root_for(settings: object, path: str) -> str:
    """The run's project root when the run has one (set by the CLI), else the root of `path` alone."""
    root = getattr(settings, "project_root", None) or _active
    return str(root) if root else project_root([path])


_active: str | None = None  # the root of the file being linted now (engine.lint_source sets it)


def set_active(root: str | None) -> str | None:
    """Make `root` the project of the file being linted, for readers deep in the source pass that
    have no settings at hand; returns the previous one to restore."""
    global _active
    previous, _active = _active, root
    return previous
