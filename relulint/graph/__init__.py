"""The graph pass: exported ONNX, TorchScript and torch.export (.pt2) models lowered into the same IR as source.

`lower_graph(path, settings)` returns the file's facts, or one RL002 finding saying why the file
cannot be read. onnx and torch are imported only inside the frontends, when a graph file is linted.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

from relulint.finding import Finding
from relulint.ir import ModuleFacts

# The one place graph file suffixes are written: discovery, the engine, the reporters and the
# dynamic pass all read these (case-insensitively, through is_graph_file / graph_format).
ONNX_SUFFIXES = (".onnx",)
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ptl", ".torchscript")
PT2_SUFFIXES = (".pt2",)
GRAPH_SUFFIXES = ONNX_SUFFIXES + TORCHSCRIPT_SUFFIXES + PT2_SUFFIXES


def graph_format(path: str) -> str | None:
    """"onnx" | "torchscript" | "pt2" by the file's suffix, or None for anything else."""
    low = path.lower()
    for name, suffixes in (("onnx", ONNX_SUFFIXES), ("torchscript", TORCHSCRIPT_SUFFIXES), ("pt2", PT2_SUFFIXES)):
        if low.endswith(suffixes):
            return name
    return None


def is_graph_file(path: str) -> bool:
    return graph_format(path) is not None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection while a frontend lowers a graph, restored on the way out (whatever state
    the caller had). Lowering a 100k-node graph allocates a few objects per node and frees none of
    them: the collector would rescan the growing heap again and again (a third of the pass), and
    nothing built there is cyclic garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # what the pass built is young to the collector: the first allocation after enable() would
            # scan all of it (a few hundred thousand objects, 0.2 s). Hand it to the oldest generation.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while weights are read (threadpoolctl, when installed).

    The pass's products are matrix-vector ones over each weight tensor once: memory-bound, so a
    second thread gains little, and on a busy machine a BLAS thread that waits for its descheduled
    partner costs several times the work (the VGG-style bench model: 0.8 s with OpenBLAS's threads,
    0.24 s with one, two cores shared with other work). Without threadpoolctl the pass runs as is."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def lower_graph(path: str, settings) -> tuple[ModuleFacts | None, Finding | None]:
    from relulint.engine import engine_finding

    def unreadable(message: str) -> tuple[None, Finding]:
        return None, engine_finding("RL002", "unreadable-graph", path, message)

    if not os.path.isfile(path):
        return unreadable("cannot read graph file: no such file")
    try:
        kind = graph_format(path)
        if kind == "onnx":
            try:
                import onnx  # noqa: F401
            except ImportError:
                return unreadable("ONNX files need the onnx package: pip install 'relulint[onnx]'")
            from relulint.graph import onnx_frontend

            try:
                with gc_paused(), one_blas_thread():
                    return onnx_frontend.lower(path, settings), None
            except onnx_frontend.GraphError as exc:
                return unreadable(str(exc))
        if kind == "torchscript":
            from relulint.graph import torchscript_frontend

            try:
                with gc_paused(), one_blas_thread():
                    return torchscript_frontend.lower(path, settings), None
            except torchscript_frontend.GraphError as exc:
                return unreadable(str(exc))
        if kind == "pt2":
            from relulint.graph import pt2_frontend

            try:
                with gc_paused(), one_blas_thread():
                    return pt2_frontend.lower(path, settings), None
            except pt2_frontend.GraphError as exc:
                return unreadable(str(exc))
    except MemoryError:
        return unreadable("out of memory while reading the graph")
    except RecursionError:
        return unreadable("graph too deeply nested to read")
    return unreadable(f"not a graph file relulint knows ({', '.join(GRAPH_SUFFIXES)})")
