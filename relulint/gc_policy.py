"""Fewer cyclic collections while one file is linted.

Parsing and interpreting a file allocates many long-lived objects (libcst nodes, abstract values) and
frees few of them until the file is done: with the default thresholds the collector rescans the
growing heap again and again, about a third of the source pass on a large module. Collections stay
possible (a hostile file cannot grow memory without bound), just rarer; the caller's thresholds are
restored on the way out.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLDS = (100_000, 50, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    previous = gc.get_threshold()
    if previous[0] >= THRESHOLDS[0] or previous[0] == 0:  # already relaxed (nested), or set by the caller
        yield
        return
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
