"""One bad input costs one file (issue 14 items 2, 3, 7, 9): native-crash guards, worker isolation,
special files, size and time budgets, precise diagnostics. Runs that could crash or hang run the
real CLI in a subprocess with a timeout, so a regression fails the test instead of the suite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from relulint import engine
from relulint.config import Settings
from relulint.engine import lint_paths
from relulint.parse_guard import MAX_CHAIN, MAX_NESTING, complexity_error

BUGGY = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.ReLU())\n"
LOSS = "loss_fn = nn.MSELoss()\n"


def relulint(cwd: Path, *args: str, timeout: float = 120) -> tuple[int, list[dict], str]:
    """The CLI in a fresh process: (exit code, JSON findings, stderr). A signal death is a negative code."""
    proc = subprocess.run([sys.executable, "-m", "relulint", "--no-cache", "--output-format", "json", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    try:
        found = json.loads(proc.stdout) if proc.stdout.strip() else []
    except json.JSONDecodeError:
        found = [{"code": "UNPARSABLE", "message": proc.stdout[:500]}]
    return proc.returncode, found, proc.stderr


def by_file(found: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in found:
        out.setdefault(os.path.basename(f["filename"]), []).append(f["code"])
    return out


# ------------------------------------------------------------------------------------ native crashes


def _deep_or(n: int = 8000) -> str:
    """A driver script of model2.py (so read as its neighbour too) with 8,000 terms in one condition."""
    return ("from model2 import model\nimport torch.nn as nn\nloss_fn = nn.MSELoss()\nx = "
            + " or ".join(f"a{i}" for i in range(n)) + "\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deep_expression_beside_a_buggy_file(tmp_path, jobs):
    (tmp_path / "deep.py").write_text(_deep_or())
    (tmp_path / "model.py").write_text(BUGGY + LOSS)
    (tmp_path / "model2.py").write_text(BUGGY)  # no loss here: its driver, the deep file, is read
    code, found, err = relulint(tmp_path, "--jobs", jobs, ".")
    assert code == 1 and "Traceback" not in err
    assert by_file(found) == {"deep.py": ["RL000"], "model.py": ["RL101"]}
    (deep,) = [f for f in found if f["filename"].endswith("deep.py")]
    assert "operators" in deep["message"] and deep["location"]["row"] == 4


def test_complexity_limits_on_the_token_stream():
    assert complexity_error("x = " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1) + "\n")[:2] == (1, 4 + MAX_NESTING)
    assert complexity_error("x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + "\n") is None
    assert complexity_error("y = 1\nx = " + "-" * (MAX_CHAIN + 1) + "a\n")[:2] == (2, 4)
    assert complexity_error("x = " + " + ".join(["a"] * MAX_CHAIN) + "\n") is None
    # data tables are long but flat: commas are not operators
    assert complexity_error("w = [" + ", ".join(str(i / 7) for i in range(20000)) + "]\n") is None
    # the count is per statement, not per file
    assert complexity_error("".join(f"x{i} = a + b * c - d\n" for i in range(2000))) is None
    assert complexity_error("x = (\n") is None  # tokenizer errors are the syntax check's to report


def test_parse_runs_on_a_deep_stack():
    """Legitimate deep code below the limits parses (the main thread's 8 MB stack would not do for all)."""
    code = "import torch\nx = " + " or ".join(f"a{i}" for i in range(MAX_CHAIN)) + "\n"
    assert complexity_error(code) is None
    result = engine.lint_source(code, "deep.py", Settings())
    assert result.findings == [] and result.facts is not None


def _crash_on(marker: str, how):
    real = engine.parse_module

    def patched(code):
        if marker in code:
            how()
        return real(code)

    return patched


@pytest.mark.parametrize("jobs,timeout", [(2, None), (1, 30.0)])
def test_a_worker_killed_by_a_signal_costs_its_file_one_rl001(tmp_path, monkeypatch, jobs, timeout):
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(BUGGY + LOSS)
    (tmp_path / "other").mkdir()  # not beside the others: it would crash them too, as their neighbour
    (tmp_path / "other" / "crash.py").write_text(BUGGY + LOSS + "# crash here\n")
    monkeypatch.setattr(engine, "parse_module", _crash_on("# crash here", lambda: os.kill(os.getpid(), signal.SIGSEGV)))
    paths = sorted(str(p) for p in tmp_path.glob("**/*.py"))
    results = lint_paths(paths, Settings(), jobs=jobs, timeout=timeout)  # workers fork with the patch
    got = {Path(r.path).name: [f.code for f in r.findings] for r in results}
    assert got == {"crash.py": ["RL001"], "m0.py": ["RL101"], "m1.py": ["RL101"], "m2.py": ["RL101"]}
    (crash,) = [r for r in results if r.path.endswith("crash.py")]
    # the stage is parse, or lower when pytest's faulthandler delays the signal's default action
    assert "SIGSEGV" in crash.findings[0].message and "stage of this file" in crash.findings[0].message


def test_timeout_names_the_stage_and_the_run_goes_on(tmp_path, monkeypatch):
    from relulint import source

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()  # apart: as a neighbour of ok.py, slow.py would take its time too
    (tmp_path / "a" / "slow.py").write_text(BUGGY + LOSS + "# slow\n")
    (tmp_path / "b" / "ok.py").write_text(BUGGY + LOSS)
    real = source.lower_source

    def slow(path, code, module=None, syntax=None):
        if path.endswith("slow.py"):
            time.sleep(60)
        return real(path, code, module, syntax)

    monkeypatch.setattr(source, "lower_source", slow)
    start = time.monotonic()
    results = lint_paths([str(tmp_path / "a" / "slow.py"), str(tmp_path / "b" / "ok.py")], Settings(), jobs=1,
                         timeout=8)
    assert time.monotonic() - start < 45
    slow_r, ok_r = results
    assert [f.code for f in ok_r.findings] == ["RL101"]
    (f,) = slow_r.findings
    assert f.code == "RL001" and f.name == "timeout" and "lower stage" in f.message and "8 s" in f.message


def test_runaway_inputs_end_with_a_finding_or_a_diagnostic(tmp_path):
    """Each ran 40 s to over 120 s (issue 14 item 7): under --timeout each ends, with its own result."""
    cases = {
        "pow": "import torch.nn as nn\n\nN = 9 ** 9 ** 9\n"
               "model = nn.Sequential(nn.Linear(4, N), nn.ReLU(), nn.Linear(N, 1), nn.ReLU())\n" + LOSS,
        "selfref": "import torch.nn as nn\n\na = 4\na = a * a * a\nb = a + b\na = b * a + a\nc = c\n"
                   "model = nn.Sequential(nn.Linear(4, a), nn.ReLU(), nn.Linear(a, 1), nn.ReLU())\n" + LOSS,
        "seq10k": "import torch.nn as nn\n\nmodel = nn.Sequential(\n" + "    nn.Linear(8, 8), nn.ReLU(),\n" * 5000
                  + "    nn.Linear(8, 1), nn.ReLU(),\n)\n" + LOSS,
        "lines100k": "import torch.nn as nn\n\n" + "".join(f"x{i} = {i} + 1\n" for i in range(100_000)) + BUGGY + LOSS,
    }
    for name, code in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.py").write_text(code)
    start = time.monotonic()
    code, found, err = relulint(tmp_path, "--jobs", "2", "--timeout", "8", ".", timeout=240)
    assert code == 1 and "Traceback" not in err
    assert set(by_file(found)) == {f"{n}.py" for n in cases}
    for f in found:
        if f["code"] == "RL001":
            assert f["name"] == "timeout" and "stage" in f["message"]
    assert time.monotonic() - start < 200


def test_recursion_error_in_the_source_pass_is_one_clear_diagnostic(tmp_path, monkeypatch):
    from relulint import source

    def deep(path, code, module=None, syntax=None):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(source, "lower_source", deep)
    (tmp_path / "m.py").write_text(BUGGY)
    (f,) = engine.lint_file(str(tmp_path / "m.py"), Settings()).findings
    assert f.code == "RL001" and "nested too deeply" in f.message and "lower stage" in f.message


# ------------------------------------------------------------------------------------ special files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_devices_and_oversized_files_never_block(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "model.py").write_text(BUGGY + LOSS)
    (tmp_path / "needs_loss.py").write_text("import helpers\n" + BUGGY)  # reads its imported module and driver
    (tmp_path / "train.py").write_text("import torch\nimport pipe\nfrom needs_loss import model\n"
                                       "criterion = torch.nn.MSELoss()\n"
                                       "loss = criterion(model(torch.rand(2, 4)), torch.rand(2, 1))\n")
    os.mkfifo(tmp_path / "pipe.py")  # a sibling (and a target when the folder is linted)
    os.mkfifo(tmp_path / "helpers.py")  # an imported module
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "big.py").write_text("import torch\n" + "x = 1\n" * 400_000)
    code, found, err = relulint(tmp_path, ".", timeout=90)
    got = {name: codes for name, codes in by_file(found).items()}
    assert code == 1 and "Traceback" not in err
    assert got == {"model.py": ["RL101"], "needs_loss.py": ["RL101"], "pipe.py": ["RL001"], "helpers.py": ["RL001"],
                   "zero.py": ["RL001"], "big.py": ["RL001"]}
    msgs = {os.path.basename(f["filename"]): f["message"] for f in found}
    assert "FIFO" in msgs["pipe.py"] and "outside the project" in msgs["zero.py"]
    assert "too large" in msgs["big.py"] and "max-file-size" in msgs["big.py"]


def test_devices_are_refused_even_without_a_project():
    from relulint.safe_read import UnsafeFile, read_file

    with pytest.raises(UnsafeFile, match="character device"):
        read_file("/dev/zero", None)


def test_max_file_size_is_configurable(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.relulint]\nmax-file-size = 100\n")
    (tmp_path / "model.py").write_text(BUGGY + LOSS)
    code, found, _ = relulint(tmp_path, "model.py")
    assert code == 1 and [f["code"] for f in found] == ["RL001"] and "the limit is 100" in found[0]["message"]
    (tmp_path / "pyproject.toml").write_text("[tool.relulint]\nmax-file-size = 'big'\n")
    assert relulint(tmp_path, "model.py")[0] == 2


# ------------------------------------------------------------------------------------ diagnostics


def test_pep263_coding_line_is_honoured(tmp_path):
    text = "# -*- coding: latin-1 -*-\n" + BUGGY + "# caf\xe9\n" + LOSS
    (tmp_path / "latin.py").write_bytes(text.encode("latin-1"))
    code, found, _ = relulint(tmp_path, "latin.py")
    assert code == 1 and [f["code"] for f in found] == ["RL101"]
    (tmp_path / "bad.py").write_bytes(b"# -*- coding: nonsense-codec -*-\nx = 1\n")
    code, found, _ = relulint(tmp_path, "bad.py")
    assert [f["code"] for f in found] == ["RL001"] and "nonsense-codec" in found[0]["message"]


def test_empty_select_is_a_usage_error(tmp_path):
    (tmp_path / "model.py").write_text(BUGGY + LOSS)
    code, _, err = relulint(tmp_path, "--select", "", "model.py")
    assert code == 2 and "--select" in err


def test_jobs_is_bounded(tmp_path):
    (tmp_path / "model.py").write_text(BUGGY + LOSS)
    code, found, err = relulint(tmp_path, "--jobs", "100000", "model.py")
    assert code == 1 and [f["code"] for f in found] == ["RL101"] and "more than 4 per CPU" in err


def test_timeout_must_be_positive(tmp_path):
    for bad in ("0", "-1", "soon", "inf"):
        assert relulint(tmp_path, "--timeout", bad, ".")[0] == 2


def test_editor_buffers_and_stdin_have_the_size_limit_too():
    from relulint.engine import lint_source

    (f,) = lint_source("import torch\n" + "x = 1\n" * 50, "buf.py", Settings(max_file_size=100)).findings
    assert f.code == "RL001" and "the limit is 100" in f.message
    assert lint_source(BUGGY + LOSS, "buf.py", Settings(max_file_size=1000)).findings[0].code == "RL101"
