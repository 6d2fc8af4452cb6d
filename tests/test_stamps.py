"""relulint.stamps and the watched neighbour cache: what the language server keeps between keystrokes
is read again exactly when a file it came from changed on disk."""

from __future__ import annotations

import os

from relulint import engine, stamps

MODEL = "import torch.nn as nn\n\nnet = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
TRAIN = "import torch.nn as nn\nfrom model import net\n\nloss = nn.{loss}()(net(x), y)\n"


def test_a_same_size_rewrite_with_the_same_mtime_is_noticed_by_its_digest(tmp_path):
    f = tmp_path / "a.py"
    f.write_text("x = 1\n")
    st = os.stat(f)
    s = stamps.take(str(f), str(tmp_path), 1000)
    assert stamps.unchanged(s, str(tmp_path), 1000)
    f.write_text("x = 2\n")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # the clock did not tick between the writes
    assert os.stat(f).st_mtime_ns == st.st_mtime_ns and not s.settled()
    assert not stamps.unchanged(s, str(tmp_path), 1000)


def test_a_settled_file_is_trusted_by_its_stat_and_a_missing_one_is_a_change(tmp_path):
    f = tmp_path / "a.py"
    f.write_text("x = 1\n")
    old = os.stat(f).st_mtime_ns - 10 * stamps.SETTLED_NS
    os.utime(f, ns=(old, old))
    s = stamps.take(str(f), str(tmp_path), 1000)
    assert s.settled() and stamps.unchanged(s, str(tmp_path), 1000)
    f.unlink()
    assert not stamps.unchanged(s, str(tmp_path), 1000)


def test_the_watched_cache_lowers_a_neighbour_again_only_when_a_file_it_read_changed(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "model.py").write_text(MODEL)
    train = tmp_path / "train.py"
    train.write_text(TRAIN.format(loss="MSELoss"))
    lowered = []
    real = engine.FactsCache._lower

    def counting(path, *args):
        lowered.append(os.path.basename(path))
        return real(path, *args)

    monkeypatch.setattr(engine.FactsCache, "_lower", staticmethod(counting))
    cache = engine.FactsCache(watch=True)
    asker, root = str(tmp_path / "model.py"), str(tmp_path)
    first = cache.get(str(train), asker, root)
    assert first is not None and first.bound
    assert cache.get(str(train), asker, root) is first and lowered == ["train.py"]
    train.write_text(TRAIN.format(loss="L1Loss"))  # the neighbour itself
    assert cache.get(str(train), asker, root) is not first and lowered == ["train.py"] * 2
    again = cache.get(str(train), asker, root)
    (tmp_path / "model.py").write_text(MODEL.replace("8, 1", "8, 2"))  # a module the neighbour read
    assert cache.get(str(train), asker, root) is not again and lowered == ["train.py"] * 3
    # a run's cache (not watched) never looks at the disk again
    plain = engine.FactsCache()
    kept = plain.get(str(train), asker, root)
    train.write_text(TRAIN.format(loss="MSELoss"))
    assert plain.get(str(train), asker, root) is kept
