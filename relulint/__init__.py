"""relulint: find the training pathologies that kill ReLU networks.

Public API (imported lazily, so `import relulint` stays cheap and never touches a framework):

    lint_paths(paths, settings=None, jobs=None) -> list[FileResult]   files and directories
    lint_source(code, path="<stdin>", settings=None) -> FileResult
    Finding, Severity, Settings, load_settings, __version__
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from relulint.config import Settings, load_settings
    from relulint.engine import FileResult, lint_source
    from relulint.finding import Finding, Severity

__all__ = ["Finding", "FileResult", "Settings", "Severity", "__version__", "lint_paths", "lint_source",
           "load_settings", "probe"]

_LAZY = {
    "lint_source": "relulint.engine",
    "FileResult": "relulint.engine",
    "Finding": "relulint.finding",
    "Severity": "relulint.finding",
    "Settings": "relulint.config",
    "load_settings": "relulint.config",
    "probe": "relulint.dynamic",  # the one-batch probe for training scripts; imports torch only when called
}


def lint_paths(paths, settings=None, jobs: int | None = None) -> list:
    """Lint files and directories (walked as the CLI walks them: excludes and .gitignore honoured).

    `settings` defaults to the configuration found from the first path, as the CLI does.
    """
    from pathlib import Path

    from relulint.config import load_settings
    from relulint.discovery import discover
    from relulint.engine import FileResult, engine_finding
    from relulint.engine import lint_paths as _lint_paths

    paths = [str(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    if settings is None:
        settings = load_settings(Path(paths[0]) if paths else None)
    found = discover(paths, settings)
    missing = [FileResult(path=p, findings=[engine_finding("RL001", "unreadable-file", p,
                                                           "no such file or directory")]) for p in found.missing]
    return missing + _lint_paths(found.files, settings, jobs)


def __getattr__(name: str):
    if name == "__version__":
        try:
            from importlib.metadata import version

            return version("relulint")
        except Exception:  # not installed (a source checkout on sys.path)
            return "0+unknown"
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'relulint' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
