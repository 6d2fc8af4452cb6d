"""Which files to lint: walk the given paths, honouring exclude / extend-exclude and .gitignore.

Semantics (ruff): directories are walked for `.py` sources, `.ipynb` notebooks and exported graphs; excluded and
git-ignored directories are pruned. A walk takes a `.pt` / `.pth` / `.ptl` / `.pt2` file only when
its zip layout says it holds a graph (TorchScript, or a torch.export `.pt2`): the checkpoints every ML repository holds are
skipped quietly (`-v` says so). A file named explicitly is always linted (whatever its suffix:
pre-commit passes extension-less scripts too) unless `force-exclude` is on and an exclude pattern
matches it, or `skip_checkpoints` is on and it is a checkpoint. A path that does not exist is
reported, not fatal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from relulint.config import Settings
from relulint.config_paths import excluded
from relulint.torch_archives import TORCH_SUFFIXES, archive_kind, read_by_graph_pass, skip_reason

SOURCE_SUFFIXES = (".py", ".ipynb")  # notebooks: their code cells (relulint/notebook.py)
STDIN = "-"


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named paths that do not exist
    empty_dirs: list[str] = field(default_factory=list)  # named directories with nothing to lint
    stdin: bool = False
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), for -v


def display_path(path: str) -> str:
    """Paths are shown relative to the cwd when they are under it (ruff), else as given."""
    norm = os.path.normpath(path)
    if os.path.isabs(norm):
        try:
            rel = os.path.relpath(norm)
        except ValueError:  # another drive on Windows
            return norm
        if not rel.startswith(".."):
            return rel
    return norm


def lintable(name: str) -> bool:
    from relulint.graph import is_graph_file

    return name.endswith(SOURCE_SUFFIXES) or is_graph_file(name)


def graph_skip(path: str) -> str | None:
    """Why a torch file holds no graph the graph pass reads (a checkpoint), or None to lint it."""
    if not path.lower().endswith(TORCH_SUFFIXES):
        return None
    kind = archive_kind(path)
    return None if read_by_graph_pass(kind, path) else skip_reason(kind)


def discover(paths: list[str], settings: Settings, skip_checkpoints: bool = False) -> Discovery:
    out = Discovery()
    seen: set[str] = set()
    patterns = settings.excludes

    def add(p: str) -> None:
        key = os.path.abspath(p)
        if key not in seen:
            seen.add(key)
            out.files.append(display_path(p))

    for raw in paths:
        if raw == STDIN:
            out.stdin = True
            continue
        if not os.path.lexists(raw):
            out.missing.append(raw)
            continue
        if not os.path.isdir(raw):
            hit = excluded(raw, patterns, settings.root) if settings.force_exclude else None
            why = graph_skip(raw) if skip_checkpoints and hit is None else None
            if hit is not None:
                out.skipped.append((raw, f"force-exclude: matches {hit!r}"))
            elif why is not None:
                out.skipped.append((raw, why))
            else:
                add(raw)
            continue
        if settings.force_exclude and excluded(raw, patterns, settings.root, is_dir=True):
            out.skipped.append((raw, "force-exclude"))
            continue
        before = len(out.files)
        for f in _walk(raw, settings, patterns, out):
            add(f)
        if len(out.files) == before:
            out.empty_dirs.append(raw)
    return out


def _walk(top: str, settings: Settings, patterns: list[str], out: Discovery):
    ignores = GitIgnores(top) if settings.respect_gitignore else None
    for folder, dirs, files in os.walk(top, onerror=None, followlinks=False):
        if ignores is not None:
            ignores.load(folder)
        keep = []
        for d in sorted(dirs):
            path = os.path.join(folder, d)
            hit = excluded(path, patterns, settings.root, is_dir=True)
            if hit is not None:
                out.skipped.append((path, f"exclude: matches {hit!r}"))
            elif ignores is not None and ignores.ignored(path, is_dir=True):
                out.skipped.append((path, ".gitignore"))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if not lintable(name):
                continue
            path = os.path.join(folder, name)
            if excluded(path, patterns, settings.root) is not None:
                out.skipped.append((path, "exclude"))
            elif ignores is not None and ignores.ignored(path):
                out.skipped.append((path, ".gitignore"))
            elif (why := graph_skip(path)) is not None:
                out.skipped.append((path, why))
            else:
                yield path


class GitIgnores:
    """The .gitignore files that apply inside a walk: those of the enclosing git work tree above the
    walked directory (plus .git/info/exclude), and every one met on the way down. The deepest
    .gitignore with a matching pattern decides, as in git."""

    def __init__(self, top: str) -> None:
        self._specs: dict[str, object | None] = {}  # absolute dir -> compiled spec (None: no patterns)
        top_abs = Path(os.path.abspath(top))
        repo = next((d for d in (top_abs, *top_abs.parents) if (d / ".git").exists()), None)
        if repo is not None:
            extra = _lines(repo / ".git" / "info" / "exclude")
            for d in reversed((top_abs, *top_abs.parents)):
                if d == repo or repo in d.parents:
                    self.load(str(d), extra if d == repo else [])

    def load(self, folder: str, extra: list[str] | None = None) -> None:
        key = os.path.abspath(folder)
        if key in self._specs:
            return
        lines = [*(extra or []), *_lines(Path(key) / ".gitignore")]
        if lines:
            import pathspec

            self._specs[key] = pathspec.GitIgnoreSpec.from_lines(lines)
        else:
            self._specs[key] = None

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        p = os.path.abspath(path)
        verdict: tuple[int, bool] | None = None
        for base, spec in self._specs.items():
            if spec is None or p == base or not p.startswith(base.rstrip(os.sep) + os.sep):
                continue
            rel = os.path.relpath(p, base).replace(os.sep, "/")
            res = spec.check_file(rel + "/" if is_dir else rel)
            if res.include is not None:
                depth = base.count(os.sep)
                if verdict is None or depth >= verdict[0]:
                    verdict = (depth, res.include)
        return bool(verdict and verdict[1])


def _lines(file: Path) -> list[str]:
    try:
        return file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
