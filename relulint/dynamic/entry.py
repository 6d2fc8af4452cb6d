"""Find and call the user's entry point: `relulint_batch()` in the linted file, or `--entry mod:func`.

This is the only place the dynamic pass imports user code. Every way it can go wrong becomes a
ProbeError with one sentence saying what was expected (the CLI turns it into RL003, exit 2).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from relulint.dynamic.torch_probe import ProbeError

ENTRY_NAME = "relulint_batch"
EXPECTED = (f"a module-level function {ENTRY_NAME}() returning (model, inputs) or "
            "(model, inputs, targets, loss_fn[, optimizer]) for a PyTorch nn.Module, or "
            "(model, (x, y)) for a compiled Keras model")


@dataclass
class Entry:
    framework: str  # torch | keras
    model: Any
    inputs: Any
    targets: Any = None
    loss_fn: Any = None
    optimizer: Any = None
    path: str | None = None  # the file that defines the entry function
    line: int = 1  # the entry function's `def` line: where a finding without a layer points
    name: str = ENTRY_NAME
    spans: list = field(default_factory=list)  # user functions that ran inside the entry (sourcemap.Span)


def framework_of(model: Any) -> str | None:
    """torch | keras | None, from the model's class hierarchy (no framework import needed)."""
    mods = [c.__module__ or "" for c in type(model).__mro__]
    if any(m.startswith("torch.nn") for m in mods):
        return "torch"
    if any(m.startswith(("keras", "tf_keras", "tensorflow")) for m in mods):
        return "keras"
    return None


def import_file(path: str):
    """Import a .py file as a fresh module, with its folder importable (sibling `from models import ...`)."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    name = f"_relulint_entry_{abs(hash(path)):x}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProbeError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        raise ProbeError(f"importing {path} called sys.exit({exc.code})") from exc
    except Exception as exc:
        raise ProbeError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
    return module


def resolve(path: str | None, entry: str | None) -> tuple[Any, str]:
    """(function, where) for `--entry module_or_file:function`, or relulint_batch in path."""
    if entry:
        target, sep, func_name = entry.rpartition(":")
        if not sep or not target or not func_name:
            raise ProbeError(f"--entry {entry!r}: expected module_or_file:function, e.g. train.py:relulint_batch")
        if target.endswith(".py") or os.path.exists(target):
            if not os.path.exists(target):
                raise ProbeError(f"--entry {entry!r}: no such file {target}")
            module = import_file(target)
        else:
            sys.path.insert(0, os.getcwd())
            try:
                module = importlib.import_module(target)
            except Exception as exc:
                raise ProbeError(f"--entry {entry!r}: importing {target} failed: {type(exc).__name__}: {exc}") from exc
            finally:
                sys.path.remove(os.getcwd())
        where = f"{target}:{func_name}"
    else:
        if path is None:
            raise ProbeError(f"nothing to probe: pass a file defining {ENTRY_NAME}() or --entry module:function")
        module = import_file(path)
        func_name = ENTRY_NAME
        where = f"{path}:{func_name}"
    func = getattr(module, func_name, None)
    if func is None:
        raise ProbeError(f"{where} not found: expected {EXPECTED}; or pass --entry module_or_file:function")
    if not callable(func):
        raise ProbeError(f"{where} is a {type(func).__name__}, not a function: expected {EXPECTED}")
    return func, where


def load_entry(path: str | None, entry: str | None = None) -> Entry:
    from relulint.dynamic.sourcemap import call_traced

    func, where = resolve(path, entry)
    try:
        value, spans = call_traced(func)  # which user functions built the model: its helpers' findings are its own
    except Exception as exc:
        raise ProbeError(f"{where}() raised {type(exc).__name__}: {exc}") from exc
    result = parse_return(value, where)
    result.spans = spans
    try:
        result.path = os.path.abspath(inspect.getsourcefile(func) or path or "")
        result.line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        result.path = os.path.abspath(path) if path else None
    result.name = where
    return result


def parse_return(value: Any, where: str = ENTRY_NAME) -> Entry:
    if not isinstance(value, (tuple, list)) or not 2 <= len(value) <= 5:
        got = f"a {type(value).__name__}" + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
        raise ProbeError(f"{where}() returned {got}: expected {EXPECTED}")
    model = value[0]
    fw = framework_of(model)
    if fw is None:
        raise ProbeError(f"{where}() returned a {type(model).__name__} as the model: expected a torch.nn.Module "
                         f"or a compiled Keras model ({EXPECTED})")
    if fw == "keras":
        if len(value) == 2 and isinstance(value[1], (tuple, list)) and len(value[1]) == 2:
            x, y = value[1]
        elif len(value) == 3:
            x, y = value[1], value[2]
        else:
            raise ProbeError(f"{where}() returned a Keras model without (x, y): expected (model, (x, y))")
        return Entry("keras", model, x, y)
    if len(value) == 2:
        return Entry("torch", model, value[1])
    if len(value) == 3:
        raise ProbeError(f"{where}() returned (model, inputs, targets) without a loss function: expected "
                         "(model, inputs, targets, loss_fn)")
    loss_fn = value[3]
    if not callable(loss_fn):
        raise ProbeError(f"{where}() returned a {type(loss_fn).__name__} as loss_fn: expected a callable "
                         "loss_fn(outputs, targets)")
    optimizer = value[4] if len(value) == 5 else None
    if optimizer is not None and not hasattr(optimizer, "step"):
        raise ProbeError(f"{where}() returned a {type(optimizer).__name__} as the optimizer: expected a "
                         "torch.optim.Optimizer")
    return Entry("torch", model, value[1], value[2], loss_fn, optimizer)
