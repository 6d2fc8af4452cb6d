"""The source pass: parse once, follow PyTorch, Keras and TF1 programs with the abstract interpreter."""

from __future__ import annotations

import ast
import importlib
import re

import libcst as cst

from relulint.ir import ModuleFacts
from relulint.source.common import SourceContext

# (framework, import prefixes that make the frontend worth running, module)
FRONTENDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # one abstract interpreter follows PyTorch, Keras / tf.keras and TF1 / tflearn programs
    ("torch", ("torch", "lightning", "pytorch_lightning"), "relulint.source.interp"),
    ("keras", ("keras", "tensorflow", "tf_keras"), "relulint.source.interp"),
    ("tf1", ("tensorflow", "tflearn"), "relulint.source.interp"),
)
ALL_PREFIXES = tuple(sorted({p for _, prefixes, _ in FRONTENDS for p in prefixes}))


# A Keras driver script that imports no framework itself (`from model import build; m = build();
# m.compile(optimizer="adam", loss="mse")`): the interpreter follows the import to the model
_KERAS_COMPILE = re.compile(r"\.compile\([^)]*\bloss\s*=")


# A PyTorch fragment written without its imports (a snippet that starts at `class Net(nn.Module):`): the
# interpreter reads `nn`, `F`, `torch`, `optim` as PyTorch's conventional aliases when nothing binds them
_TORCH_FRAGMENT = re.compile(r"^class \w+\(\s*nn\.Module\s*\)\s*:", re.MULTILINE)


def mentions_framework(code: str) -> bool:
    """Cheap pre-filter before the (10x more expensive) metadata pass."""
    return any(p in code for p in ALL_PREFIXES) or _KERAS_COMPILE.search(code) is not None or \
        _TORCH_FRAGMENT.search(code) is not None


def lower_source(path: str, code: str, module: cst.Module | None = None, syntax: ast.Module | None = None
                 ) -> ModuleFacts:
    """Lower one file into ModuleFacts. Raises libcst.ParserSyntaxError on invalid code."""
    facts = ModuleFacts(path=path)
    if module is None:
        module = cst.parse_module(code)
    facts.imports = imported_modules(module)
    if not mentions_framework(code):
        return facts
    ctx = SourceContext(path, code, module, syntax)
    ran: set[str] = set()
    for framework, prefixes, module_name in FRONTENDS:
        if ctx.imports_any(prefixes) or framework == "torch" and not ctx.imports_any(ALL_PREFIXES) and \
                _TORCH_FRAGMENT.search(code) is not None:
            facts.frameworks.add(framework)
            if module_name not in ran:
                ran.add(module_name)
                importlib.import_module(module_name).lower(ctx, facts)
    if not ran and _KERAS_COMPILE.search(code):
        importlib.import_module("relulint.source.interp").lower(ctx, facts)
    return facts


def imported_modules(module: cst.Module) -> list[str]:
    """Module names imported at top level (`import a.b`, `from .c import d` -> '.c')."""
    out: list[str] = []
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                out.extend(module.code_for_node(a.name) for a in small.names)
            elif isinstance(small, cst.ImportFrom):
                dots = "." * len(small.relative)
                base = module.code_for_node(small.module) if small.module is not None else ""
                out.append(dots + base)
                if not base and not isinstance(small.names, cst.ImportStar):
                    out.extend(dots + module.code_for_node(a.name) for a in small.names)
    return out
