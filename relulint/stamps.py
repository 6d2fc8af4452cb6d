"""Has a file changed on disk since it was read? For caches that live between runs (the language
server keeps parsed neighbours between keystrokes).

A stamp is (size, mtime_ns, inode) plus a digest of the content. The digest is what decides; the stat
part only lets a file that is plainly older than its stamp skip the re-read: a rewrite within the
file system's timestamp granularity, with the same size, would otherwise go unnoticed.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

from relulint.safe_read import UnsafeFile, read_file

SETTLED_NS = 2_000_000_000  # a file last written this long before it was stamped is trusted by its stat


@dataclass(frozen=True)
class Stamp:
    path: str
    stat: tuple[int, int, int] | None  # (size, mtime_ns, inode); None: missing
    digest: str | None  # None: not readable as a source
    taken_ns: int

    def settled(self) -> bool:
        return self.stat is not None and self.taken_ns - self.stat[1] >= SETTLED_NS


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def take(path: str, root: str | None, limit: int) -> Stamp:
    """The file's stamp now; read through safe_read (regular files inside `root`, at most `limit`
    bytes), so that stamping never opens what linting would not."""
    now = time.time_ns()
    st = _stat(path)
    digest = None
    if st is not None:
        try:
            digest = digest_of(read_file(path, root, limit))
        except UnsafeFile:  # (too large, not a regular file...): what linting sees is "unreadable"
            digest = None
    return Stamp(path, st, digest, now)


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def unchanged(stamp: Stamp, root: str | None, limit: int) -> bool:
    """Is the file as it was when `stamp` was taken?"""
    st = _stat(stamp.path)
    if st != stamp.stat:
        return False
    if st is None or stamp.settled():
        return True
    return take(stamp.path, root, limit).digest == stamp.digest
