"""Worker processes that lint one file at a time under supervision.

A file that kills its worker (a native crash: SIGSEGV in a parser, SIGKILL from the OOM killer)
or runs past the per-file time budget (`--timeout`) costs that file one RL001 naming the stage it
was in, and the run goes on with a fresh worker. A process pool cannot do this: one dead worker
breaks every pending task, and a task stuck in C code (`9 ** 9 ** 9`) cannot be interrupted.

Each worker reports the stage it enters (read, parse, lower, neighbours, rules, graph) over its
pipe, so the parent knows where the time went when it has to give up on a file.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from relulint.config import Settings
from relulint.engine import FileResult, engine_finding


@dataclass
class _Task:
    index: int
    path: str
    started: float = field(default_factory=time.monotonic)
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, when it began)

    def enter(self, name: str) -> None:
        self.stages.append((name, time.monotonic()))

    @property
    def stage(self) -> str:
        return self.stages[-1][0] if self.stages else "start"

    def where(self, now: float) -> str:
        """'parse 0.1 s, lower 29.9 s': the time of each stage reached, the last one still running."""
        if not self.stages:
            return f"start {now - self.started:.1f} s"
        parts = []
        for i, (name, began) in enumerate(self.stages):
            end = self.stages[i + 1][1] if i + 1 < len(self.stages) else now
            parts.append(f"{name} {end - began:.1f} s")
        return ", ".join(parts)


class _Worker:
    def __init__(self, ctx, settings: Settings) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child, settings), daemon=True, name="relulint-worker")
        self.process.start()
        child.close()
        self.chunk: list[tuple[int, str]] = []  # files sent and not yet done, in order
        self.task: _Task | None = None  # the one of them in progress

    def send(self, chunk: list[tuple[int, str]]) -> None:
        self.chunk = list(chunk)
        self.task = _Task(*chunk[0])
        self.conn.send(chunk)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _serve(conn, settings: Settings) -> None:
    """The worker loop: lint the chunks of files the parent sends, reporting each file and stage."""
    import faulthandler

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a crash is reported by the parent as the file's RL001, not as a dump
    from relulint import engine

    engine._stage_hook = lambda name: conn.send(("stage", name))
    cache = engine.FactsCache()  # one neighbour cache per worker, for the whole run
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for index, path in chunk:
            conn.send(("start", index))
            result = engine.lint_file(path, settings, cache)
            result.facts = None  # facts are not needed across the process boundary
            conn.send(("done", index, result))


def _context():
    methods = multiprocessing.get_all_start_methods()
    # fork: the worker starts with relulint already imported (a spawned one pays ~0.5 s of imports)
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def lint_supervised(paths: list[str], settings: Settings, jobs: int, timeout: float | None = None,
                    chunk: int = 1, progress: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Lint `paths` in `jobs` worker processes, `chunk` neighbouring files per hand-out; results in
    the order of `paths`. A file whose worker dies or overruns `timeout` gets one RL001; the files
    after it in its chunk go back to the queue for a fresh worker."""
    if not paths:
        return []
    ctx = _context()
    indexed = list(enumerate(paths))
    pending = deque(indexed[i:i + chunk] for i in range(0, len(indexed), chunk))
    results: dict[int, FileResult] = {}

    def finish(index: int, result: FileResult) -> None:
        results[index] = result
        if progress is not None:
            progress(result)

    workers = [_Worker(ctx, settings) for _ in range(min(jobs, len(pending)))]
    try:
        while pending or any(w.task for w in workers):
            for w in workers:
                if w.task is None and pending:
                    w.send(pending.popleft())
            busy = [w for w in workers if w.task is not None]
            wait_s = None
            if timeout is not None:
                wait_s = max(0.0, min(w.task.started + timeout for w in busy) - time.monotonic())
            multiprocessing.connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_s)
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                lost = _drain(w, finish)
                if w.task is None:
                    continue
                now = time.monotonic()
                if lost or not w.process.is_alive():
                    w.process.join()
                    finish(w.task.index, _died(w.task, w.process.exitcode, now))
                elif timeout is not None and now - w.task.started >= timeout:
                    w.process.kill()
                    w.process.join()
                    finish(w.task.index, _timed_out(w.task, timeout, now))
                else:
                    continue
                rest = [(k, p) for k, p in w.chunk if k not in results]
                if rest:
                    pending.appendleft(rest)
                w.conn.close()
                workers[i] = _Worker(ctx, settings)  # a fresh worker for the files still pending
    finally:
        for w in workers:
            if w.task is not None:
                w.process.kill()
            w.stop()
    return [results[i] for i in range(len(paths))]


def _drain(w: _Worker, finish: Callable[[int, FileResult], None]) -> bool:
    """Read every message the worker sent; True when its pipe broke (it died mid-message)."""
    try:
        while w.conn.poll():
            msg = w.conn.recv()
            if msg[0] == "stage":
                w.task.enter(msg[1])
            elif msg[0] == "start":
                w.task = _Task(msg[1], dict(w.chunk)[msg[1]])
            elif msg[0] == "done":
                finish(msg[1], msg[2])
                w.chunk = [(k, p) for k, p in w.chunk if k != msg[1]]
                w.task = _Task(*w.chunk[0]) if w.chunk else None
                if w.task is None:
                    return False
    except (EOFError, OSError):
        return True
    return False


def _died(task: _Task, exitcode: int | None, now: float) -> FileResult:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    return FileResult(path=task.path, findings=[engine_finding(
        "RL001", "internal-error", task.path,
        f"relulint's worker process was {how} while in the {task.stage} stage of this file "
        f"({task.where(now)}); the rest of the run went on", evidence={"stage": task.stage})])


def _timed_out(task: _Task, timeout: float, now: float) -> FileResult:
    return FileResult(path=task.path, findings=[engine_finding(
        "RL001", "timeout", task.path,
        f"not linted: over the {timeout:g} s time budget (--timeout) in the {task.stage} stage "
        f"({task.where(now)})", evidence={"stage": task.stage})])

