"""The graph pass: exported ONNX, TorchScript and torch.export (.pt2) models lowered into the same IR as source.

`lower_graph(path, settings)` returns the file's facts, or one RL002 finding saying why the file
cannot be read. onnx and torch are imported only inside the frontends, when a graph file is linted.
"""

from __future__ import annotations

import os

from relulint.finding import Finding
from relulint.model import ModuleFacts

ONNX_SUFFIXES = (".onnx",)
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ptl", ".torchscript")
PT2_SUFFIXES = (".pt2",)


def lower_graph(path: str, settings) -> tuple[ModuleFacts | None, Finding | None]:
    import gc

    # Lowering a 100k-node graph allocates a few objects per node and frees none of them: the cyclic
    # collector would rescan the growing heap again and again (a third of the pass). Nothing built
    # here is cyclic garbage, so collection waits until the frontend returns.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lower_graph(path, settings)
    finally:
        if enabled:
            gc.enable()


def _lower_graph(path: str, settings) -> tuple[ModuleFacts | None, Finding | None]:
    from relulint.engine import engine_finding

    def unreadable(message: str) -> tuple[None, Finding]:
        return None, engine_finding("RL002", "unreadable-graph", path, message)

    if not os.path.isfile(path):
        return unreadable("cannot read graph file: no such file")
    try:
        if path.lower().endswith(ONNX_SUFFIXES):
            try:
                import onnx  # noqa: F401
            except ImportError:
                return unreadable("ONNX files need the onnx package: pip install 'relulint[onnx]'")
            from relulint.graph import onnx_frontend

            try:
                return onnx_frontend.lower(path, settings), None
            except onnx_frontend.GraphError as exc:
                return unreadable(str(exc))
        if path.lower().endswith(TORCHSCRIPT_SUFFIXES):
            from relulint.graph import torchscript_frontend

            try:
                return torchscript_frontend.lower(path, settings), None
            except torchscript_frontend.GraphError as exc:
                return unreadable(str(exc))
        if path.lower().endswith(PT2_SUFFIXES):
            from relulint.graph import pt2_frontend

            try:
                return pt2_frontend.lower(path, settings), None
            except pt2_frontend.GraphError as exc:
                return unreadable(str(exc))
    except MemoryError:
        return unreadable("out of memory while reading the graph")
    except RecursionError:
        return unreadable("graph too deeply nested to read")
    return unreadable("not a graph file relulint knows (.onnx, .pt, .pth, .ptl, .torchscript, .pt2)")
