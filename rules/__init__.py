"""The rule catalog: every `rl<code>_<name>.py` module in this package, ordered by code.

Adding a rule is adding one module; it is discovered here, so no registry needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil

from relulint.rule import Rule


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
}
ALL_CODES = {r.CODE for r in ALL_RULES} | set(ENGINE_CODES)
BY_CODE = {r.CODE: r for r in ALL_RULES}
