"""Output formats: a registry of pure renderers, imported only when asked for.

Each entry names `module:function`; the function takes `(results, settings)` (a list of
`engine.FileResult` and the resolved `Settings`) and returns the whole output as one string.
Human formats also take keyword options (colour, unsafe fixes); machine formats print nothing
but their document.
"""

from __future__ import annotations

import importlib

FORMATS: dict[str, str] = {
    "concise": "relulint.report.text:render_concise",
    "full": "relulint.report.text:render_full",
    "json": "relulint.report.json:render",
    "sarif": "relulint.report.sarif:render",
    "github": "relulint.report.github:render",
    "lsp": "relulint.report.lsp:render",
    "junit": "relulint.report.junit:render",
}
ALIASES = {"text": "concise"}
HUMAN = frozenset({"concise", "full"})


class FormatUnavailable(Exception):
    """The format's module is not installed (or failed to import): reported, exit 2."""


def canonical(fmt: str) -> str:
    return ALIASES.get(fmt, fmt)


def is_human(fmt: str) -> bool:
    return canonical(fmt) in HUMAN


def renderer(fmt: str):
    fmt = canonical(fmt)
    if fmt not in FORMATS:
        raise FormatUnavailable(f"unknown output format {fmt!r} (one of: {', '.join(FORMATS)})")
    module_name, func = FORMATS[fmt].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise FormatUnavailable(f"output format {fmt!r} is not available in this installation "
                                    f"(module {module_name} is missing)") from None
        raise FormatUnavailable(f"output format {fmt!r} needs {exc.name!r}, which is not installed") from None
    fn = getattr(module, func, None)
    if fn is None:
        raise FormatUnavailable(f"output format {fmt!r}: {module_name} has no {func}()")
    return fn


# Formats that carry each finding's fix (its edits): only these pay for computing fixes, and the
# human formats when unsafe fixes are asked for (every relulint fix is unsafe; `[*]` marks them).
FIX_FORMATS = ("json", "sarif", "lsp")


def render(fmt: str, results: list, settings, **options) -> str:
    """Render results in a format. Keyword options reach the human formats only."""
    fn = renderer(fmt)
    if canonical(fmt) in FIX_FORMATS or options.get("unsafe_fixes"):
        from relulint.fixes import attach_results

        attach_results(results)
    if is_human(fmt):
        return fn(results, settings, **options)
    return fn(results, settings)


def all_findings(results: list) -> list:
    """Every finding of a run, sorted, with the duplicates that neighbour reading can produce
    (a finding placed in train.py, reported while linting model.py and train.py) removed. One place
    and code is one finding, as within a file (engine._dedupe): a helper's layer built twice (ops.py's
    `dense` called with two fan-ins) is reported once, by the first file linted, whichever program
    each file's reading judged it in."""
    seen = set()
    out = []
    for f in sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key):
        key = (f.code, f.origin.path, f.origin.line, f.origin.col, f.origin.node)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
