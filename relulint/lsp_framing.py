"""Strict LSP base-protocol framing for `relulint lsp`, replacing pygls's lenient reader loop.

pygls 2 skips header lines it does not understand and trusts any Content-Length; after one bad frame
its reader is out of step with the stream and the server stays alive but never answers again. Here
a framing error (a header that is not `Name: value` CRLF, a missing, repeated, non-numeric or huge
Content-Length, a body cut short, a body that is not UTF-8 JSON) is logged and ends the server with
EXIT_FRAMING, so the editor restarts it. A well-framed message that is not a valid JSON-RPC request
(wrong shape, parameters out of range such as a negative position or one at 2**31) gets a JSON-RPC
error reply with its id, and the server goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable

EXIT_FRAMING = 3
PARSE_ERROR, INVALID_REQUEST, INTERNAL_ERROR = -32700, -32600, -32603  # JSON-RPC 2.0 error codes
MAX_HEADER_LINE = 8192
MAX_HEADERS = 16
MAX_BODY = 64 * 1024 ** 2
_TOKEN = re.compile(rb"[!#-'*+.0-9A-Z^-z|~-]+")  # an HTTP header name (RFC 9110 token)
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w-]+)", re.IGNORECASE)
log = logging.getLogger("relulint.lsp")


class FramingError(Exception):
    """The byte stream is not LSP frames: the server cannot tell where the next message starts."""


async def read_frame(readline: Callable[[], Awaitable[bytes]],
                     readexactly: Callable[[int], Awaitable[bytes]]) -> bytes | None:
    """One message body, or None at end of stream between messages."""
    headers: dict[str, bytes] = {}
    while True:
        line = await readline()
        if not line:
            if not headers:
                return None
            raise FramingError("end of stream inside the headers")
        if len(line) > MAX_HEADER_LINE or not line.endswith(b"\r\n"):
            raise FramingError(f"header line not ending in CRLF or too long: {line[:60]!r}")
        if line == b"\r\n":
            if not headers:
                raise FramingError("empty line where a header was expected")
            break
        name, sep, value = line[:-2].partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise FramingError(f"not a header: {line[:60]!r}")
        key = name.decode("ascii").lower()
        if key in headers:
            raise FramingError(f"repeated header {name.decode('ascii')}")
        if len(headers) >= MAX_HEADERS:
            raise FramingError("too many headers")
        headers[key] = value.strip()
    length = headers.get("content-length")
    if length is None:
        raise FramingError("no Content-Length header")
    if not re.fullmatch(rb"[0-9]{1,12}", length):
        raise FramingError(f"bad Content-Length {length[:40]!r}")
    n = int(length)
    if n == 0 or n > MAX_BODY:
        raise FramingError(f"Content-Length {n} outside 1..{MAX_BODY}")
    m = _CHARSET.search(headers.get("content-type", b"").decode("latin-1"))
    if m and m.group(1).lower().replace("-", "") != "utf8":
        raise FramingError(f"unsupported charset {m.group(1)!r} (LSP bodies are UTF-8)")
    body = await readexactly(n)
    if len(body) != n:
        raise FramingError(f"body cut short: {len(body)} of {n} bytes")
    return body


def _reply_error(protocol, msg_id, code: int, message: str) -> None:
    """A JSON-RPC error response; written by hand because pygls drops a null id, which the spec requires."""
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message[:500]}})


def _valid_id(raw: dict) -> bool:
    return "id" in raw and (raw["id"] is None or type(raw["id"]) in (int, str))


async def serve(protocol, stop_event: threading.Event, readline, readexactly) -> int:
    """Read and dispatch messages until end of stream (0), `exit`, or a framing error (EXIT_FRAMING)."""
    while not stop_event.is_set():
        try:
            body = await read_frame(readline, readexactly)
            if body is None:
                return 0
            try:
                raw = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                _reply_error(protocol, None, PARSE_ERROR, f"Parse error: {exc}")
                raise FramingError(f"body is not UTF-8 JSON: {exc}") from None
        except FramingError as exc:
            log.error("relulint-lsp: malformed frame (%s); exiting so that the editor restarts the server", exc)
            return EXIT_FRAMING
        if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0" or ("method" not in raw and "id" not in raw):
            _reply_error(protocol, raw.get("id") if isinstance(raw, dict) and _valid_id(raw) else None,
                         INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")
            continue
        if "id" in raw and not _valid_id(raw):
            _reply_error(protocol, None, INVALID_REQUEST, "Invalid Request: id must be a number, a string or null")
            continue
        _dispatch(protocol, raw, body)
        await asyncio.sleep(0)  # let handlers scheduled by this message run before the next read
    return 0


def _dispatch(protocol, raw: dict, body: bytes) -> None:
    from pygls.exceptions import JsonRpcException

    is_request = "method" in raw and "id" in raw
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except JsonRpcException as exc:  # e.g. Invalid Params: a position below 0 or at 2**31 and above
        if is_request:
            _reply_error(protocol, raw["id"], exc.code, exc.message or "Invalid Params")
        log.warning("relulint-lsp: rejected %s: %s", raw.get("method", "a response"), exc.message)
        return
    except Exception as exc:
        if is_request:
            _reply_error(protocol, raw["id"], INTERNAL_ERROR, f"Internal error: {type(exc).__name__}: {exc}")
        log.exception("relulint-lsp: cannot read %s", raw.get("method"))
        return
    try:
        protocol.handle_message(message)
    except Exception:  # a handler bug: pygls replies to requests itself; never stop reading
        log.exception("relulint-lsp: failed on %s", raw.get("method"))


# ------------------------------------------------------------------------------ transports


def start_io(server, stdin=None, stdout=None) -> int:
    """Serve over stdin/stdout; the exit code for the process."""
    from pygls.io_ import StdoutWriter

    server._stop_event = stop_event = threading.Event()
    inp = stdin or sys.stdin.buffer
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def run() -> int:
        loop = asyncio.get_running_loop()
        return await serve(server.protocol, stop_event,
                           lambda: loop.run_in_executor(None, inp.readline, MAX_HEADER_LINE + 1),
                           lambda n: loop.run_in_executor(None, _read_fully, inp, n))

    try:
        return asyncio.run(run())
    except SystemExit as exc:  # the `exit` notification: 0 after `shutdown`, 1 without (LSP)
        return int(exc.code or 0)
    except BrokenPipeError:
        log.error("relulint-lsp: the client closed the connection")
        return 1
    finally:
        server.shutdown()


def _read_fully(stream, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def start_tcp(server, host: str, port: int) -> int:
    """Serve one client over TCP (as pygls does); the exit code for the process."""
    server._stop_event = stop_event = threading.Event()
    code = {"rc": 0}

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)

        async def readline() -> bytes:
            try:
                return await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                return exc.partial
            except asyncio.LimitOverrunError:
                raise FramingError("header line too long") from None

        async def readexactly(n: int) -> bytes:
            try:
                return await reader.readexactly(n)
            except asyncio.IncompleteReadError as exc:
                return exc.partial

        try:
            code["rc"] = await serve(server.protocol, stop_event, readline, readexactly)
        except SystemExit as exc:
            code["rc"] = int(exc.code or 0)
        finally:
            writer.close()
            stop_event.set()
            if server._server is not None:
                server._server.close()

    async def main() -> None:
        server._server = await asyncio.start_server(connection, host, port, limit=MAX_HEADER_LINE + 1)
        log.info("relulint-lsp: serving on %s", ", ".join(str(s.getsockname()) for s in server._server.sockets))
        async with server._server:
            try:
                await server._server.serve_forever()
            except asyncio.CancelledError:
                pass

    try:
        asyncio.run(main())
    except SystemExit as exc:
        code["rc"] = int(exc.code or 0)
    finally:
        server._server = None
        server.shutdown()
    return code["rc"]
