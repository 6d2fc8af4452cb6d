"""Progress on stderr for long runs (a terminal only), and dynamic work distribution."""

from __future__ import annotations

import io
import json

import pytest

from relulint import engine
from relulint.cli import main
from relulint.report.progress import Progress

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
CLEAN = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1))\nloss_fn = nn.MSELoss()\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_counter_waits_redraws_sparingly_and_erases_itself():
    out, clock = io.StringIO(), Clock()
    p = Progress(5, out, delay=0.5, interval=0.1, clock=clock)
    p.advance()
    assert out.getvalue() == ""  # a quick run prints nothing
    clock.now = 0.6
    p.advance()
    assert out.getvalue() == "\rrelulint: 2/5 files"
    clock.now = 0.65
    p.advance()  # within the interval: no redraw
    assert out.getvalue().count("\r") == 1
    clock.now = 0.8
    p(object())  # the engine's callback form
    assert out.getvalue().endswith("\rrelulint: 4/5 files")
    clock.now = 0.81
    p.advance()  # the last file always shows
    assert out.getvalue().endswith("\rrelulint: 5/5 files")
    p.close()
    assert out.getvalue().endswith("\r" + " " * len("relulint: 5/5 files") + "\r")


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text(BUGGY if i % 2 else CLEAN)
    monkeypatch.setattr("relulint.report.progress.DELAY", 0.0)
    return tmp_path


def _run(monkeypatch, capsys, stderr, *args):
    import sys

    monkeypatch.setattr(sys, "stderr", stderr)
    code = main(["--no-cache", "-j", "1", *args])
    return code, capsys.readouterr().out, stderr.getvalue()


def test_progress_shown_on_a_terminal(project, monkeypatch, capsys):
    code, out, err = _run(monkeypatch, capsys, TTY(), ".")
    assert code == 1
    assert "relulint: 6/6 files" in err
    assert "relulint: 6/6 files" not in out  # stdout (the report) stays clean


@pytest.mark.parametrize("args", [("-q",), ("--output-format", "json"), ("--output-format", "sarif"),
                                  ("--statistics",)])
def test_progress_off_under_quiet_and_machine_formats(project, monkeypatch, capsys, args):
    code, out, err = _run(monkeypatch, capsys, TTY(), ".", *args)
    assert "relulint: " not in err and "/6 files" not in err
    if "json" in args:
        json.loads(out)


def test_progress_off_when_stderr_is_a_pipe(project, monkeypatch, capsys):
    code, out, err = _run(monkeypatch, capsys, io.StringIO(), ".")
    assert code == 1 and "/6 files" not in err


def test_chunks_are_small_contiguous_runs():
    assert engine.chunk_size(500, 2) == 16
    assert engine.chunk_size(40, 2) == 2
    assert engine.chunk_size(5, 8) == 1


def test_parallel_run_keeps_order_and_reports_every_file(tmp_path):
    paths = []
    for i in range(24):
        p = tmp_path / f"f{i:02d}.py"
        p.write_text(BUGGY if i % 3 == 0 else CLEAN)
        paths.append(str(p))
    seen = []
    results = engine.lint_paths(paths, jobs=2, progress=lambda r: seen.append(r.path))
    assert [r.path for r in results] == paths
    assert sorted(seen) == sorted(paths)
    assert [bool(r.findings) for r in results] == [i % 3 == 0 for i in range(24)]
    serial = engine.lint_paths(paths, jobs=1)
    assert [[(f.code, f.origin.line) for f in r.findings] for r in results] == \
        [[(f.code, f.origin.line) for f in r.findings] for r in serial]
