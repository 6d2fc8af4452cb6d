"""The result cache: unchanged files are not re-analysed (pre-commit runs, repeated CI runs).

An entry is keyed by the file's path and content hash, the settings fingerprint, the relulint
version and a fingerprint of relulint's own code (so an editable install never serves results of
older rules). Because a file's findings can depend on its neighbours (the loss in a sibling
train.py), an entry also records the neighbour files that the engine could read, with their content
hashes, and is only served while that list and those contents are unchanged.

Entries are JSON (never pickle: a cache folder in an untrusted checkout must not execute code) in
`<root>/.relulint_cache/`, which holds a `.gitignore` of `*`. Nothing is written anywhere else; any
error reading or writing the cache makes it a miss, never a failure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path

from relulint.finding import Edit, Finding, Fix, Severity
from relulint.model import Origin

CACHE_DIR = ".relulint_cache"
FORMAT = 1  # bump when the entry layout changes


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


def _origin(d: dict | None) -> Origin | None:
    return Origin(**d) if d else None


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


class Cache:
    def __init__(self, root_dir: str | os.PathLike, settings: object) -> None:
        self.dir = Path(root_dir) / CACHE_DIR
        self._salt = f"{code_fingerprint()}:{settings_fingerprint(settings)}"
        self._hashes: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> sha, for one run

    def _key(self, path: str, content: bytes) -> str:
        return _sha(f"{self._salt}:{os.path.abspath(path)}:{_sha(content)}".encode())

    def _entry(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, path: str, content_bytes: bytes):
        """The cached FileResult for this exact content, or None (a miss)."""
        from relulint.engine import FileResult

        try:
            data = json.loads(self._entry(self._key(path, content_bytes)).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("path") != path:
                return None
            if self._neighbour_state(path, data.get("imports")) != data.get("neighbours"):
                return None  # a sibling (train.py holding the loss) changed, appeared or went away
            findings = [finding_from_dict(d) for d in data["findings"]]
            source = content_bytes.decode("utf-8-sig") if data.get("has_source") else None
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        return FileResult(path=path, findings=findings, source=source)

    def put(self, path: str, content_bytes: bytes, result) -> None:
        facts = getattr(result, "facts", None)
        # facts are dropped across worker processes: then take the imports from the text itself
        imports = list(facts.imports) if facts is not None else _imports_of(content_bytes)
        entry = {
            "format": FORMAT,
            "path": path,
            "has_source": result.source is not None,
            "imports": imports,
            "neighbours": self._neighbour_state(path, imports),
            "findings": [finding_to_dict(f) for f in result.findings],
        }
        target = self._entry(self._key(path, content_bytes))
        try:
            self._ensure_dir()
            target.parent.mkdir(exist_ok=True)
            text = json.dumps(entry, default=_json_default)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, target)  # atomic: a concurrent reader sees old or new, never half
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return  # read-only checkout, full disk: the cache is only an optimisation

    def _neighbour_state(self, path: str, imports: list[str] | None) -> list[list[str]]:
        """[path, content hash] of every file the engine may read beside `path` (same folder + imports)."""
        if imports is None or not os.path.exists(path):
            return []
        from relulint.engine import neighbour_paths

        out = []
        for p in neighbour_paths(path, imports):
            try:
                st = os.stat(p)
                key = (p, st.st_size, st.st_mtime_ns)
                if key not in self._hashes:
                    self._hashes[key] = _sha(Path(p).read_bytes())
                out.append([p, self._hashes[key]])
            except OSError:
                out.append([p, ""])
        return out

    def _ensure_dir(self) -> None:
        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Automatically created by relulint.\n*\n", encoding="utf-8")


def _imports_of(content: bytes) -> list[str] | None:
    import ast

    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError):
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
