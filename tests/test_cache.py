"""The result cache: hits on unchanged content, misses on any input that could change the result."""

from __future__ import annotations

import json

from relulint.cache import CACHE_DIR, FORMAT, Cache, finding_from_dict, finding_to_dict, refresh_fixes
from relulint.config import Settings
from relulint.engine import lint_file, lint_paths
from relulint.fixes import attach_results

MODEL = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
# a driver script: imports the model and applies the loss to its output (that is what binds them)
TRAIN = "import torch\nimport torch.nn as nn\nfrom model import model\nloss = nn.MSELoss()(model(torch.rand(2, 8)), torch.rand(2, 1))\n"


def _lint_via_cache(cache: Cache, path, settings=None):
    content = path.read_bytes()
    hit = cache.get(str(path), content)
    if hit is not None:
        return hit, True
    result = lint_file(str(path), settings or Settings())
    cache.put(str(path), content, result)
    return result, False


def test_round_trip_and_gitignore(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "train.py").write_text(TRAIN)
    cache = Cache(tmp_path, Settings())
    first, hit = _lint_via_cache(cache, tmp_path / "model.py")
    assert not hit and [f.code for f in first.findings] == ["RL101"]
    second, hit = _lint_via_cache(cache, tmp_path / "model.py")
    assert hit
    # a plain lint computes no fix (fixes are computed when asked for), so the entry holds none
    assert second.findings[0].fix is None and first.findings[0].fix is None
    refresh_fixes([second])
    attach_results([first, second])
    assert second.findings[0].fix == first.findings[0].fix is not None
    assert [finding_to_dict(f) for f in second.findings] == [finding_to_dict(f) for f in first.findings]
    assert second.source == MODEL
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    # JSON on disk, nothing else written outside the cache folder
    entries = [p for p in (tmp_path / CACHE_DIR).rglob("*.json")]
    assert entries and all(json.loads(p.read_text())["format"] == FORMAT for p in entries)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_DIR, "model.py", "train.py"]


def test_miss_on_content_settings_and_neighbour_change(tmp_path):
    model, train = tmp_path / "model.py", tmp_path / "train.py"
    model.write_text(MODEL)
    train.write_text(TRAIN)
    cache = Cache(tmp_path, Settings())
    _lint_via_cache(cache, model)
    assert _lint_via_cache(cache, model)[1]
    # other settings: another key
    assert cache.get(str(model), model.read_bytes()) is not None
    assert Cache(tmp_path, Settings(ignore=["RL101"])).get(str(model), model.read_bytes()) is None
    # the loss in the neighbour goes away: the cached RL101 must not be served
    train.write_text(TRAIN.replace("loss = nn.MSELoss()(model(", "out = (model(").replace(", torch.rand(2, 1))", ")"))
    result, hit = _lint_via_cache(Cache(tmp_path, Settings()), model)
    assert not hit and result.findings == []
    # a new sibling that imports the model (a driver) also invalidates; unrelated siblings are never read
    (tmp_path / "extra.py").write_text("from model import model\n")
    assert Cache(tmp_path, Settings()).get(str(model), model.read_bytes()) is None
    # content change
    model.write_text(MODEL + "# edit\n")
    assert Cache(tmp_path, Settings()).get(str(model), model.read_bytes()) is None


def test_corrupt_entry_is_a_miss(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    cache = Cache(tmp_path, Settings())
    _lint_via_cache(cache, tmp_path / "model.py")
    for p in (tmp_path / CACHE_DIR).rglob("*.json"):
        p.write_text("{not json")
    assert cache.get(str(tmp_path / "model.py"), (tmp_path / "model.py").read_bytes()) is None


def test_unwritable_cache_folder_is_ignored(tmp_path):
    (tmp_path / CACHE_DIR).write_text("a file where the folder should be")
    (tmp_path / "model.py").write_text(MODEL)
    cache = Cache(tmp_path, Settings())
    result, hit = _lint_via_cache(cache, tmp_path / "model.py")  # put() must not raise
    assert not hit and result.path == str(tmp_path / "model.py")


def test_engine_findings_round_trip(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")
    (result,) = lint_paths([str(tmp_path / "bad.py")])
    (f,) = result.findings
    assert f.code == "RL001" and "UTF-8" in f.message
    back = finding_from_dict(json.loads(json.dumps(finding_to_dict(f))))
    assert back == f


def test_cli_uses_cache_and_no_cache_skips_it(tmp_path, monkeypatch):
    import subprocess
    import sys

    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "train.py").write_text(TRAIN)
    run = [sys.executable, "-m", "relulint", "check", "model.py"]
    proc = subprocess.run([*run, "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1 and "RL101" in proc.stdout
    assert not (tmp_path / CACHE_DIR).exists()
    for _ in range(2):
        proc = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 1 and "RL101" in proc.stdout, proc.stderr
    assert (tmp_path / CACHE_DIR / ".gitignore").exists()
