"""Malformed frames against the real `relulint lsp` process: a broken stream ends the server with a
non-zero exit (the editor restarts it) instead of leaving it up but deaf; a well-framed but invalid
request gets a JSON-RPC error reply and the server keeps answering."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("pygls")

from test_lsp_server import BUGGY, Client  # noqa: E402  (same folder: pytest puts it on sys.path)

from relulint.lsp_framing import EXIT_FRAMING  # noqa: E402

INIT = {"processId": None, "rootUri": None, "capabilities": {}}


def _frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


GOOD = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
MALFORMED = {
    "length-too-small": _frame(GOOD, 10),
    "length-not-a-number": b"Content-Length: abc\r\n\r\n" + GOOD,
    "length-negative": b"Content-Length: -5\r\n\r\n" + GOOD,
    "length-huge": b"Content-Length: 999999999999\r\n\r\n" + GOOD,
    "length-zero": b"Content-Length: 0\r\n\r\n",
    "length-repeated": b"Content-Length: 5\r\nContent-Length: %d\r\n\r\n" % len(GOOD) + GOOD,
    "no-length": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + GOOD,
    "garbage-header": b"hello there\r\nContent-Length: %d\r\n\r\n" % len(GOOD) + GOOD,
    "bare-lf-headers": b"Content-Length: %d\n\n" % len(GOOD) + GOOD,
    "empty-line-first": b"\r\n" + _frame(GOOD),
    "header-line-unbounded": b"X-Junk: " + b"a" * 200_000 + b"\r\n" + _frame(GOOD),
    "invalid-json": _frame(b"{this is not json"),
    "not-utf8": _frame(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'),
    "latin1-charset": b"Content-Length: %d\r\nContent-Type: application/json; charset=latin-1\r\n\r\n" % len(GOOD)
                      + GOOD,
    "truncated-body": _frame(GOOD, len(GOOD) + 50),  # then end of stream
    "eof-inside-headers": b"Content-Length: 12\r\n",
}


def _spawn(tmp_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "relulint", "lsp", "--stdio"], cwd=tmp_path,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_frame_ends_the_server_non_zero(name, tmp_path):
    proc = _spawn(tmp_path)
    try:
        try:
            proc.stdin.write(MALFORMED[name])
            proc.stdin.close()  # end of stream after the frame: a truncated body or header stays truncated
        except BrokenPipeError:
            pass  # the server stopped reading at the error, before the rest was sent
        rc = proc.wait(timeout=60)
        err = proc.stderr.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == EXIT_FRAMING, (rc, err[-2000:])
    assert "malformed frame" in err and "Traceback" not in err


def test_malformed_frame_after_a_working_session(tmp_path):
    c = Client(tmp_path)
    try:
        c.request("initialize", INIT, timeout=60)
        c.notify("initialized", {})
        uri = (tmp_path / "model.py").as_uri()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                           "text": BUGGY}})
        assert [d["code"] for d in c.diagnostics_for(uri)] == ["RL101"]
        c.proc.stdin.write(b"Content-Length: 7\r\n\r\n{oops}!")
        c.proc.stdin.flush()  # the stream stays open: the server must still notice and go
        assert c.proc.wait(timeout=30) == EXIT_FRAMING
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()


def _hover(line: int, character: int) -> dict:
    return {"textDocument": {"uri": "file:///nowhere/model.py"}, "position": {"line": line, "character": character}}


def test_invalid_requests_get_an_error_reply_and_the_server_keeps_answering(tmp_path):
    c = Client(tmp_path)
    try:
        c.request("initialize", INIT, timeout=60)
        c.notify("initialized", {})
        bad = [("textDocument/hover", _hover(-1, 0)), ("textDocument/hover", _hover(0, -5)),
               ("textDocument/hover", _hover(2 ** 31, 0)), ("textDocument/hover", _hover(0, 2 ** 40)),
               ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.py"},
                                            "range": {"start": {"line": -3, "character": 0},
                                                      "end": {"line": 0, "character": 0}},
                                            "context": {"diagnostics": []}}),
               ("textDocument/hover", "not an object")]
        for i, (method, params) in enumerate(bad, start=100):
            c.send_raw(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode())
            reply = c.wait(lambda m, i=i: m.get("id") == i)
            assert reply["error"]["code"] == -32602, reply
        # well framed, but not JSON-RPC: an Invalid Request reply, not silence
        for body in [b"[]", b"42", b'{"id": 7, "method": "x"}', b'{"jsonrpc": "2.0", "id": {}, "method": "x"}']:
            c.send_raw(body)
            reply = c.wait(lambda m: "error" in m and m["error"]["code"] == -32600)
            assert "id" in reply and reply["id"] in (None, 7)
        # the largest valid position is fine, and the server still answers
        assert c.request("textDocument/hover", _hover(2 ** 31 - 1, 2 ** 31 - 1)) is None
        assert c.close() == 0
    finally:
        if c.proc.poll() is None:
            c.proc.kill()
            c.proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp_malformed_frame_ends_the_server(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "relulint", "lsp", "--tcp", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not listen"
                time.sleep(0.2)
        with sock:
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}).encode()
            sock.sendall(_frame(body))
            sock.settimeout(60)
            assert b'"id": 1' in sock.recv(65536)  # it answers
            sock.sendall(b"Content-Length: nope\r\n\r\n{}")
            assert proc.wait(timeout=30) == EXIT_FRAMING
        assert "malformed frame" in proc.stderr.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
