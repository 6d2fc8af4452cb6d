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
import threading
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
    begun: bool = False  # (buffer worker) the worker reported starting it: `started` is then that time
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
    def __init__(self, ctx, settings: Settings | None, target: Callable | None = None) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=target or _serve, args=(child, settings), daemon=True,
                                   name="relulint-worker")
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


def _died(task: _Task, exitcode: int | None, now: float, after: str = "the rest of the run went on") -> FileResult:
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
        f"({task.where(now)}); {after}", evidence={"stage": task.stage})])


def _timed_out(task: _Task, timeout: float, now: float) -> FileResult:
    return FileResult(path=task.path, findings=[engine_finding(
        "RL001", "timeout", task.path,
        f"not linted: over the {timeout:g} s time budget (--timeout) in the {task.stage} stage "
        f"({task.where(now)})", evidence={"stage": task.stage})])



# ------------------------------------------------------------------------------ editor buffers


_WARM_UP = """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())

    def forward(self, x):
        return self.body(x / 255.0)


model = Net()
loss = nn.MSELoss()(model(torch.randn(4, 8)), torch.randn(4, 1))
"""


class LintCancelled(BaseException):
    """Raised inside a buffer worker's lint thread when a newer edit made the lint stale. A
    BaseException, so that the engine's per-neighbour `except Exception` does not swallow it (and
    cache a half-lowered neighbour as having no context)."""


STARTUP_S = 60.0  # how long a fresh buffer worker may take to start on its first lint


class BufferLinter:
    """One warm worker process that lints editor buffers for the language server, supervised like
    lint_supervised's workers: a buffer that kills the worker (a native crash, the OOM killer) or runs
    past `time_limit` costs that buffer one RL001 and the next lint gets a fresh worker. The worker is
    persistent, so its parsed neighbours and imported modules (relulint.stamps-checked caches) stay
    warm between keystrokes.

    `lint` is blocking (run it on a thread) and serialised. Setting its `cancel` event makes the worker
    abandon the lint at once (an asynchronous exception in its lint thread) and stay warm; a lint that
    does not stop within `grace` seconds (stuck in native code) gets the worker killed."""

    POLL_S = 0.02

    def __init__(self, time_limit: float | None = 20.0, grace: float = 5.0) -> None:
        # spawn, not fork: the server has threads (the event loop's readers), and a fork copies
        # whatever lock they held; a fresh interpreter costs ~1 s, paid at start and after a crash
        self._ctx = multiprocessing.get_context("spawn")
        self._worker: _Worker | None = None
        self._seq = 0
        self._lock = threading.Lock()
        self.time_limit = time_limit
        self.grace = grace
        self._closed = False

    def start(self) -> None:
        with self._lock:
            self._ensure()

    def _ensure(self) -> _Worker:
        if self._worker is None or not self._worker.process.is_alive():
            if self._worker is not None:
                self._worker.conn.close()
            self._worker = _Worker(self._ctx, None, _serve_buffers)
        return self._worker

    def _discard(self) -> None:
        w, self._worker = self._worker, None
        if w is not None:
            if w.process.is_alive():
                w.process.kill()
            w.process.join()
            w.conn.close()

    @property
    def pid(self) -> int | None:
        w = self._worker
        return w.process.pid if w is not None else None

    def lint(self, path: str, text: str, settings: Settings,
             cancel: threading.Event | None = None) -> FileResult | None:
        """The buffer's result, or None when `cancel` was set before it finished (or the linter was
        closed)."""
        with self._lock:
            if self._closed:
                return None
            w = self._ensure()
            self._seq += 1
            job = self._seq
            task = _Task(job, path)
            try:
                w.conn.send(("lint", job, path, text, settings))
            except (OSError, ValueError):  # died since the last lint: a fresh one takes the buffer
                self._discard()
                w = self._ensure()
                w.conn.send(("lint", job, path, text, settings))
            cancelled_at: float | None = None
            while True:
                multiprocessing.connection.wait([w.conn, w.process.sentinel], self.POLL_S)
                lost, reply = self._receive(w, task)
                if reply is not None:
                    kind, result = reply
                    return result if kind == "done" and cancelled_at is None else None
                now = time.monotonic()
                if lost or not w.process.is_alive():
                    w.process.join()
                    code = w.process.exitcode
                    self._discard()
                    if cancelled_at is not None or self._closed:
                        return None
                    return _died(task, code, now, "the language server went on")
                if cancel is not None and cancel.is_set() and cancelled_at is None:
                    cancelled_at = now
                    w.conn.send(("cancel", job))
                if cancelled_at is not None and now - cancelled_at >= self.grace:
                    self._discard()  # stuck where the cancel cannot reach (native code)
                    return None
                # (a fresh worker's start-up is not the document's time, but is bounded too)
                limit = self.time_limit if task.begun else max(self.time_limit or 0, STARTUP_S)
                if self.time_limit is not None and now - task.started >= limit:
                    self._discard()
                    return _timed_out(task, self.time_limit, now)

    @staticmethod
    def _receive(w: _Worker, task: _Task) -> tuple[bool, tuple[str, FileResult | None] | None]:
        """(pipe broke, (kind, result) once the worker answered this task)."""
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "stage":
                    task.enter(msg[1])
                elif msg[1] != task.index:
                    continue  # the answer to an earlier, abandoned job
                elif msg[0] == "start":
                    task.started = time.monotonic()
                    task.begun = True
                else:  # ("done", job, result) or ("cancelled", job, None)
                    return False, (msg[0], msg[2])
        except (EOFError, OSError):
            return True, None
        return False, None

    def close(self) -> None:
        """Stop the worker; one busy with a lint (the server is shutting down) is killed rather than
        waited for."""
        self._closed = True
        if self._lock.acquire(timeout=0.5):
            try:
                w, self._worker = self._worker, None
                if w is not None:
                    w.stop()
            finally:
                self._lock.release()
        elif self._worker is not None:
            self._worker.process.kill()  # the lint in progress sees it die and returns


def _serve_buffers(conn, _settings: None) -> None:
    """The buffer worker: this (main) thread reads jobs and cancels; one deep-stack lint thread lints,
    with a neighbour cache that lives as long as the worker (entries re-read when their files change).

    A cancel is an asynchronous exception in the lint thread, raised only while that thread lints the
    cancelled job and is not writing to the pipe (a message cut in half would desynchronise it): while
    it writes, the cancel is deferred and raised by the thread itself right after."""
    import ctypes
    import faulthandler
    import gc
    import os
    import queue
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()
    os.dup2(2, 1)  # fd 1 may be the editor's protocol stream: nothing relulint prints may land there
    sys.stdout = sys.stderr
    from relulint import engine, parse_guard
    from relulint.incremental import Parsers

    # every lazily imported module of the source pass, imported now: a cancel landing inside a
    # first-time import would leave a half-initialised module behind (and the first lint pays less)
    engine.lint_buffer(_WARM_UP, "<stdin>", Settings())
    gc.collect()
    gc.freeze()  # what is loaded by now lives as long as the worker: no collection need walk it again
    cache = engine.FactsCache(watch=True)
    parsers = Parsers()  # each buffer's previous parse: an edit re-parses only the statements it touched
    from relulint.source import common

    common.known_trees = parsers  # ... and reuses the positions and names of the others
    jobs: queue.Queue = queue.Queue()
    lock = threading.Lock()
    state = {"running": None, "sending": False, "deferred": None}
    cancelled: set[int] = set()  # jobs cancelled before the lint thread took them up
    done = [0]

    def checkpoint() -> None:
        """A Python call: a pending asynchronous exception is delivered here at the latest."""

    def report(msg: tuple) -> None:
        with lock:
            state["sending"] = True
        try:
            checkpoint()  # a cancel raised before `sending` was set lands here, before any byte is written
            conn.send(msg)
        except (OSError, ValueError):  # the server is gone: the main thread ends the worker
            pass
        finally:
            with lock:
                state["sending"] = False
                deferred = state["deferred"] is not None and state["deferred"] == state["running"]
        if deferred:
            raise LintCancelled

    def lint_loop() -> None:
        engine._stage_hook = lambda name: report(("stage", name))
        while True:
            job = jobs.get()  # nothing is running: no cancel can be raised here
            if job is None:
                return
            _, index, path, text, settings = job
            try:
                with lock:
                    if index in cancelled:
                        cancelled.discard(index)
                        raise LintCancelled
                    state["running"], state["deferred"] = index, None
                report(("start", index))  # the time limit counts from here, not from a fresh worker's start-up
                gc.disable()  # collected after the result is sent: a fifth of a keystroke's lint otherwise
                result = engine.lint_buffer(text, path, settings, cache, parsers.for_path(path))
                result.facts = None  # not needed across the process boundary
                outcome = ("done", index, result)
                with lock:
                    state["running"] = None
                checkpoint()
            except LintCancelled:
                with lock:
                    state["running"] = None
                outcome = ("cancelled", index, None)
            gc.enable()
            report(outcome)
            # a lint's cyclic garbage is young: the two young generations hold it (0.02 s against
            # 0.15 s for a full collection on a 2,000-line file); a full one now and then
            done[0] += 1
            gc.collect(2 if done[0] % 20 == 0 else 1)

    old_stack = threading.stack_size()
    threading.stack_size(parse_guard.STACK_BYTES)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), parse_guard.RECURSION_LIMIT))
    # named like parse_guard's deep-stack thread, so lint_source runs on it instead of a new one
    linter = threading.Thread(target=lint_loop, name=parse_guard._THREAD, daemon=True)
    linter.start()
    threading.stack_size(old_stack)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            msg = None
        if msg is None:
            jobs.put(None)
            return
        if msg[0] == "lint":
            jobs.put(msg)
        elif msg[0] == "cancel":
            with lock:
                if state["running"] != msg[1]:
                    if state["running"] is None or state["running"] < msg[1]:  # queued, not started
                        cancelled.add(msg[1])
                    continue
                if state["sending"]:
                    state["deferred"] = msg[1]
                else:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(linter.ident),
                                                               ctypes.py_object(LintCancelled))
