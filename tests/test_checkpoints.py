"""`relulint .` in a real ML repository: checkpoints are skipped quietly, graphs are linted.

The archive kind is read from the zip's names alone; nothing is unpickled (a pickle that would run
code on load proves it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from relulint.torch_archives import (
    CHECKPOINT,
    EXPORT,
    NOT_TORCH,
    PICKLE,
    TORCHSCRIPT,
    archive_kind,
    kind_of_names,
)

CLEAN = """\
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
loss_fn = nn.MSELoss()
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "relulint", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize(("names", "kind"), [
    (["ts/data.pkl", "ts/code/__torch__/m.py", "ts/constants.pkl", "ts/version"], TORCHSCRIPT),
    (["m/bytecode.pkl", "m/code/__torch__/m.py", "m/constants.pkl"], TORCHSCRIPT),  # lite .ptl
    (["code/__torch__/m.py", "constants.pkl", "data.pkl"], TORCHSCRIPT),  # no top folder
    (["ex/archive_format", "ex/models/model.json", "ex/data/weights/w0"], EXPORT),
    (["ep/serialized_exported_program.json", "ep/serialized_state_dict.pt"], EXPORT),
    (["sd/data.pkl", "sd/data/0", "sd/version", "sd/byteorder"], CHECKPOINT),
    (["sd/data.pkl", "sd/code_snippets/readme.txt"], CHECKPOINT),  # 'code_snippets' is not code/
    (["notes.txt"], NOT_TORCH),
])
def test_kind_from_names(names, kind):
    assert kind_of_names(names) == kind


def test_kind_never_unpickles(tmp_path):
    """A zip whose data.pkl would run code when unpickled: classified, and nothing runs."""
    import pickle

    marker = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil/data.pkl", pickle.dumps(Boom()))
        zf.writestr("evil/version", "3\n")
    assert archive_kind(str(path)) == CHECKPOINT
    legacy = tmp_path / "legacy.pth"
    legacy.write_bytes(pickle.dumps(Boom(), protocol=2))
    assert archive_kind(str(legacy)) == PICKLE
    assert not marker.exists()


def test_kind_of_odd_files(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "text.pt").write_text("not a model")
    (tmp_path / "truncated.pt").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    for name in ("empty.pt", "text.pt", "truncated.pt", "missing.pt"):
        assert archive_kind(str(tmp_path / name)) == NOT_TORCH, name


@pytest.fixture(scope="module")
def ml_repo(tmp_path_factory):
    """A git repository as ML projects look: code, checkpoints of every kind, exported graphs."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    repo = tmp_path_factory.mktemp("mlrepo")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "train.py").write_text(CLEAN)
    ckpt = repo / "checkpoints"
    ckpt.mkdir()
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    torch.save(model.state_dict(), ckpt / "epoch_3.pt")
    torch.save(model, ckpt / "full_model.pth")
    torch.save({"model": model.state_dict(), "opt": torch.optim.SGD(model.parameters(), 0.1).state_dict()},
               ckpt / "resume.pth")
    torch.save(model.state_dict(), ckpt / "old_format.pt", _use_new_zipfile_serialization=False)
    export = repo / "export"
    export.mkdir()
    torch.jit.script(model).save(str(export / "model_scripted.pt"))
    torch.jit.trace(model, torch.randn(2, 4)).save(str(export / "model_traced.pt"))
    program = torch.export.export(model, (torch.randn(2, 4),))
    torch.export.save(program, str(export / "model.pt2"))
    misnamed = repo / "misnamed"
    misnamed.mkdir()
    torch.export.save(program, str(misnamed / "exported_as.pt"))  # an export archive under .pt
    return repo


def test_relulint_dot_passes_in_an_ml_repository(ml_repo):
    p = cli(".", "--no-cache", cwd=ml_repo)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == "" and p.stderr.strip() == "All checks passed!"


def test_walk_lints_the_graphs_and_says_why_it_skips_checkpoints(ml_repo):
    p = cli(".", "--no-cache", "--show-files", "-v", cwd=ml_repo)
    files = set(p.stdout.split())
    assert {"train.py", "export/model_scripted.pt", "export/model_traced.pt", "export/model.pt2"} <= files
    assert not any(f.startswith("checkpoints/") for f in files)
    for name in ("epoch_3.pt", "full_model.pth", "resume.pth"):
        assert f"skipped checkpoints/{name} (a torch.save checkpoint (weights, no graph))" in p.stderr, p.stderr
    assert "skipped checkpoints/old_format.pt (a legacy torch.save pickle" in p.stderr
    assert "skipped export/" not in p.stderr
    assert "skipped misnamed/exported_as.pt (a torch.export archive named like TorchScript" in p.stderr
    quiet = cli(".", "--no-cache", cwd=ml_repo)
    assert "skipped" not in quiet.stderr  # quiet without -v


def test_a_named_checkpoint_gets_a_clear_rl002(ml_repo):
    p = cli("checkpoints/epoch_3.pt", "--no-cache", cwd=ml_repo)
    assert p.returncode == 1
    assert "checkpoints/epoch_3.pt:1:1: RL002" in p.stdout
    assert "checkpoint" in p.stdout and "not TorchScript" in p.stdout


def test_skip_checkpoints_applies_the_walk_rule_to_named_files(ml_repo):
    """What the relulint-graphs pre-commit hook runs: pre-commit names every staged .pt."""
    named = ["checkpoints/epoch_3.pt", "checkpoints/full_model.pth", "export/model_scripted.pt"]
    p = cli("--skip-checkpoints", "--no-cache", *named, "-v", cwd=ml_repo)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "skipped checkpoints/epoch_3.pt" in p.stderr and "export/model_scripted.pt" not in p.stderr
    p = cli("--skip-checkpoints", "--no-cache", "--show-files", *named, cwd=ml_repo)
    assert p.stdout.split() == ["export/model_scripted.pt"]


def test_graphs_hook_skips_checkpoints():
    hooks = (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text()
    graphs = hooks.split("- id: relulint-graphs", 1)[1]
    entry = next(line for line in graphs.splitlines() if line.strip().startswith("entry:"))
    assert "--skip-checkpoints" in entry
