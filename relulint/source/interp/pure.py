"""Pure numeric functions and constants of `math` / `numpy` / `torch`, folded on known numbers
(`1 / math.sqrt(fan_in)`, `np.pi`), within the interpreter's bounds: a result that is not a finite
number, or an integer beyond MAX_INT, is unknown."""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_INT = 10**18  # the interpreter's bound on integers: past it a value is unknown

_FUNCS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt, "log": math.log, "log2": math.log2, "log10": math.log10, "log1p": math.log1p,
    "exp": math.exp, "floor": math.floor, "ceil": math.ceil, "fabs": math.fabs, "pow": math.pow,
    "power": math.pow, "abs": abs, "trunc": math.trunc,
}
_MODULES = ("math", "numpy", "torch")
_CONSTANTS = {"pi": math.pi, "e": math.e}

FUNCS: dict[str, Callable[..., float]] = {f"{m}.{n}": f for m in _MODULES for n, f in _FUNCS.items()
                                          if not (m == "math" and n in ("power", "abs"))}
CONSTANTS: dict[str, float] = {f"{m}.{n}": v for m in _MODULES for n, v in _CONSTANTS.items()}


def fold(qname: str, args: list, max_int: int = MAX_INT) -> object:
    """The value of `qname(*args)` on plain numbers, or NotImplemented when it is not foldable."""
    fn = FUNCS.get(qname)
    if fn is None or not args or len(args) > 2 or \
            not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
        return NotImplemented
    try:
        r = fn(*args)
    except (ValueError, OverflowError, ZeroDivisionError, TypeError):
        return NotImplemented
    if isinstance(r, float) and not math.isfinite(r) or isinstance(r, int) and abs(r) > max_int:
        return NotImplemented
    return r
