"""The rule catalog: every `rl<code>_<name>.py` module in this package, ordered by code.

Adding a rule is adding one module (and its tests): it is discovered here, and the catalog, the
selectors, suppressions, `relulint rule` and the docs all derive from it. No registry is edited.
"""

from __future__ import annotations

import importlib
import pkgutil

from relulint.rule import Rule, StaticRule


def _discover() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("rl"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and \
                    value.__module__ == module.__name__:
                found.append(value)
    return tuple(sorted(found, key=lambda r: r.CODE))


ALL_RULES = _discover()

# Engine diagnostics (no Rule class: the engine emits them itself).
ENGINE_CODES = {
    "RL000": "syntax-error",
    "RL001": "unreadable-file",
    "RL002": "unreadable-graph",
    "RL003": "dynamic-probe-failed",
    "RL004": "invalid-suppression",
    "RL005": "unused-suppression",
}
# What each engine diagnostic means, for `relulint rule RL000`.
ENGINE_DOCS = {
    "RL000": "The file is not valid Python. The position is Python's own parser's. Nothing else in the file "
             "was checked; the other files of the run were.",
    "RL001": "The file could not be read as Python source: missing, unreadable, binary, not UTF-8, or relulint "
             "itself failed on it (run with -v for the traceback).",
    "RL002": "A graph file (.onnx, .pt) could not be loaded: truncated or corrupt, not ONNX/TorchScript (a "
             "plain torch.save pickle is never unpickled), external data outside the model's folder, or the "
             "graph extra is not installed (pip install 'relulint[onnx]').",
    "RL003": "The dynamic probe (--dynamic) failed: no or a wrong entry point, the entry point raised, the "
             "forward pass failed on the batch, or the batch held NaN. relulint exits 2.",
    "RL004": "A suppression comment names a code relulint does not have (# noqa: RL999, "
             "# relulint: ignore[...]) or names none: it suppresses nothing.",
    "RL005": "A suppression (# noqa: RL101, # relulint: ignore[RL101], # relulint: file-ignore[RL101]) names a "
             "source-pass rule that found nothing where the comment applies: the finding it silenced is gone, "
             "or never fired there. The fix removes the unused codes (other tools' codes stay); it is unsafe for "
             "codes the graph pass also reports, since the comment may silence an exported model's finding "
             "placed on that line, which the source pass does not see. Dynamic (RL4xx) "
             "and graph-only codes, and rules that are switched off, are not judged. Like ruff's RUF100.",
}
BY_CODE = {r.CODE: r for r in ALL_RULES}


def reload() -> None:
    """Discover the rule modules again (after `__path__` changed: a plugin folder, a test's rule)."""
    global ALL_RULES, BY_CODE
    ALL_RULES = _discover()
    BY_CODE = {r.CODE: r for r in ALL_RULES}


def catalog() -> dict[str, str]:
    """code -> name for every code relulint can emit: the engine's plus every rule's, by code."""
    return dict(sorted({**ENGINE_CODES, **{r.CODE: r.NAME for r in ALL_RULES}}.items()))


def static_rules(pass_name: str) -> list[type[StaticRule]]:
    """The rules that judge the IR of `pass_name` ("source" or "graph"): PASSES is what runs."""
    return [r for r in ALL_RULES if issubclass(r, StaticRule) and pass_name in r.PASSES]
