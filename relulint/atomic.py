"""Atomic, verified file replacement for `--fix` and `--add-noqa`.

The new text goes to a temporary file beside the source (same folder, so the rename stays on one
file system; same permission bits), is read back and compared, and only then renamed over the
source with `os.replace`. A failed write (full disk, file-size limit, permissions) leaves the
original file exactly as it was, never truncated.
"""

from __future__ import annotations

import os
import tempfile


def replace_file(path: str | os.PathLike, data: bytes) -> None:
    """Replace the content of `path` with `data` atomically; raise OSError with the original intact.

    A symlinked source is written through to the file it points at, so the link stays a link."""
    real = os.path.realpath(path)
    st = os.stat(real)
    folder, name = os.path.split(real)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".relulint-tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, st.st_mode & 0o7777)
            try:
                os.fchown(fd, st.st_uid, st.st_gid)
            except OSError:
                pass  # not the owner: the file becomes ours, as with any editor's save
            os.fsync(fd)
        finally:
            os.close(fd)
        with open(tmp, "rb") as fh:  # verify: what is on disk is what we meant to write
            if fh.read(len(data) + 1) != data:
                raise OSError(f"verification failed: {tmp} does not hold the new text")
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
