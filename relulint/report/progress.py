"""A file counter on stderr while a long run lints: `relulint: 120/500 files`.

Shown only when stderr is a terminal, the output is a human format and `-q` is off (the CLI decides);
it waits `delay` seconds before its first line so a quick run prints nothing, redraws at most every
`interval` seconds, and erases itself before the report is written.
"""

from __future__ import annotations

import time
from typing import TextIO

DELAY = 0.5  # seconds before the first line
INTERVAL = 0.1  # seconds between redraws


class Progress:
    def __init__(self, total: int, stream: TextIO, *, delay: float | None = None, interval: float | None = None,
                 clock=time.monotonic) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._delay = DELAY if delay is None else delay
        self._interval = INTERVAL if interval is None else interval
        self._last_draw: float | None = None
        self._width = 0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._last_draw is not None and now - self._last_draw < self._interval and self.done < self.total:
            return
        self._draw(f"relulint: {self.done}/{self.total} files")
        self._last_draw = now

    def __call__(self, _result: object = None) -> None:  # usable as engine.lint_paths(progress=...)
        self.advance()

    def close(self) -> None:
        """Erase the counter (spaces over it), so the report starts on a clean line."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def _draw(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()
        self._width = len(text)
