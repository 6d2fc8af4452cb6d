"""Which user code the probed model is made of, read from the live objects with `inspect`.

The dynamic pass has imported and run the entry point, so it can ask Python itself: each module in
`named_modules()` (each Keras layer) has a class, each user class has a file and a line span
(`inspect.getsourcelines`), and so do its user base classes. Functions that ran while the entry
built the model (a `make_head()` helper, `__init__` methods) are recorded with `sys.setprofile`
during the entry call only. A static finding whose line falls in that code belongs to the probed
model and can be confirmed or dismissed; one in the same files but outside it is on code the entry
never ran ("not run by the entry"), and is never judged with another model's figures.
"""

from __future__ import annotations

import inspect
import os
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_LIBRARY_PARTS = ("site-packages", "dist-packages")


@dataclass(frozen=True)
class Span:
    """Lines [first, last] of one file that ran for the model: a class body or a function."""

    path: str  # absolute
    first: int
    last: int
    what: str  # "class Net", "make_head()"

    def holds(self, path: str, line: int) -> bool:
        return self.first <= line <= self.last and _same(self.path, path)


@dataclass
class ModelSource:
    """The user code of one probed model: module path -> its class span, and every span that ran."""

    modules: dict[str, Span] = field(default_factory=dict)  # "" (the model), "blocks.0", ...
    spans: list[Span] = field(default_factory=list)  # classes of probed modules, their bases, traced functions
    files: list[str] = field(default_factory=list)  # absolute, entry file first

    def span_at(self, path: str, line: int) -> Span | None:
        """The innermost span holding this line (a method's function span before its class)."""
        hits = [s for s in self.spans if s.holds(path, line)]
        return min(hits, key=lambda s: s.last - s.first) if hits else None

    def add(self, span: Span) -> None:
        if span not in self.spans:
            self.spans.append(span)
        if not any(_same(span.path, f) for f in self.files):
            self.files.append(span.path)


def is_user_file(path: str | None) -> bool:
    """A file of the user's project: not the standard library, an installed package or relulint."""
    if not path or path.startswith("<"):
        return False
    ab = os.path.abspath(path)
    parts = os.path.normpath(ab).split(os.sep)
    if any(p in _LIBRARY_PARTS for p in parts):
        return False
    return not any(ab.startswith(root + os.sep) for root in _library_roots())


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {os.path.abspath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # relulint itself
    return tuple(sorted(roots))


def class_span(cls: type) -> Span | None:
    """The class's own lines, when it is user code with a readable source."""
    try:
        path = inspect.getsourcefile(cls)
        if not is_user_file(path):
            return None
        lines, first = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return None
    return Span(os.path.abspath(path), first, first + len(lines) - 1, f"class {cls.__name__}")


def code_span(code) -> Span | None:
    """A function's lines from its code object (no source read needed)."""
    path = code.co_filename
    if not is_user_file(path):
        return None
    lines = [ln for _, _, ln in code.co_lines() if ln is not None]
    last = max(lines, default=code.co_firstlineno)
    return Span(os.path.abspath(path), code.co_firstlineno, max(last, code.co_firstlineno), f"{code.co_name}()")


def call_traced(func: Callable[[], Any]) -> tuple[Any, list[Span]]:
    """Call func() and return its value with the spans of the user functions that ran inside it.

    Module bodies (`<module>`) and class bodies are left out: an import that runs inside the entry
    would otherwise mark every line of the imported file as run.
    """
    seen: set = set()

    def profiler(frame, event, arg):  # only Python "call" events matter; keep the rest cheap
        if event == "call":
            code = frame.f_code
            if code not in seen:
                seen.add(code)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        value = func()
    finally:
        sys.setprofile(previous)
    spans = []
    for code in seen:
        if code.co_name.startswith("<") or code.co_name[:1].isupper() and _is_class_body(code):
            continue
        span = code_span(code)
        if span is not None:
            spans.append(span)
    return value, spans


def caller_file() -> str | None:
    """The first user file on the call stack: where `probe(...)` was called, or the training script
    whose `model.fit(...)` ran a callback. Keras models built in a function have no class to inspect."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if is_user_file(path) and os.path.isfile(path):
            return os.path.abspath(path)
        frame = frame.f_back
    return None


def _is_class_body(code) -> bool:
    return "__module__" in code.co_names and "__qualname__" in code.co_names


def live_modules(model: Any) -> list[tuple[str, Any]]:
    """(path, object) for the model and every submodule / layer, as the probe names them."""
    if hasattr(model, "named_modules"):
        return list(model.named_modules())
    out: list[tuple[str, Any]] = [("", model)]
    stack = [("", model)]
    seen = {id(model)}
    while stack:
        prefix, obj = stack.pop()
        for layer in getattr(obj, "layers", None) or []:
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            name = f"{prefix}.{layer.name}" if prefix else layer.name
            out.append((name, layer))
            stack.append((name, layer))
    return out


def model_source(model: Any, entry_spans: list[Span] | None = None, entry_file: str | None = None) -> ModelSource:
    """Map each live module to its class span; collect its user bases and the traced entry spans."""
    src = ModelSource()
    if entry_file:
        src.files.append(os.path.abspath(entry_file))
    spans: dict[type, Span | None] = {}
    for name, module in live_modules(model):
        for cls in type(module).__mro__:
            if cls not in spans:
                spans[cls] = class_span(cls)
                if spans[cls] is not None:
                    src.add(spans[cls])
            if spans[cls] is not None and name not in src.modules:
                src.modules[name] = spans[cls]  # the most derived user class: where its layers are built
    for span in entry_spans or []:
        src.add(span)
    return src


def _same(a: str, b: str) -> bool:
    return a == b or os.path.abspath(a) == os.path.abspath(b)
