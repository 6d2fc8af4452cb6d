"""`relulint lsp` as an editor meets it: a subprocess speaking JSON-RPC with Content-Length framing."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

BUGGY = """import torch.nn as nn
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
loss_fn = nn.MSELoss()
"""


class Client:
    def __init__(self, cwd: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relulint", "lsp", "--stdio", *args], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send_raw(self, body: bytes) -> None:
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict | None = None) -> None:
        self.send_raw(json.dumps({"jsonrpc": "2.0", "method": method, "params": params or {}}).encode())

    def request(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        rid = self.next_id
        self.send_raw(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                  "params": params}).encode())
        msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)
        assert "error" not in msg, msg
        return msg.get("result")

    def wait(self, pred, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if pred(msg):
                return msg
        raise AssertionError(f"no matching message within {timeout}s; stderr: {self.stderr_tail()}")

    def diagnostics_for(self, uri: str, timeout: float = 30) -> list[dict]:
        msg = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                        and m["params"]["uri"] == uri, timeout)
        return msg["params"]["diagnostics"]

    def stderr_tail(self) -> str:
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read().decode(errors="replace")[-2000:]

    def close(self) -> int:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit")
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def started(tmp_path: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Client:
    """A server past `initialize` / `initialized`, serving the project `tmp_path`."""
    c = Client(tmp_path, args, env)
    result = c.request("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                      "capabilities": {}}, timeout=60)
    assert result["capabilities"]["codeActionProvider"]
    assert result["capabilities"]["hoverProvider"]
    c.notify("initialized", {})
    return c


@pytest.fixture
def client(tmp_path):
    c = started(tmp_path)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def _open(c: Client, uri: str, text: str, lang: str = "python", version: int = 1) -> None:
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": lang, "version": version,
                                                       "text": text}})


def test_diagnostics_code_actions_hover_shutdown(client, tmp_path):
    path = tmp_path / "model.py"
    path.write_text("# the file on disk is clean; the editor buffer is not\n")
    uri = path.as_uri()
    _open(client, uri, BUGGY)
    diags = client.diagnostics_for(uri)
    assert [d["code"] for d in diags] == ["RL101"]
    d = diags[0]
    assert d["source"] == "relulint" and d["severity"] == 1
    assert d["range"] == {"start": {"line": 1, "character": 69}, "end": {"line": 1, "character": 78}}
    assert d["codeDescription"]["href"].endswith("docs/rules/RL101.md")  # the page in this checkout
    assert d["relatedInformation"][0]["location"]["range"]["start"] == {"line": 2, "character": 10}
    assert "data" not in d  # fixes are computed for the code action, not for every keystroke

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
    titles = [a["title"] for a in actions]
    assert any("Remove the final" in x for x in titles), titles
    assert "Disable RL101 for this line" in titles
    fix = next(a for a in actions if "Remove the final" in a["title"])
    assert fix["title"].endswith("(unsafe: changes what the model computes)") and not fix.get("isPreferred")
    (edit,) = fix["edit"]["changes"][uri]
    line = BUGGY.splitlines()[1]
    start, end = edit["range"]["start"]["character"], edit["range"]["end"]["character"]
    assert line[:start] + edit["newText"] + line[end:] == \
        "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))"
    noqa = next(a for a in actions if a["title"].startswith("Disable"))
    (edit,) = noqa["edit"]["changes"][uri]
    assert edit["newText"] == "  # noqa: RL101" and edit["range"]["start"]["character"] == len(line)

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": 1, "character": 72}})
    assert "RL101" in hover["contents"]["value"] and "## Why is this bad?" in hover["contents"]["value"]
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": 0, "character": 0}}) is None

    # didChange (debounced) lints the new buffer: the noqa'd text publishes no diagnostics
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"text": BUGGY.replace("nn.ReLU())\n", "nn.ReLU())  # noqa: RL101\n")}]})
    assert client.diagnostics_for(uri) == []
    assert client.close() == 0


def test_noqa_action_extends_existing_list(client, tmp_path):
    uri = (tmp_path / "m.py").as_uri()
    text = BUGGY.replace("nn.ReLU())\n", "nn.ReLU())  # noqa: E501\n")  # (an unused RL code would be RL005)
    _open(client, uri, text)
    (d,) = client.diagnostics_for(uri)
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
    noqa = next(a for a in actions if a["title"].startswith("Disable"))
    (edit,) = noqa["edit"]["changes"][uri]
    assert edit["newText"] == ", RL101"
    assert text.splitlines()[1][: edit["range"]["start"]["character"]].endswith("# noqa: E501")


def test_utf16_columns_after_emoji(client, tmp_path):
    uri = (tmp_path / "emoji.py").as_uri()
    text = BUGGY.replace("model = ", 'tag = "😀"; model = ')
    _open(client, uri, text)
    (d,) = client.diagnostics_for(uri)
    line = text.splitlines()[1]
    cp = line.index("nn.ReLU())")
    assert d["range"]["start"]["character"] == cp + 1  # the emoji is 2 UTF-16 units


def test_bad_input_keeps_server_up(client, tmp_path):
    # (a body that is not JSON ends the server: tests/test_lsp_framing.py)
    client.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": 5}')
    assert client.wait(lambda m: m.get("id") == 99)["error"]["code"] == -32602  # Invalid Params, with its id
    _open(client, (tmp_path / "notes.txt").as_uri(), BUGGY, lang="plaintext")
    _open(client, (tmp_path / "broken.py").as_uri(), "def f(:\n")
    (d,) = client.diagnostics_for((tmp_path / "broken.py").as_uri())
    assert d["code"] == "RL000"
    (tmp_path / "pyproject.toml").write_text("[tool.relulint]\nselect = 5\n")
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, BUGGY)
    msg = client.wait(lambda m: m.get("method") == "window/showMessage")
    assert "relulint" in msg["params"]["message"]
    assert [d["code"] for d in client.diagnostics_for(uri)] == ["RL101"]  # defaults still lint
    # no diagnostics were ever published for the non-Python document
    assert not any(m.get("params", {}).get("uri", "").endswith("notes.txt")
                   for m in list(client.messages.queue))
    assert client.close() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]  # nothing written
