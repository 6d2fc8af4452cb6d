"""Reading input files defensively: regular files inside the project, bounded in size.

A FIFO named `model.py` would block `open()` forever, `/dev/zero` behind a symlink would be read until
memory runs out, and a 10 MB generated source costs gigabytes downstream. Every file relulint reads
as source (targets, siblings, imported modules, files named by graph stack traces) comes through
`read_file`, which opens without blocking, checks the opened descriptor (not the name, which can
change in between) and reads at most the limit.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize

from relulint.project import inside

MAX_SOURCE_BYTES = 2_000_000  # a hand-written model file is far below this; generated code is not linted


class UnsafeFile(Exception):
    """The file is not read; the message says why (shown to the user as RL001)."""


def check_path(path: str, root: str | None) -> None:
    """Refuse, without opening anything, a path outside the project or not a regular file."""
    if root is not None and not inside(path, root):
        raise UnsafeFile(f"resolves outside the project ({root}); not read")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(f"not a regular file ({_kind(st.st_mode)}); not read")


def read_file(path: str, root: str | None, limit: int | None = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file inside `root` (None: anywhere), at most `limit` bytes long."""
    if root is not None and not inside(path, root):
        raise UnsafeFile(f"resolves outside the project ({root}); not read")
    fd, st = _open_regular(path)
    try:
        if limit is not None and st.st_size > limit:
            raise UnsafeFile(f"file too large ({st.st_size:,} bytes; the limit is {limit:,}, "
                             f"set max-file-size to change it); not linted")
        chunks = []
        left = (limit if limit is not None else st.st_size) + 1  # a file growing while read is cut too
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if limit is not None and len(data) > limit:
            raise UnsafeFile(f"file too large (over {limit:,} bytes, set max-file-size to change it); not linted")
        return data
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_range(path: str, offset: int, length: int) -> bytes:
    """Exactly `length` bytes at `offset` of a regular file (external tensor data): never more, and
    UnsafeFile when the file is shorter."""
    fd, st = _open_regular(path)
    try:
        if offset < 0 or offset + length > st.st_size:
            raise UnsafeFile(f"file is shorter ({st.st_size:,} bytes) than the {length:,} bytes at offset {offset:,} "
                             "it should hold")
        data = os.pread(fd, length, offset) if length else b""
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) != length:
        raise UnsafeFile(f"file is shorter than the {length:,} bytes at offset {offset:,} it should hold")
    return data


def _open_regular(path: str) -> tuple[int, os.stat_result]:
    """An open descriptor and its fstat, for a regular file only. O_NONBLOCK: opening a FIFO for
    reading returns at once instead of waiting for a writer; the check is on the descriptor."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise UnsafeFile(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafeFile(f"not a regular file ({_kind(st.st_mode)}); not read")
    return fd, st


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a special file"


def decode_source(data: bytes) -> str:
    """Python source text from bytes, honouring a BOM and a PEP 263 coding line (UTF-8 otherwise).

    Raises UnsafeFile with the reason when the bytes are not text in the declared encoding."""
    if b"\x00" in data[:8192]:
        raise UnsafeFile("binary file, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown codec, a BOM contradicting the coding line, or bad bytes
        if "invalid or missing encoding" not in str(exc):
            raise UnsafeFile(f"cannot decode: {exc}") from None
        encoding = "utf-8"  # undecodable first lines: the decode below names the byte
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        start = getattr(exc, "start", None)
        where = f" (byte {start})" if start is not None else ""
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise UnsafeFile(f"not valid {name}{where}: cannot lint as Python source") from None
    return text[1:] if text.startswith("\ufeff") else text
