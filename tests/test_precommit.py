"""The pre-commit hook as users meet it: the real `pre-commit run` against this repository.

pre-commit clones this checkout at the current HEAD commit and builds its own virtualenv, installing
relulint from that clone (libcst and pathspec come from the package index; torch is not pulled in).
So this tests COMMITTED code. PRE_COMMIT_HOME lives in the test's tmp dir to stay hermetic.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MODEL = """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
"""
TRAIN = """\
import torch
import torch.nn as nn

from model import model

loss_fn = nn.MSELoss()
loss = loss_fn(model(torch.rand(2, 8)), torch.rand(2, 1))
"""


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _pre_commit_available() -> bool:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return False
    return shutil.which("git") is not None and (ROOT / ".git").exists()


# slow-ish (~40 s: pre-commit builds a virtualenv) but kept in the default suite on purpose
pytestmark = pytest.mark.skipif(not _pre_commit_available(), reason="needs pre-commit, git and a git checkout")


def test_hook_fails_on_finding_then_passes(tmp_path):
    sha = _git("rev-parse", "HEAD", cwd=ROOT)
    hooks = _git("show", f"{sha}:.pre-commit-hooks.yaml", cwd=ROOT)
    assert "id: relulint" in hooks, "commit .pre-commit-hooks.yaml first: pre-commit uses HEAD"

    repo = tmp_path / "proj"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "t@example.com", cwd=repo)
    _git("config", "user.name", "t", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {sha}\n    hooks:\n      - id: relulint\n")
    (repo / "model.py").write_text(MODEL)
    (repo / "train.py").write_text(TRAIN)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "--no-verify", "-m", "buggy model", cwd=repo)

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)  # the hook must run the clone's relulint, not this checkout
    pre_commit = _runner(repo, env)

    proc = pre_commit("--all-files")
    _fails_on_the_relu(proc)

    # only model.py is passed: the MSELoss in the sibling train.py must still be found
    proc = pre_commit("--files", "model.py")
    assert proc.returncode == 1 and "RL101" in proc.stdout, proc.stdout + proc.stderr

    (repo / "model.py").write_text(MODEL.replace("nn.ReLU())\n", "nn.ReLU())  # noqa: RL101\n"))
    proc = pre_commit("--files", "model.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    (repo / "model.py").write_text(MODEL.replace(", nn.ReLU())\n", ")\n"))
    proc = pre_commit("--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the cache stays in its own self-ignored folder: git sees only our edit
    assert [line.split() for line in _git("status", "--porcelain", cwd=repo).splitlines()] == [["M", "model.py"]]


def _runner(repo: Path, env: dict):
    def pre_commit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=300)

    return pre_commit


def _fails_on_the_relu(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RL101" in proc.stdout and "model.py:3:" in proc.stdout, proc.stdout + proc.stderr


def _docs_snippet() -> str:
    """The `.pre-commit-config.yaml` users copy from docs/editors.md, verbatim."""
    text = (ROOT / "docs" / "editors.md").read_text()
    section = text.split("## pre-commit", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_documented_local_hooks_work(tmp_path):
    """The docs' `repo: local` snippet under the real pre-commit: a finding fails the commit, the
    fix passes, and torch.save checkpoints beside an exported graph do not trip relulint-graphs."""
    snippet = _docs_snippet()
    assert "repo: local" in snippet and "rev:" not in snippet  # no tag that does not exist
    repo = tmp_path / "proj"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "t@example.com", cwd=repo)
    _git("config", "user.name", "t", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(snippet)
    (repo / "model.py").write_text(MODEL)
    (repo / "train.py").write_text(TRAIN)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        torch.save(net.state_dict(), repo / "weights.pt")
        torch.save(net, repo / "whole.pth")
        torch.jit.script(net).save(str(repo / "exported.pt"))
    _git("add", ".", cwd=repo)

    bindir = os.path.dirname(sys.executable)  # `language: system` runs the relulint on PATH
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "PRE_COMMIT_COLOR": "never",
           "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    pre_commit = _runner(repo, env)

    proc = pre_commit("--all-files")
    _fails_on_the_relu(proc)
    assert "RL002" not in proc.stdout, proc.stdout  # checkpoints are skipped, not reported

    (repo / "model.py").write_text(MODEL.replace(", nn.ReLU())\n", ")\n"))
    proc = pre_commit("--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if torch is not None:
        assert "relulint (exported graphs)" in proc.stdout and "Passed" in proc.stdout
