"""The cache is not trusted: digests, recomputed fixes, no symlink following, external data in the key,
pruning, `--cache-dir` and `relulint clean`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from relulint import cache as cache_mod
from relulint import cli
from relulint.cache import CACHE_DIR, Cache
from relulint.config import Settings
from relulint.engine import lint_file

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
FIXED = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1))\nloss_fn = nn.MSELoss()\n"
EVIL = "import os; os.system('echo owned')  # attacker text\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("RELULINT_CACHE_DIR", raising=False)
    return root


@pytest.fixture
def caches(monkeypatch):
    """Every Cache the CLI opens, so a test can play an attacker who knows the salt."""
    opened: list[Cache] = []
    real = cli._open_cache

    def spy(settings, args):
        c = real(settings, args)
        opened.append(c)
        return c

    monkeypatch.setattr(cli, "_open_cache", spy)
    return opened


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith(".tmp-"))


def _rewrite(entry: Path, edit, digest_of=None) -> None:
    """Change an entry's body; with digest_of (a Cache) the digest is recomputed, as by someone who knows
    this machine's salt, so the entry is well-formed and its digest checks."""
    data = json.loads(entry.read_text())
    body = json.loads(data["body"])
    edit(body)
    data["body"] = json.dumps(body)
    if digest_of is not None:
        data["digest"] = digest_of._digest(data["key"], data["body"])
    entry.write_text(json.dumps(data))


def _evil_fix(body: dict) -> None:
    (f,) = body["findings"]
    f["fix"] = {"message": "helpful", "applicability": "safe",
                "edits": [{"content": EVIL, "line": 1, "col": 0, "end_line": 4, "end_col": 0}]}
    f["message"] = "FORGED message"


def test_forged_fix_in_a_well_formed_entry_is_never_written(project, caches, capsys):
    (project / "m.py").write_text(BUGGY)
    assert cli.main(["m.py"]) == 1
    (entry,) = _entries(project / CACHE_DIR)
    _rewrite(entry, _evil_fix, digest_of=caches[-1])
    assert cli.main(["m.py", "--fix", "--unsafe-fixes"]) == 0
    assert (project / "m.py").read_text() == FIXED  # the real fix, recomputed from the source
    assert "owned" not in (project / "m.py").read_text()
    capsys.readouterr()


def test_forged_entry_cannot_put_edits_into_json_or_diff(project, caches, capsys):
    (project / "m.py").write_text(BUGGY)
    assert cli.main(["m.py"]) == 1
    (entry,) = _entries(project / CACHE_DIR)
    _rewrite(entry, _evil_fix, digest_of=caches[-1])
    capsys.readouterr()
    assert cli.main(["m.py", "--format", "json", "--no-cache"]) == 1
    fresh = json.loads(capsys.readouterr().out)[0]["fix"]
    assert cli.main(["m.py", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert "owned" not in out and json.loads(out)[0]["fix"]["edits"] == fresh["edits"]  # recomputed
    assert cli.main(["m.py", "--diff", "--unsafe-fixes"]) == 1
    out = capsys.readouterr().out
    assert "owned" not in out and "+model = nn.Sequential(nn.Linear(8, 1))" in out


def test_a_cached_fix_applied_without_refresh_changes_nothing(project):
    from relulint.fixes import attach_results, fix_source

    path = project / "m.py"
    path.write_text(BUGGY)
    c = Cache(project, Settings())
    (linted,) = attach_results([lint_file(str(path), Settings())])  # as --unsafe-fixes or a fix format has it
    c.put(str(path), path.read_bytes(), linted)
    hit = c.get(str(path), path.read_bytes())
    assert hit.findings[0].fix is not None  # the [*] mark survives
    assert fix_source(hit.source, hit.findings, unsafe=True)[0] == BUGGY


def test_edited_entry_fails_its_digest(project, caches, capsys):
    (project / "m.py").write_text(BUGGY)
    assert cli.main(["m.py", "--format", "json"]) == 1
    capsys.readouterr()
    (entry,) = _entries(project / CACHE_DIR)
    _rewrite(entry, _evil_fix)  # no digest update: an attacker without the salt
    assert cli.main(["m.py", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert "FORGED" not in out and json.loads(out)[0]["code"] == "RL101"


def test_entry_naming_another_file_or_an_unknown_code_is_a_miss(project):
    path = project / "m.py"
    path.write_text(BUGGY)
    c = Cache(project, Settings())
    c.put(str(path), path.read_bytes(), lint_file(str(path), Settings()))
    assert c.get(str(path), path.read_bytes()) is not None
    (entry,) = _entries(project / CACHE_DIR)

    def elsewhere(body):
        body["findings"][0]["origin"]["path"] = "/etc/passwd"

    _rewrite(entry, elsewhere, digest_of=c)
    assert c.get(str(path), path.read_bytes()) is None

    def unknown(body):
        body["findings"][0]["origin"]["path"] = str(path)
        body["findings"][0]["code"] = "RL999"

    _rewrite(entry, unknown, digest_of=c)
    assert c.get(str(path), path.read_bytes()) is None
    # an entry copied from another file (same content elsewhere) does not match this file's key
    other = project / "other.py"
    other.write_text(BUGGY)
    c.put(str(other), other.read_bytes(), lint_file(str(other), Settings()))
    for e in _entries(project / CACHE_DIR):
        e.unlink()
    c.put(str(other), other.read_bytes(), lint_file(str(other), Settings()))
    (src,) = _entries(project / CACHE_DIR)
    sub, _, name = c._names(str(path), path.read_bytes())
    (project / CACHE_DIR / sub).mkdir(exist_ok=True)
    (project / CACHE_DIR / sub / name).write_bytes(src.read_bytes())
    assert c.get(str(path), path.read_bytes()) is None


def test_symlinked_cache_folder_is_refused_and_nothing_is_written_outside(project, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    for i in range(5):
        (project / f"m{i}.py").write_text(BUGGY)
    for _ in range(2):
        assert cli.main([".", "-v"]) == 1
    err = capsys.readouterr().err
    assert list(outside.iterdir()) == []
    assert "symlink" in err
    assert (project / CACHE_DIR).is_symlink()  # left as the user made it


def test_symlinked_subfolder_or_entry_is_not_followed(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    path = project / "m.py"
    path.write_text(BUGGY)
    c = Cache(project, Settings())
    sub, _, name = c._names(str(path), path.read_bytes())
    (project / CACHE_DIR).mkdir()
    (project / CACHE_DIR / sub).symlink_to(outside, target_is_directory=True)
    c.put(str(path), path.read_bytes(), lint_file(str(path), Settings()))
    assert list(outside.iterdir()) == []
    # an entry that is a symlink to a file outside is replaced as a link, the target untouched
    (project / CACHE_DIR / sub).unlink()
    (project / CACHE_DIR / sub).mkdir()
    target = outside / "victim.json"
    target.write_text("keep me")
    (project / CACHE_DIR / sub / name).symlink_to(target)
    assert c.get(str(path), path.read_bytes()) is None  # not read through the link
    c.put(str(path), path.read_bytes(), lint_file(str(path), Settings()))
    assert target.read_text() == "keep me"
    assert not (project / CACHE_DIR / sub / name).is_symlink()
    assert c.get(str(path), path.read_bytes()) is not None


def test_onnx_external_data_is_part_of_the_key(project, capsys):
    pytest.importorskip("onnx")
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def model(folder: Path, w: np.ndarray) -> Path:
        folder.mkdir(exist_ok=True)
        nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="fc"),
                 helper.make_node("Relu", ["h"], ["y"], name="relu")]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(w.astype(np.float32), "W")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        onnx.save_model(m, str(folder / "m.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                        location="w.bin", size_threshold=0)
        return folder / "m.onnx"

    rng = np.random.default_rng(0)
    good = model(project / "good", rng.normal(0, (2 / 64) ** 0.5, (64, 64)))
    bad = model(project / "bad", rng.uniform(0, 1, (64, 64)))
    assert good.read_bytes() == bad.read_bytes()  # the graph file is the same; only the weights differ
    assert cli.main(["good/m.onnx"]) == 0
    assert _entries(project / CACHE_DIR)
    (project / "good" / "w.bin").write_bytes((project / "bad" / "w.bin").read_bytes())
    assert cli.main(["good/m.onnx"]) == 1
    assert "RL201" in capsys.readouterr().out


def test_new_content_replaces_the_old_entry(project):
    path = project / "m.py"
    c = Cache(project, Settings())
    for i in range(4):
        path.write_text(BUGGY + f"# edit {i}\n")
        c.put(str(path), path.read_bytes(), lint_file(str(path), Settings()))
    (entry,) = _entries(project / CACHE_DIR)  # one entry per file and settings, the latest
    assert c.get(str(path), path.read_bytes()) is not None


def test_prune_bounds_count_and_age(project, monkeypatch):
    c = Cache(project, Settings())
    for i in range(12):
        p = project / f"m{i}.py"
        p.write_text(BUGGY)
        c.put(str(p), p.read_bytes(), lint_file(str(p), Settings()))
    entries = _entries(project / CACHE_DIR)
    assert len(entries) == 12
    old = time.time() - cache_mod.MAX_AGE_S - 10
    os.utime(entries[0], (old, old))
    monkeypatch.setattr(cache_mod, "MAX_ENTRIES", 8)
    c.close()  # this run wrote entries: it prunes
    left = _entries(project / CACHE_DIR)
    assert len(left) == 8 and entries[0] not in left


def test_cache_dir_flag_and_env(project, tmp_path, monkeypatch, capsys):
    (project / "m.py").write_text(BUGGY)
    elsewhere = tmp_path / "cache-here"
    assert cli.main(["m.py", "--cache-dir", str(elsewhere)]) == 1
    assert _entries(elsewhere) and not (project / CACHE_DIR).exists()
    monkeypatch.setenv("RELULINT_CACHE_DIR", str(tmp_path / "from-env"))
    assert cli.main(["m.py"]) == 1
    assert _entries(tmp_path / "from-env") and not (project / CACHE_DIR).exists()
    capsys.readouterr()


def test_clean(project, tmp_path, capsys):
    (project / "m.py").write_text(BUGGY)
    assert cli.main(["m.py"]) == 1
    assert (project / CACHE_DIR).is_dir()
    assert cli.main(["clean"]) == 0
    assert not (project / CACHE_DIR).exists() and (project / "m.py").exists()
    # a folder relulint did not make is not removed
    mine = tmp_path / "precious"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    assert cli.main(["clean", "--cache-dir", str(mine)]) == 2
    assert (mine / "thesis.tex").exists()
    # a symlink in the cache's place goes as a link; its target stays
    (project / CACHE_DIR).symlink_to(mine, target_is_directory=True)
    assert cli.main(["clean"]) == 0
    assert not (project / CACHE_DIR).exists() and (mine / "thesis.tex").exists()
    capsys.readouterr()


def test_outside_external_data_is_not_read_for_the_key(project, tmp_path):
    pytest.importorskip("onnx")
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"\0" * 64)
    w = numpy_helper.from_array(np.zeros((4, 4), np.float32), "W")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="../secret.bin")
    g = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    onnx.save(helper.make_model(g), str(project / "m.onnx"))
    assert cache_mod._onnx_external_files(str(project / "m.onnx")) == []
