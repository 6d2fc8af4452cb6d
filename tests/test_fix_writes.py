"""`--fix` writes atomically: a failed write leaves the source byte for byte as it was."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from relulint import atomic
from relulint.engine import lint_paths
from relulint.fixes import apply_fixes, attach_results

PAD = "# " + "padding so the fixed file is larger than the write limit " * 8 + "\n"
BUGGY = PAD + "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
FIXED = BUGGY.replace(", nn.ReLU())", ")")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_write_over_the_file_size_limit_leaves_the_source_intact(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(BUGGY)
    assert len(BUGGY.encode()) > 500
    before = path.read_bytes()
    p = subprocess.run([sys.executable, "-m", "relulint", "model.py", "--fix", "--unsafe-fixes", "--no-cache"], cwd=tmp_path,
                       capture_output=True, text=True, preexec_fn=_limit_file_size, timeout=120)
    assert path.read_bytes() == before  # not truncated to 200 bytes
    assert p.returncode == 1 and "not fixed, cannot write it" in p.stderr and "Traceback" not in p.stderr
    assert "RL101" in p.stdout  # still reported: it was not fixed
    assert sorted(x.name for x in tmp_path.iterdir()) == ["model.py"]  # no temporary file left
    # without the limit the same command fixes it
    p = subprocess.run([sys.executable, "-m", "relulint", "model.py", "--fix", "--unsafe-fixes", "--no-cache"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert path.read_text() == FIXED


@pytest.mark.parametrize("breaks", ["write", "fsync", "replace"])
def test_any_failing_step_leaves_the_source_intact(tmp_path, monkeypatch, capsys, breaks):
    path = tmp_path / "model.py"
    path.write_text(BUGGY)
    results = lint_paths([str(path)])
    calls = {"n": 0}

    def fail(*args, **kwargs):
        calls["n"] += 1
        raise OSError(28, "No space left on device")

    if breaks == "write":  # a partial write, then the disk is full
        real_write = os.write

        def half(fd, data):
            if calls["n"]:
                fail()
            calls["n"] += 1
            return real_write(fd, bytes(data[:100]))

        monkeypatch.setattr(atomic.os, "write", half)
    else:
        monkeypatch.setattr(atomic.os, breaks, fail)
    apply_fixes(attach_results(results), write=True, unsafe=True)
    assert path.read_text() == BUGGY
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(x.name for x in tmp_path.iterdir()) == ["model.py"]


def test_mode_symlink_bom_and_crlf_survive(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"\xef\xbb\xbf" + BUGGY.replace("\n", "\r\n").encode())
    real.chmod(0o640)
    link = tmp_path / "model.py"
    link.symlink_to(real)
    apply_fixes(attach_results(lint_paths([str(link)])), write=True, unsafe=True)
    assert link.is_symlink()
    assert real.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    assert real.stat().st_mode & 0o777 == 0o640
