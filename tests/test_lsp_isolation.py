"""The language server's lints run in a warm, supervised worker process (relulint.workers.BufferLinter):
a newer edit abandons a stale lint, whose result is never published; a document that crashes, hangs
or exhausts a limit of its lint costs that document one RL001 and the server keeps answering; a
neighbour changed on disk is read again. Against the real `relulint lsp` process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from test_lsp_server import BUGGY, Client, started  # noqa: E402  (same folder: pytest puts it on sys.path)

FAULTS = {"PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent / "lsp_faults"),
                                                      os.environ.get("PYTHONPATH")])),
          "RELULINT_TEST_FAULTS": "1"}  # tests/lsp_faults/sitecustomize.py: markers that fail a lint


def _open(c: Client, uri: str, text: str, version: int = 1) -> None:
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": version,
                                                       "text": text}})


def _change(c: Client, uri: str, text: str, version: int) -> None:
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                        "contentChanges": [{"text": text}]})


def _published(c: Client, uri: str, version: int, timeout: float = 60, seen: list | None = None) -> list[dict]:
    """The diagnostics published for `version` of the document; `seen` collects the versions of every
    publication for it on the way (Client.wait drops what it skips)."""
    def match(m: dict) -> bool:
        if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
            return False
        if seen is not None:
            seen.append(m["params"].get("version"))
        return m["params"].get("version") == version

    return c.wait(match, timeout)["params"]["diagnostics"]


def _quiet(c: Client, uri: str, seconds: float) -> list[int]:
    """Versions published for the document during the next `seconds`."""
    seen: list = []
    try:
        _published(c, uri, -1, seconds, seen)
    except AssertionError:
        pass
    return seen


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = {int(k) for k in (task / "children").read_text().split()}
        except OSError:
            continue
        out |= kids
        for k in kids:
            out |= _descendants(k)
    return out


def _still_answers(c: Client, tmp_path: Path, name: str) -> None:
    """A fresh document gets its real finding and a request gets its reply."""
    uri = (tmp_path / name).as_uri()
    _open(c, uri, BUGGY)
    assert [d["code"] for d in _published(c, uri, 1)] == ["RL101"]
    hover = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 72}})
    assert "RL101" in hover["contents"]["value"]


def _server(tmp_path, args=(), env=None):
    c = started(tmp_path, args, env)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


@pytest.fixture
def faulty(tmp_path):
    yield from _server(tmp_path, ("--timeout", "120"), FAULTS)


@pytest.fixture
def client(tmp_path):
    yield from _server(tmp_path)


def test_a_newer_edit_abandons_the_stale_lint_and_its_result_is_never_published(faulty, tmp_path):
    c = faulty
    uri = (tmp_path / "model.py").as_uri()
    _open(c, uri, BUGGY + "# FAULT: slow\n")  # its lint would take 120 s (the time limit)
    time.sleep(1.5)  # the lint is running in the worker
    procfs = Path(f"/proc/{c.proc.pid}/task").is_dir()  # (Linux: the server's worker is seen there)
    workers = _descendants(c.proc.pid) if procfs else set()
    assert workers or not procfs, "the server lints in a worker process"
    _change(c, uri, BUGGY, 2)
    start = time.monotonic()
    seen: list = []
    assert [d["code"] for d in _published(c, uri, 2, 60, seen)] == ["RL101"]
    assert time.monotonic() - start < 60  # not after the stale lint: it was abandoned
    assert seen == [2]  # version 1 was never published
    # the cancel reached the lint itself: the same warm worker serves on, it was not killed
    assert not procfs or _descendants(c.proc.pid) == workers
    _change(c, uri, BUGGY.replace("nn.ReLU())\n", "nn.ReLU())  # noqa: RL101\n"), 3)
    assert _published(c, uri, 3) == []
    assert _quiet(c, uri, 1.0) == []
    assert c.close() == 0


def test_an_edit_during_a_lint_never_gets_the_older_text_published(client, tmp_path):
    """Without faults: quick edits in a row while lints run; every published version is the newest
    one at the time, and the last edit's diagnostics are the last published."""
    uri = (tmp_path / "model.py").as_uri()
    texts = [BUGGY, BUGGY.replace("nn.ReLU())\n", "nn.ReLU())  # noqa: RL101\n"), BUGGY + "\n", BUGGY + "\n\n"]
    _open(client, uri, texts[0])
    for v, text in enumerate(texts[1:] * 3, start=2):
        _change(client, uri, text, v)
        time.sleep(0.15)
    last = 1 + len(texts[1:]) * 3
    seen: list = []
    assert [d["code"] for d in _published(client, uri, last, 60, seen)] == ["RL101"]
    assert seen == sorted(set(seen)), seen  # never an older text after a newer one
    assert _quiet(client, uri, 1.0) == []  # nothing after the newest
    assert client.close() == 0


@pytest.mark.parametrize("fault, says", [
    ("segv", "worker process was killed by SIGSEGV"),
    ("recursion", "nested too deeply"),
    ("memory", "too large"),
])
def test_a_crashing_document_costs_one_diagnostic_and_the_server_answers(faulty, tmp_path, fault, says):
    c = faulty
    uri = (tmp_path / "bad.py").as_uri()
    _open(c, uri, BUGGY + f"# FAULT: {fault}\n")
    (d,) = _published(c, uri, 1)
    assert d["code"] == "RL001" and says in d["message"], d
    assert d["range"]["start"] == {"line": 0, "character": 0}
    _still_answers(c, tmp_path, "good.py")
    _change(c, uri, BUGGY, 2)  # the document itself recovers once the fault is gone
    assert [d["code"] for d in _published(c, uri, 2)] == ["RL101"]
    assert c.close() == 0


def test_a_hanging_lint_is_cut_by_the_time_limit(tmp_path):
    c = started(tmp_path, ("--timeout", "3"), FAULTS)
    try:
        uri = (tmp_path / "slow.py").as_uri()
        _open(c, uri, BUGGY + "# FAULT: hang\n")
        (d,) = _published(c, uri, 1)
        assert d["code"] == "RL001" and "over the 3 s time budget" in d["message"], d
        _still_answers(c, tmp_path, "good.py")
        assert c.close() == 0
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()


def test_a_document_beyond_the_parser_guard_gets_rl000_and_the_server_answers(client, tmp_path):
    uri = (tmp_path / "deep.py").as_uri()
    _open(client, uri, "import torch\nx = " + "(" * 300 + "1" + ")" * 300 + "\n")
    (d,) = _published(client, uri, 1)
    assert d["code"] == "RL000"
    _still_answers(client, tmp_path, "good.py")


MODEL = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
        self.out = nn.ReLU()

    def forward(self, x):
        return self.out(self.fc(x))
"""

TRAIN = """import torch
import torch.nn as nn
from model import Net

net = Net()
criterion = {loss}
for x, y in loader:
    loss = criterion(net(x), y)
    loss.backward()
"""


def test_a_neighbour_changed_on_disk_is_read_again(client, tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    train = tmp_path / "train.py"
    train.write_text(TRAIN.format(loss="nn.MSELoss()"))
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, MODEL)
    (d,) = _published(client, uri, 1)  # train.py trains the buffer's model with a regression loss
    assert d["code"] == "RL101" and "train.py" in d["relatedInformation"][0]["location"]["uri"]
    _change(client, uri, MODEL + "\n", 2)
    assert [d["code"] for d in _published(client, uri, 2)] == ["RL101"]  # (kept between keystrokes)

    train.write_text(TRAIN.format(loss="nn.NLLLoss()"))  # same size; the finding moves to train.py
    _change(client, uri, MODEL, 3)
    assert _published(client, uri, 3) == []
    train.write_text(TRAIN.format(loss="nn.MSELoss()"))
    _change(client, uri, MODEL + "\n", 4)
    assert [d["code"] for d in _published(client, uri, 4)] == ["RL101"]
    train.unlink()
    _change(client, uri, MODEL, 5)
    assert _published(client, uri, 5) == []
    assert client.close() == 0


def test_closing_the_linter_during_a_lint_ends_its_worker_at_once(monkeypatch, tmp_path):
    import threading

    from relulint.config import Settings
    from relulint.workers import BufferLinter

    for k, v in FAULTS.items():
        monkeypatch.setenv(k, v)  # (the spawned worker inherits them)
    linter = BufferLinter(time_limit=120)
    out: list = []
    path = str(tmp_path / "m.py")
    lint = threading.Thread(target=lambda: out.append(linter.lint(path, BUGGY + "# FAULT: slow\n", Settings())))
    lint.start()
    deadline = time.monotonic() + 60
    while linter.pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    pid = linter.pid
    start = time.monotonic()
    linter.close()
    lint.join(30)
    assert not lint.is_alive() and out == [None]
    assert time.monotonic() - start < 10  # not the 120 s of the lint
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert linter.lint(path, BUGGY, Settings()) is None  # closed: no new worker
