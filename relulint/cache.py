"""The result cache: unchanged files are not re-analysed (pre-commit runs, repeated CI runs).

What an entry is bound to:
- its name and its `key` field: the file's absolute path and content hash, the settings
  fingerprint, the relulint version and a fingerprint of relulint's own installed code (so an
  editable install never serves results of older rules);
- its `deps`: the files the result depends on besides the file itself, with their content hashes:
  the neighbour .py files the engine could read (the loss in a sibling train.py) and, for an ONNX
  model, its external-data files. A changed, new or missing dependency makes the entry a miss;
- its `digest`: a hash over all of the above and the entry's body, checked on every read.

An entry is data, never code (JSON, no pickle), and it is not trusted: besides the digest, every
finding must name a known code and the file itself or one of its dependencies, and fix edits are
never stored. A hit carries only each fix's title and applicability (what the human formats show:
the `[*]` mark, the help line), with a no-op placeholder edit; `refresh_fixes` recomputes the real
edits from the source before anything applies or prints them (`--fix`, `--diff`, JSON, SARIF, LSP).
Recomputing costs a libcst parse with metadata, so it is done only then. A forged entry can at worst
misreport, never make `--fix` write text relulint did not compute itself.

Where: `<root>/.relulint_cache/` (or `--cache-dir`), holding a `.gitignore` of `*`. Every write is
made through directory file descriptors opened with O_NOFOLLOW: a `.relulint_cache` (or one of its
subfolders or entries) that is a symlink is refused, so nothing is ever written outside it.
Entries of a file's older contents are removed when a new one is written, and the folder is kept
under MAX_ENTRIES / MAX_BYTES / MAX_AGE_S. Any error reading or writing the cache makes it a miss,
never a failure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
import time
from pathlib import Path

from relulint.finding import Edit, Finding, Fix, Severity
from relulint.ir import Origin
from relulint.project import inside
from relulint.safe_read import UnsafeFile, read_file

CACHE_DIR = ".relulint_cache"
FORMAT = 2  # bump when the entry layout changes
MARKER = "# Automatically created by relulint.\n"
MAX_ENTRIES = 20_000
MAX_BYTES = 256 * 1024 ** 2
MAX_AGE_S = 30 * 24 * 3600  # an entry not read or written for a month is dropped
MAX_ENTRY_BYTES = 16 * 1024 ** 2
HASH_LIMIT = 64 * 1024 ** 2  # dependencies larger than this are identified by their stat, not hashed
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("relulint")
    except Exception:
        return "0"


_CODE_PRINT: str | None = None


def code_fingerprint() -> str:
    """Size and mtime of every module of relulint and its rules: a changed rule invalidates the cache."""
    global _CODE_PRINT
    if _CODE_PRINT is None:
        import relulint.rules as rules_pkg

        h = hashlib.sha256(f"{FORMAT}:{_version()}".encode())
        roots = [Path(__file__).parent, *(Path(p) for p in rules_pkg.__path__)]
        for root in roots:
            for p in sorted(root.rglob("*.py")):
                try:
                    st = p.stat()
                except OSError:
                    continue
                h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _CODE_PRINT = h.hexdigest()
    return _CODE_PRINT


def settings_fingerprint(settings: object) -> str:
    try:
        data = dataclasses.asdict(settings)  # type: ignore[arg-type]
    except TypeError:
        data = repr(settings)
    return _sha(json.dumps(data, sort_keys=True, default=str).encode())


# ------------------------------------------------------------------------------ (de)serialising


def finding_to_dict(f: Finding) -> dict:
    return {
        "code": f.code, "name": f.name, "severity": Severity(f.severity).value, "message": f.message,
        "origin": dataclasses.asdict(f.origin), "evidence": f.evidence,
        "fix": None if f.fix is None else {
            "message": f.fix.message, "applicability": f.fix.applicability,
            "edits": [dataclasses.asdict(e) for e in f.fix.edits]},
        "help": f.help,
        "related": [[dataclasses.asdict(o), m] for o, m in f.related],
        "confirmation": f.confirmation, "measured": f.measured,
    }


def finding_from_dict(d: dict) -> Finding:
    fix = d.get("fix")
    return Finding(
        code=d["code"], name=d["name"], severity=Severity(d["severity"]), message=d["message"],
        origin=Origin(**d["origin"]), evidence=d.get("evidence") or {},
        fix=None if not fix else Fix(message=fix["message"], applicability=fix["applicability"],
                                     edits=tuple(Edit(**e) for e in fix["edits"])),
        help=d.get("help"),
        related=[(Origin(**o), m) for o, m in d.get("related", [])],
        confirmation=d.get("confirmation"), measured=d.get("measured"),
    )


# ------------------------------------------------------------------------------ the cache


class CacheRefused(OSError):
    """The cache folder is a symlink or not a folder: the run goes on without a cache."""


class Cache:
    def __init__(self, root_dir: str | os.PathLike, settings: object,
                 cache_dir: str | os.PathLike | None = None) -> None:
        if cache_dir is not None:  # named by the user: resolved once, then nothing below it is followed
            self.dir = Path(os.path.realpath(cache_dir))
        else:
            self.dir = Path(root_dir) / CACHE_DIR
        self._salt = f"{code_fingerprint()}:{settings_fingerprint(settings)}"
        self._settings = settings  # its project root bounds the neighbours, as in the engine
        self._hashes: dict[tuple, str] = {}  # (path, size, mtime, ctime) -> sha, for one run
        self._fd: int | None = None
        self._wrote = False
        self.refused: str | None = None  # why the cache is off, for -v

    # ------------------------------------------------------------------ names

    def _key(self, path: str, content: bytes) -> str:
        return _sha(f"{self._salt}:{os.path.abspath(path)}:{_sha(content)}".encode())

    def _names(self, path: str, content: bytes) -> tuple[str, str, str]:
        """(subfolder, prefix shared by every entry of this path and settings, entry file name)."""
        ph = _sha(f"{self._salt}:{os.path.abspath(path)}".encode())
        key = self._key(path, content)
        return ph[:2], ph[2:26], f"{ph[2:26]}-{key[:40]}.json"

    # ------------------------------------------------------------------ folders (never through a symlink)

    def _dir_fd(self, create: bool) -> int:
        if self._fd is not None:
            return self._fd
        if self.refused:
            raise CacheRefused(self.refused)
        parent, name = os.path.split(os.path.abspath(self.dir))
        if create:
            os.makedirs(parent, exist_ok=True)
        pfd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            if create:
                try:
                    os.mkdir(name, 0o755, dir_fd=pfd)
                except FileExistsError:
                    pass
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
            except OSError as exc:
                if _is_link(name, pfd):
                    self.refused = f"{self.dir} is a symlink; not using it (remove it, or pass --cache-dir)"
                    raise CacheRefused(self.refused) from None
                raise exc
        finally:
            os.close(pfd)
        self._fd = fd
        if create:
            try:
                gfd = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=fd)
            except FileExistsError:
                pass
            else:
                with os.fdopen(gfd, "w", encoding="utf-8") as fh:
                    fh.write(f"{MARKER}*\n")
        return fd

    def _sub_fd(self, sub: str, create: bool) -> int:
        fd = self._dir_fd(create)
        if create:
            try:
                os.mkdir(sub, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
        return os.open(sub, _DIR_FLAGS, dir_fd=fd)  # ELOOP on a symlinked subfolder

    def close(self) -> None:
        """End of run: prune, then release the folder."""
        try:
            if self._wrote and self._fd is not None:
                self.prune()
        except OSError:
            pass
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # ------------------------------------------------------------------ get / put

    def get(self, path: str, content_bytes: bytes):
        """The cached FileResult for this exact content, or None (a miss)."""
        from relulint.engine import FileResult

        sub, _, name = self._names(path, content_bytes)
        try:
            sfd = self._sub_fd(sub, create=False)
        except OSError:
            return None
        try:
            data = json.loads(_read_entry(name, sfd))
            body = self._verified_body(data, path, content_bytes)
            if body is None or self._current_deps(path, body) != body["deps"]:
                return None  # a sibling (train.py holding the loss) or an external-data file changed, came or went
            allowed = {os.path.realpath(p) for p in [path, *(d[0] for d in body["deps"])]}
            findings = [_trusted_finding(d, allowed) for d in body["findings"]]
            source = content_bytes.decode("utf-8-sig") if body.get("has_source") else None
            try:
                os.utime(name, dir_fd=sfd, follow_symlinks=False)  # recently used: pruned last
            except (OSError, NotImplementedError):
                pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            return None
        finally:
            os.close(sfd)
        return FileResult(path=path, findings=findings, source=source)

    def _verified_body(self, data: object, path: str, content: bytes) -> dict | None:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        key, text = data.get("key"), data.get("body")
        if key != self._key(path, content) or not isinstance(text, str) or data.get("digest") != self._digest(key, text):
            return None  # another file's, edited, corrupted or forged
        body = json.loads(text)
        if not isinstance(body, dict) or body.get("path") != path:
            return None
        if not isinstance(body.get("findings"), list) or not isinstance(body.get("deps"), list):
            return None
        return body

    def _digest(self, key: str, body_text: str) -> str:
        return _sha(f"{self._salt}\0{key}\0{body_text}".encode())

    def put(self, path: str, content_bytes: bytes, result) -> None:
        imports, deps = self._deps_of(path, content_bytes, result)
        if deps is None:
            return  # the dependencies cannot be listed (an ONNX model without onnx installed): no entry
        body = {
            "path": path,
            "imports": imports,
            "has_source": result.source is not None,
            "deps": deps,
            "findings": [_without_edits(finding_to_dict(f)) for f in result.findings],  # edits: recomputed
        }
        key = self._key(path, content_bytes)
        body_text = json.dumps(body, default=_json_default)  # the digest covers these exact bytes
        text = json.dumps({"format": FORMAT, "key": key, "digest": self._digest(key, body_text), "body": body_text})
        sub, prefix, name = self._names(path, content_bytes)
        try:
            sfd = self._sub_fd(sub, create=True)
        except OSError:
            return  # read-only checkout, a symlinked cache folder: the cache is only an optimisation
        try:
            tmp = f".tmp-{os.getpid()}-{os.urandom(6).hex()}.json"
            wfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=sfd)
            try:
                with os.fdopen(wfd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                # rename replaces a symlink at `name` itself, never its target
                os.replace(tmp, name, src_dir_fd=sfd, dst_dir_fd=sfd)
            except BaseException:
                _unlink(tmp, sfd)
                raise
            self._wrote = True
            for other in os.listdir(sfd):  # the entries of this file's earlier contents are stale now
                if other.startswith(prefix) and other != name:
                    _unlink(other, sfd)
        except OSError:
            return
        finally:
            os.close(sfd)

    # ------------------------------------------------------------------ dependencies

    def _deps_of(self, path: str, content: bytes, result) -> tuple[list[str] | None, list[list[str]] | None]:
        """(imports, dependency state) of a fresh result."""
        if path.lower().endswith(".onnx"):
            files = _onnx_external_files(path)
            return None, None if files is None else self._dep_state([[p, ""] for p in files])
        facts = getattr(result, "facts", None)
        # facts are dropped across worker processes: then take the imports from the text itself
        imports = list(facts.imports) if facts is not None else _imports_of(content)
        return imports, self._neighbours(path, imports)

    def _current_deps(self, path: str, body: dict) -> list[list[str]]:
        if path.lower().endswith(".onnx"):  # the model's content (in the key) fixes the list of files
            return self._dep_state(body["deps"])
        return self._neighbours(path, body.get("imports"))

    def _neighbours(self, path: str, imports: list[str] | None) -> list[list[str]]:
        if imports is None or not os.path.exists(path):
            return []
        from relulint.engine import neighbour_paths
        from relulint.project import root_for

        return self._dep_state([[p, ""] for p in neighbour_paths(path, imports, root_for(self._settings, path))])

    def _dep_state(self, deps: list) -> list[list[str]]:
        """[path, content hash] of each dependency, as it is now ("" when it is missing)."""
        out = []
        for p, _ in deps:
            p = str(p)
            try:
                st = os.stat(p)
                sig = (p, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                if sig not in self._hashes:
                    if not stat.S_ISREG(st.st_mode):
                        self._hashes[sig] = "not-a-file"
                    elif st.st_size > HASH_LIMIT:  # a multi-GB weights file: its identity, not its bytes
                        self._hashes[sig] = f"stat:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
                    else:
                        self._hashes[sig] = _sha(read_file(p, None, HASH_LIMIT))  # no FIFO swapped in
                out.append([p, self._hashes[sig]])
            except (OSError, UnsafeFile):
                out.append([p, ""])
        return out

    # ------------------------------------------------------------------ pruning

    def prune(self, now: float | None = None) -> int:
        """Drop entries unused for MAX_AGE_S, then the least recently used ones beyond the size bounds,
        and leftover temporary files. Returns how many files were removed."""
        now = time.time() if now is None else now
        fd = self._dir_fd(create=False)
        entries = []  # (mtime, size, sub, name)
        removed = 0
        for sub in os.listdir(fd):
            if len(sub) != 2:
                continue
            try:
                sfd = os.open(sub, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue
            try:
                for name in os.listdir(sfd):
                    try:
                        st = os.stat(name, dir_fd=sfd, follow_symlinks=False)
                    except OSError:
                        continue
                    stale_tmp = name.startswith(".tmp-") and now - st.st_mtime > 3600
                    if stale_tmp or now - st.st_mtime > MAX_AGE_S or not stat.S_ISREG(st.st_mode):
                        removed += _unlink(name, sfd)
                    elif name.endswith(".json") and not name.startswith(".tmp-"):
                        entries.append((st.st_mtime, st.st_size, sub, name))
            finally:
                os.close(sfd)
        entries.sort(reverse=True)  # newest first
        total = 0
        for i, (_, size, sub, name) in enumerate(entries):
            total += size
            if i >= MAX_ENTRIES or total > MAX_BYTES:
                try:
                    sfd = os.open(sub, _DIR_FLAGS, dir_fd=fd)
                except OSError:
                    continue
                removed += _unlink(name, sfd)
                os.close(sfd)
        return removed


def clean(cache_dir: str | os.PathLike) -> str | None:
    """Remove a relulint cache folder (`relulint clean`). Only a folder relulint made is removed (it
    holds relulint's `.gitignore`); a symlink in its place is removed as a link, its target untouched.
    Returns None when done, or why nothing was removed."""
    p = Path(cache_dir)
    if p.is_symlink():
        p.unlink()
        return None
    if not p.exists():
        return None
    if not p.is_dir():
        return f"{p} is not a folder; not removing it"
    try:
        marker = (p / ".gitignore").read_text(encoding="utf-8")
    except OSError:
        marker = ""
    if not marker.startswith(MARKER) and any(p.iterdir()):
        return f"{p} does not look like a relulint cache (no relulint .gitignore); not removing it"
    shutil.rmtree(p)
    return None


# ------------------------------------------------------------------------------ helpers


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _unlink(name: str, dir_fd: int) -> int:
    try:
        os.unlink(name, dir_fd=dir_fd)
        return 1
    except OSError:
        return 0


def _read_entry(name: str, dir_fd: int) -> bytes:
    """An entry's bytes: a regular file (not a link, FIFO or device) of bounded size."""
    fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            raise ValueError("not a cache entry")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(MAX_ENTRY_BYTES + 1)
    finally:
        os.close(fd)


def _trusted_finding(d: object, allowed: set[str]) -> Finding:
    """A finding from an entry, checked: a known code, about the file or one of its dependencies."""
    from relulint.config import known_codes

    if not isinstance(d, dict):
        raise ValueError("not a finding")
    fix = d.get("fix")
    f = finding_from_dict({**d, "fix": None})
    if isinstance(fix, dict) and fix.get("applicability") in ("safe", "unsafe", "display-only"):
        f.fix = Fix(message=str(fix.get("message", "")), applicability=fix["applicability"], edits=(STUB_EDIT,))
    if f.code not in known_codes() or os.path.realpath(f.origin.path) not in allowed:
        raise ValueError(f"untrusted finding {f.code} at {f.origin.path}")
    if not all(isinstance(x, str) for x in (f.name, f.message)):
        raise ValueError("malformed finding")
    return f


# Stands for a cached fix's edits until refresh_fixes recomputes them; applying it changes nothing.
STUB_EDIT = Edit(content="", line=1, col=0, end_line=1, end_col=0)


def _without_edits(d: dict) -> dict:
    fix = d.get("fix")
    return {**d, "fix": None if fix is None else {"message": fix["message"], "applicability": fix["applicability"]}}


def refresh_fixes(results: list) -> None:
    """Recompute the fix edits of findings served from the cache (their edits are placeholders)."""
    try:
        from relulint import fixes
    except ImportError:
        fixes = None
    for r in results:
        stubbed = [f for f in r.findings if f.fix is not None and STUB_EDIT in f.fix.edits]
        if not stubbed:
            continue
        for f in stubbed:
            f.fix = None
        if fixes is not None and r.source is not None:
            fixes.attach(stubbed, {r.path: r.source})


def _onnx_external_files(path: str) -> list[str] | None:
    """The external-data files an ONNX model names (inside its folder), or None when onnx is missing."""
    try:
        import onnx
    except ImportError:
        return None
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception:
        return []  # unreadable: the result is an RL002 that depends on the file alone
    base = os.path.dirname(os.path.abspath(path))
    out: list[str] = []
    for tensor in _all_tensors(model.graph):
        if tensor.data_location != 1:  # TensorProto.EXTERNAL
            continue
        loc = {e.key: e.value for e in tensor.external_data}.get("location", "")
        full = os.path.normpath(os.path.join(base, loc))
        # only files the graph pass may read (inside the model's folder); it refuses the rest unread
        if loc and inside(full, os.path.realpath(base)) and full not in out:
            out.append(full)
    return sorted(out)


def _all_tensors(graph):
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _all_tensors(attr.g)
            for g in attr.graphs:
                yield from _all_tensors(g)


def _imports_of(content: bytes) -> list[str] | None:
    import ast

    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append("." * node.level + (node.module or ""))
    return out


def _json_default(value: object) -> object:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    return repr(value)
