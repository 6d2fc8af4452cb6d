"""The per-file pipeline: read -> lower (source or graph) -> join neighbours -> rules -> suppressions.

Every file is isolated: whatever goes wrong while reading, parsing or judging one file becomes an
engine finding (RL000 syntax error, RL001 unreadable file, RL002 unreadable graph) for that file
and the run goes on.
"""

from __future__ import annotations

import ast
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from relulint import notebook
from relulint.config import Settings
from relulint.finding import Finding, Severity
from relulint.ir import ModelIR, ModuleFacts, Origin
from relulint.project import inside, root_for
from relulint.safe_read import MAX_SOURCE_BYTES, UnsafeFile, check_path, decode_source, read_file
from relulint.source.text_hints import defines_layers, drives_training, has_context_hints, trains

MAX_NEIGHBOURS = 32  # files read beside one file to find its loss and data pipeline
MAX_NEIGHBOUR_BYTES = 512_000
MAX_DRIVERS = 4  # sibling scripts importing the linted file, read for the loss calls they make
# A driver is a script that trains or runs the file's model; a module that imports the file and is larger
# than this is a library building on it (diffusers' attention.py on attention_processor.py), and reading
# it would cost more than the file itself. Drivers are taken smallest first, within a total.
MAX_DRIVER_BYTES = 64_000
MAX_DRIVERS_TOTAL_BYTES = 128_000
# Drivers of drivers: a helper (ops.py) imported by a module that trains nothing (model.py) is judged by the
# scripts importing that module (train.py), up to this many imports away. The walk reads import lines only;
# of the modules it reaches, only scripts that run a training step are lowered, smallest first, within a
# budget of their own as large as the first level's (MAX_DRIVERS, MAX_DRIVERS_TOTAL_BYTES).
MAX_DRIVER_DEPTH = 3
MAX_DRIVER_WALK = 16  # modules that train nothing whose importers the walk looks for


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    facts: ModuleFacts | None = None
    source: str | None = None


def engine_finding(code: str, name: str, path: str, message: str, line: int = 1, col: int = 0,
                   evidence: dict | None = None) -> Finding:
    return Finding(code=code, name=name, severity=Severity.ERROR, message=message,
                   origin=Origin(path, line, col, line, col), evidence=evidence or {})


# ------------------------------------------------------------------------------------ reading


def read_source(path: str, root: str | None = None,
                limit: int | None = MAX_SOURCE_BYTES) -> tuple[str | None, Finding | None]:
    """The text of a regular source file inside `root` (see safe_read), else one RL001 saying why."""
    try:
        return decode_source(read_file(path, root, limit)), None
    except UnsafeFile as exc:
        return None, engine_finding("RL001", "unreadable-file", path, str(exc))


def syntax_error(path: str, code: str) -> Finding | None:
    """Python's own parser gives the position (libcst's error positions can be wrong)."""
    found = python_ast(path, code)
    return found if isinstance(found, Finding) else None


def python_ast(path: str, code: str) -> ast.Module | Finding:
    """Python's own syntax tree of the code (statement positions for LazyPositions), else RL000."""
    try:
        return compile(code, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max((exc.offset or 1) - 1, 0)
        return engine_finding("RL000", "syntax-error", path, f"syntax error: {exc.msg}", line, col)
    except (ValueError, RecursionError, MemoryError) as exc:
        return engine_finding("RL000", "syntax-error", path, f"cannot parse: {exc}")
    return None


def too_complex(path: str, code: str, syntax: ast.Module | None = None) -> Finding | None:
    """RL000 for source beyond what libcst's native parser takes safely (see parse_guard)."""
    from relulint.parse_guard import complexity_error

    hit = complexity_error(code, syntax)
    if hit is None:
        return None
    line, col, message = hit
    return engine_finding("RL000", "syntax-error", path, message, line, col)


def _shared_parse(code: str, syntax: ast.Module | None):
    """The text's tree, parsed once per process whoever reads it first: the linted file, a driver
    script that imports it, or the interpreter following an import of either."""
    from relulint.source.interp import program

    tree = program.shared_tree(code)
    if tree is None:
        tree = parse_module(code)
        program.remember(code, tree, syntax)
    return tree


def parse_module(code: str):
    """libcst's parse on a thread with a deep stack (the native parser recurses)."""
    import libcst as cst

    from relulint.parse_guard import call_with_stack

    return call_with_stack(cst.parse_module, code)


# ------------------------------------------------------------------------------------ stages

_current_stage = "read"
_stage_hook: Callable[[str], None] | None = None  # set in worker processes: reports progress to the parent


def stage(name: str) -> None:
    """Mark the stage the current file is in (read, parse, lower, neighbours, rules, graph), so a
    file that runs out of time or kills its worker is reported with where the time went."""
    global _current_stage
    _current_stage = name
    if _stage_hook is not None:
        _stage_hook(name)


# ------------------------------------------------------------------------------------ neighbours


class FactsCache:
    """Lowered facts per path, so a neighbour read for several files is parsed once.

    For one run by default. With `watch` (the language server's cache, kept between keystrokes) each
    entry carries stamps (relulint.stamps) of the file and of every project module its lowering read,
    and is lowered again only when one of them changed on disk."""

    def __init__(self, watch: bool = False) -> None:
        self._facts: dict[str, ModuleFacts | None] = {}
        # read, but skipped for these askers: no loss, feed or import of the asker (module names)
        self._unhinted: dict[str, set[str | None]] = {}
        self._watch = watch
        self._stamps: dict[str, tuple[str | None, list]] = {}  # key -> (root, stamps), with watch

    def get(self, path: str, asker: str | None = None, root: str | None = None,
            driver: bool = False) -> ModuleFacts | None:
        """Facts of a neighbour of `asker` (the linted file). A neighbour that imports the asker is its
        driver script and is always lowered (`driver`: one found importing it, maybe through the modules
        between them); others only when their text hints at a loss or a feed."""
        key = os.path.abspath(path)
        asker_module = Path(asker).stem if asker else None
        if self._watch and key in self._facts and self._changed(key):
            self._forget(key)
        skipped_for = self._unhinted.get(key)
        if key not in self._facts or (skipped_for is not None and (driver or asker is not None
                                                                   and asker_module not in skipped_for)):
            reads: list[str] = []
            facts = self._lower(path, None if driver else asker_module, root, reads if self._watch else None,
                                driver)
            if facts is _SKIPPED:
                self._unhinted.setdefault(key, set()).add(asker_module)
                facts = None
            else:
                self._unhinted.pop(key, None)
            self._facts[key] = _as_neighbour(facts)
            if self._watch:
                self._stamp(key, [key, *reads], root)
        return self._facts[key]

    def put(self, path: str, facts: ModuleFacts, root: str | None = None) -> None:
        key = os.path.abspath(path)
        self._facts[key] = _as_neighbour(facts)
        self._unhinted.pop(key, None)
        if self._watch:  # (an editor buffer: its facts stand for the file until the file changes on disk)
            self._stamp(key, [key], root)

    def _stamp(self, key: str, paths: list[str], root: str | None) -> None:
        from relulint import stamps

        root = root or root_for(None, key)
        self._stamps[key] = (root, [stamps.take(p, root, MAX_NEIGHBOUR_BYTES) for p in dict.fromkeys(paths)])

    def _changed(self, key: str) -> bool:
        from relulint import stamps

        root, taken = self._stamps.get(key, (None, []))
        return not all(stamps.unchanged(s, root, MAX_NEIGHBOUR_BYTES) for s in taken)

    def _forget(self, key: str) -> None:
        self._facts.pop(key, None)
        self._unhinted.pop(key, None)
        self._stamps.pop(key, None)

    @staticmethod
    def _lower(path: str, asker_module: str | None, root: str | None,
               reads: list[str] | None = None, driver: bool = False) -> ModuleFacts | None | object:
        """The neighbour's facts (None: no context, _SKIPPED: no hint for this asker); `reads`, when
        given, collects the project modules the interpreter read while lowering it."""
        from relulint.source import lower_source, mentions_framework
        from relulint.source.interp import program

        try:
            # only regular files inside the project (`root`), bounded, are read
            code = notebook.read_code(path, root or root_for(None, path), MAX_NEIGHBOUR_BYTES)
            if not mentions_framework(code):
                return None
            if not driver and not has_context_hints(code) and not _imports_module(code, asker_module):
                return _SKIPPED
            syntax = python_ast(path, code)
            if isinstance(syntax, Finding) or too_complex(path, code, syntax):
                return None
            with program.recording_reads(reads):
                return lower_source(path, code, _shared_parse(code, syntax), syntax)
        except Exception:  # a neighbour that cannot be read is simply not context
            return None


_SKIPPED = object()


def _as_neighbour(facts: ModuleFacts | None) -> ModuleFacts | None:
    """What another file's lint reads of these facts (build_irs: the bound losses, losses and data), with
    every origin placed: an origin waiting to be placed keeps the file's whole syntax tree alive, and the
    cache lives as long as the run."""
    if facts is None:
        return None
    slim = ModuleFacts(path=facts.path, losses=facts.losses, data=facts.data, imports=facts.imports,
                       frameworks=facts.frameworks, bound=facts.bound, followed=facts.followed)
    from relulint.source.lazy_positions import place_all

    place_all(slim)
    return slim


def _imports_module(code: str, module: str | None) -> bool:
    if not module:
        return False
    if re.search(rf"^\s*(from\s+\.*{re.escape(module)}\s+import|import\s+.*\b{re.escape(module)}\b)",
                 code, re.MULTILINE):
        return True
    package, _, name = module.rpartition(".")  # `from src import models`; beside it, `from . import models`
    return re.search(rf"^\s*from\s+{re.escape(package) if package else '[.]'}\s+import\s+[^#\n]*\b{re.escape(name)}\b",
                     code, re.MULTILINE) is not None


def neighbour_paths(path: str, imports: Iterable[str], root: str | None = None) -> list[str]:
    """Files the linted file reaches: the project modules it imports, then the scripts that import it (its
    drivers: a train.py doing `from model import Net`, and the training scripts above a module that trains
    nothing itself, see driver_paths). Never the whole folder: tutorial folders hold independent programs.
    Only regular files inside the project `root` (default: the project of `path`), symlinks followed: a
    neighbour pointing out of the project is never opened."""
    return [p for p, _role in neighbours_of(path, imports, root)]


def neighbours_of(path: str, imports: Iterable[str], root: str | None = None) -> list[tuple[str, str]]:
    """neighbour_paths, each with its role: "import" (a module the file imports), "driver" (a script that
    imports it, maybe through others: read for its loss) or "via" (a module between the file and a driver
    above it: not read, but what the driver's reading of the file goes through)."""
    root = root or root_for(None, path)
    here = Path(path)  # neighbours are spelled like the linted path (relative stays relative)
    folder = here.parent
    out: list[tuple[Path, str]] = []
    for mod in imports:
        for cand in _module_files(folder, mod):
            if not _same(cand, here) and all(cand != p for p, _ in out) and _readable(cand, root):
                out.append((cand, "import"))
    taken = {p for p, _ in out}
    out.extend((p, "driver" if read else "via") for p, read in driver_walk(here, root) if p not in taken)
    return [(str(p), role) for p, role in out[:MAX_NEIGHBOURS]]


def _same(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _readable(path: Path, root: str) -> bool:
    try:
        check_path(str(path), root)
    except UnsafeFile:
        return False
    return True


def driver_paths(here: Path, root: str | None = None) -> list[Path]:
    """Scripts whose text imports the module `here`: its siblings (`from model import Net`), then the
    scripts up to two folders above that import it by its package path (`src/models.py` driven by a
    top-level `train.py` doing `from src.models import Net`), smallest first, at most MAX_DRIVERS of at most
    MAX_DRIVER_BYTES, MAX_DRIVERS_TOTAL_BYTES together. Then, when some of them run no training step (a
    model.py importing the helpers of ops.py), the training scripts that import those, up to
    MAX_DRIVER_DEPTH imports away (see _drivers_of_drivers). Read as text only, regular files inside the
    project `root` only."""
    return [p for p, read in driver_walk(here, root) if read]


def driver_walk(here: Path, root: str | None = None) -> list[tuple[Path, bool]]:
    """driver_paths (read: True), then the modules the walk went through to reach the scripts above (read:
    False): the drivers' reading of `here` goes through them, so a result depends on them too."""
    root = root or root_for(None, str(here))
    importers = _importers_of(here, root)
    first = [p for p, _size in _within_budget(importers)]
    above, via = _drivers_of_drivers(here, [p for p, _ in importers], root)
    return [(p, True) for p in first + above] + [(p, False) for p in via if p not in first]


def _within_budget(found: Iterable[tuple[Path, int]], count: int = MAX_DRIVERS,
                   total: int = MAX_DRIVERS_TOTAL_BYTES) -> list[tuple[Path, int]]:
    """The first scripts of `found` (in its order) that fit `count` files and `total` bytes together."""
    out: list[tuple[Path, int]] = []
    for p, size in found:
        if len(out) >= count:
            break
        if size <= total:
            out.append((p, size))
            total -= size
    return out


def _drivers_of_drivers(here: Path, importers: list[Path], root: str) -> tuple[list[Path], list[Path]]:
    """The training scripts above the `importers` of `here` that run no training step: ops.py <- model.py
    (builds the network from ops.py's helpers, applies no loss) <- train.py (the loss). The walk goes from
    importer to importer through modules that train nothing (read or not as drivers themselves: a helper
    imported by many modules), at most MAX_DRIVER_DEPTH imports from `here` and MAX_DRIVER_WALK modules
    in all, never twice through one file (import cycles); the scripts it meets that train end their branch
    and are taken nearest first, then smallest first, within one driver budget (as many files and bytes as
    the first level's). Returns them, and the modules between `here` and them."""
    seen = {os.path.abspath(p) for p in (here, *importers)}
    frontier = [p for p in importers if not _drives(p, root)]
    walked = 0
    out: list[tuple[Path, int]] = []
    below: dict[Path, Path] = {}  # a module the walk reached -> the one it imports on the way to `here`
    for _depth in range(1, MAX_DRIVER_DEPTH):
        scripts: list[tuple[Path, int]] = []
        above: list[Path] = []
        for node in frontier:
            if walked >= MAX_DRIVER_WALK:
                break
            walked += 1
            for p, size in _importers_of(node, root):
                key = os.path.abspath(p)
                if key in seen:
                    continue
                seen.add(key)
                below[p] = node
                if _drives(p, root):
                    scripts.append((p, size))
                else:
                    above.append(p)
        out += _within_budget(sorted(scripts, key=lambda ps: ps[1]), MAX_DRIVERS - len(out),
                              MAX_DRIVERS_TOTAL_BYTES - sum(size for _p, size in out))
        frontier = above
        if not frontier or len(out) >= MAX_DRIVERS:
            break
    via: list[Path] = []
    for p, _size in out:
        while (p := below.get(p)) is not None and p not in via:  # (p is None past the first level)
            via.append(p)
    return [p for p, _size in out], via


def _drives(path: Path, root: str) -> bool:
    found = _import_lines(str(path), root)
    return found is not None and found[2]


def _importers_of(here: Path, root: str) -> list[tuple[Path, int]]:
    """(script, size) of the files importing `here`: its siblings first, then those in the folders up to
    two above that name it by its package path, each folder smallest first. A package's `__init__.py` is
    imported by its folder's name."""
    folder, name = here.parent, here.stem
    if here.name == "__init__.py":
        if not folder.name.isidentifier():
            return []
        folder, name = folder.parent, folder.name
    # the folders to look in, and the module's names from its own folder up (`ops`, `pkg.ops`, `src.pkg.ops`):
    # a file of the k-th folder names it by one of the names of k+1 parts or more (a sibling may spell the
    # package path too: `from pkg.ops import dense` in pkg/model.py)
    folders = [folder]
    names = [name]
    while len(folders) < 3 and folders[-1].parent != folders[-1] and folders[-1].name.isidentifier():
        names.append(f"{folders[-1].name}.{names[-1]}")
        folders.append(folders[-1].parent)
    out: list[tuple[Path, int]] = []
    for level, where in enumerate(folders):
        if not inside(str(where), root):
            break
        out += _importers(where, here, names[level:], root)
    return out


def _importers(folder: Path, here: Path, dotted: list[str], root: str) -> list[tuple[Path, int]]:
    """(script, size) for the files of `folder` that import one of the `dotted` names, at most
    MAX_DRIVER_BYTES each, smallest first."""
    try:
        candidates = sorted(p for p in (*folder.glob("*.py"), *folder.glob("*.ipynb")) if not _same(p, here))
    except OSError:
        return []
    out = []
    for p in candidates[:4 * MAX_NEIGHBOURS]:
        found = _import_lines(str(p), root)
        if found is not None and any(_imports_module(found[0], d) for d in dotted):
            out.append((p, found[1]))
    return sorted(out, key=lambda ps: ps[1])


# (path, root) -> (stat, import lines, size, drives_training)
_IMPORT_LINES: dict[tuple[str, str], tuple[tuple, str, int, bool]] = {}
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)[ \t].*$", re.MULTILINE)


def _import_lines(path: str, root: str) -> tuple[str, int, bool] | None:
    """The lines of a candidate driver that start an import statement (all _imports_module looks at),
    its size and whether it runs a training step; None when it is not read (larger than
    MAX_DRIVER_BYTES, outside the project...).
    Kept per file while its stat is unchanged and settled: every file of a folder asks about the same
    siblings."""
    from relulint import stamps

    try:
        st = os.stat(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        return None
    hit = _IMPORT_LINES.get((path, root))
    if hit is not None and hit[0] == key:
        return hit[1], hit[2], hit[3]
    try:
        if notebook.is_notebook(path):  # (its outputs make it big: its code is held to the driver limit)
            text = notebook.read_code(path, root, MAX_DRIVER_BYTES)
            data = text.encode()
        else:
            data = read_file(path, root, MAX_DRIVER_BYTES)  # (a larger file is refused unread)
            text = data.decode("utf-8", errors="replace")
    except (UnsafeFile, ValueError):
        return None
    lines = "\n".join(_IMPORT_LINE.findall(text))
    drives = drives_training(text)
    if time.time_ns() - key[1] >= stamps.SETTLED_NS:  # (a file just written may change within the clock's step)
        if len(_IMPORT_LINES) >= 4096:
            _IMPORT_LINES.clear()
        _IMPORT_LINES[(path, root)] = (key, lines, len(data), drives)
    return lines, len(data), drives


def _module_files(folder: Path, mod: str) -> list[Path]:
    level = len(mod) - len(mod.lstrip("."))
    parts = [p for p in mod.lstrip(".").split(".") if p]
    base = folder
    for _ in range(max(level - 1, 0)):
        base = base.parent
    roots = [base] if level else [folder, *list(folder.parents)[:3]]
    out = []
    for root in roots:
        target = root.joinpath(*parts) if parts else root
        out += [target.with_suffix(".py"), target / "__init__.py"] if parts else []
    return out


# ------------------------------------------------------------------------------------ rules


def build_irs(facts: ModuleFacts, neighbours: list[ModuleFacts]) -> list[ModelIR]:
    """The IRs rules judge for one file.

    Networks the interpreter followed are judged with the loss calls their outputs reach (`bound`: in
    this file, or in a neighbour that imports it and reaches this file's layers); with no loss reaching
    any network, with the losses this file declares but never applies. Networks of the older frontends
    (Keras, TF1) keep their directly bound loss, else the losses of this file or its neighbours.
    """
    here = os.path.abspath(facts.path)
    bound = list(facts.bound) + [ir for n in neighbours for ir in n.bound if _touches(ir, here)]
    losses = facts.losses or [loss for n in neighbours for loss in n.losses]
    data = facts.data or [d for n in neighbours for d in n.data]
    irs = []
    for net in facts.networks:
        seen = [] if net.embeds_input() else (list(net.inputs) or list(data))
        if net.followed:
            fallback = [] if bound else list(facts.unlinked_losses)
            irs.append(ModelIR(network=net, losses=fallback, data=seen))
        else:
            irs.append(ModelIR(network=net, losses=list(losses), data=seen))
    irs.extend(bound)
    return irs


def _touches(ir: ModelIR, here: str) -> bool:
    """Does the network hold a layer of `here`: an op made there, or a weight initialised or an activation
    chosen there (TF1 helpers: `weight_variable(shape)` of ops.py called from model.py)?"""
    for op in ir.network.ops:
        for origin in (op.origin, op.init_site, op.weight_init and op.weight_init.origin,
                       op.activation and op.activation.origin):
            if origin is not None and os.path.abspath(origin.path) == here:
                return True
    return False


def run_rules(irs: list[ModelIR], settings: Settings, path: str, pass_name: str = "source") -> list[Finding]:
    """The findings of every enabled static rule that declares `pass_name` ("source" or "graph")."""
    from relulint.rules import static_rules

    findings: list[Finding] = []
    for rule_cls in static_rules(pass_name):
        if not settings.is_enabled(rule_cls.CODE, path):
            continue
        rule = rule_cls()
        options = settings.options_for(rule_cls)
        for f in rule.check_module(irs, options):
            f.severity = settings.severity_for(rule_cls.CODE, f.severity)
            findings.append(f)
    return findings


def _in_file_first(findings: list[Finding], path: str) -> list[Finding]:
    """This file's findings first, spelled as the caller spelled the path (a neighbour's reading of this
    file may have named it by another path), then those located in the files it reaches."""
    import dataclasses

    here = os.path.abspath(path)
    mine, others = [], []
    for f in findings:
        if f.origin.path != path and os.path.abspath(f.origin.path) == here:
            f.origin = dataclasses.replace(f.origin, path=path)
        (mine if f.origin.path == path else others).append(f)
    return mine + others


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        # graph findings without a source line all sit at 1:0: the node tells them apart
        key = (f.code, f.origin.path, f.origin.line, f.origin.col, f.origin.node)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# ------------------------------------------------------------------------------------ entry points


def lint_source(code: str, path: str = "<stdin>", settings: Settings | None = None,
                cache: FactsCache | None = None, neighbours: bool = True,
                parse: Callable[[str], object] | None = None) -> FileResult:
    """Lint Python source text (the file need not exist; neighbours are read when it does). `parse`
    replaces libcst's parse of the text (the language server's reuses the previous version's tree).
    Runs on a thread with a deep stack: libcst's parser and visitors recurse once per tree level."""
    from relulint import project
    from relulint.gc_policy import fewer_collections
    from relulint.parse_guard import call_with_stack

    previous = project.set_active(project.root_for(settings, path) if path not in ("<stdin>", "-") else None)
    try:
        with fewer_collections():
            return call_with_stack(_lint_source, code, path, settings, cache, neighbours, parse)
    finally:
        project.set_active(previous)


def _lint_source(code: str, path: str, settings: Settings | None, cache: FactsCache | None,
                 neighbours: bool, parse: Callable[[str], object] | None = None) -> FileResult:
    from relulint import suppress
    from relulint.source import lower_source

    settings = settings or Settings()
    result = FileResult(path=path, source=code)
    limit = getattr(settings, "max_file_size", MAX_SOURCE_BYTES)
    if limit is not None and len(code) > limit:  # stdin and editor buffers get the files' size limit
        result.findings = [engine_finding("RL001", "unreadable-file", path, f"source too large ({len(code):,} "
                                          f"characters; the limit is {limit:,}, set max-file-size to change it); "
                                          "not linted")]
        return result
    stage("parse")
    guard = getattr(parse, "guard", None)  # a parser that knows the text's statements checks them itself
    syntax = None
    if guard is not None:
        err = guard(path, code)
    else:
        syntax = python_ast(path, code)
        tree = syntax if not isinstance(syntax, Finding) else None
        err = too_complex(path, code, tree) or (syntax if tree is None else None)
        syntax = tree
    if err is not None:
        result.findings = [err] if settings.is_enabled("RL000", path) else []
        return result
    module = parse(code) if parse is not None else _shared_parse(code, syntax)
    stage("lower")
    facts = lower_source(path, code, module, syntax)
    result.facts = facts
    cache = cache or FactsCache()
    cache.put(path, facts, root_for(settings, path))
    near: list[ModuleFacts] = []
    # a file with no network of its own but training code (a Trainer class, a loss module) is judged
    # through the scripts that import it and hand it a model; so is one that defines layers only the code
    # using them builds (a Keras Layer subclass, TF1 variable helpers)
    if neighbours and (facts.networks or (facts.frameworks and (trains(code) or defines_layers(code)))) \
            and os.path.exists(path):
        stage("neighbours")
        root = root_for(settings, path)
        # the interpreter already followed this file's imports: only its drivers (scripts that import
        # it and call its networks) add context; Keras / TF1 networks still take their imports' losses
        imports = [] if all(net.followed for net in facts.networks) else facts.imports
        for p, role in neighbours_of(path, imports, root):
            if role == "via":
                continue
            nf = cache.get(p, path, root, role == "driver")
            if nf is not None:
                near.append(nf)
    stage("rules")
    irs = build_irs(facts, near)
    findings = run_rules(irs, settings, path)
    findings = _in_file_first(findings, path)
    root = root_for(settings, path)
    result.findings = notebook.place_other_notebooks(_dedupe(suppress.apply(findings, {path: code}, settings, root)),
                                                     path, root)
    return result  # fixes are computed on demand (fixes.attach): --fix, --diff, JSON/SARIF, code actions


def lint_file(path: str, settings: Settings, cache: FactsCache | None = None) -> FileResult:
    return isolated(path, _lint_file, path, settings, cache)


def lint_buffer(code: str, path: str, settings: Settings, cache: FactsCache | None = None,
                parse: Callable[[str], object] | None = None) -> FileResult:
    """An editor buffer's text (the language server's): lint_source, isolated like lint_file. A notebook
    opened as a file is its JSON, where no position of its code can be shown: nothing is reported (an
    editor's notebook sends each cell as a buffer of its own)."""
    if notebook.is_notebook(path):
        return FileResult(path=path)
    return isolated(path, lint_source, code, path, settings, cache, True, parse)


def _lint_file(path: str, settings: Settings, cache: FactsCache | None) -> FileResult:
    from relulint.graph import is_graph_file

    if is_graph_file(path):
        stage("graph")
        return lint_graph_file(path, settings)
    stage("read")
    limit = getattr(settings, "max_file_size", MAX_SOURCE_BYTES)
    if notebook.is_notebook(path):
        return _lint_notebook(path, settings, cache, limit)
    code, err = read_source(path, root_for(settings, path), limit)
    if err is not None:
        return FileResult(path=path, findings=[err])
    return lint_source(code, path, settings, cache)


def _lint_notebook(path: str, settings: Settings, cache: FactsCache | None, limit: int | None) -> FileResult:
    """A notebook's code cells as one script; positions given per cell. Outputs (images) make notebooks
    big, so the size limit applies to the code, not the file."""
    text, err = read_source(path, root_for(settings, path), None if limit is None else max(limit, notebook.NOTEBOOK_BYTES))
    if err is not None:
        return FileResult(path=path, findings=[err])
    try:
        script = notebook.to_script(text)
    except ValueError as exc:
        return FileResult(path=path, findings=[engine_finding("RL001", "unreadable-file", path, str(exc))])
    if limit is not None and len(script.code) > limit:
        return FileResult(path=path, findings=[engine_finding(
            "RL001", "unreadable-file", path, f"the notebook's code is larger than the {limit}-byte limit")])
    result = lint_source(script.code, path, settings, cache)
    result.source = None  # its text is not the file's: no code frames, no fixes written into the JSON
    notebook.to_cells(result.findings, path, script)
    return result


def isolated(path: str, fn: Callable[..., FileResult], *args: object) -> FileResult:
    """fn(*args), with any exception turned into one RL001 for `path` (per-file isolation: never let
    one file end the run)."""
    try:
        return fn(*args)
    except (RecursionError, OverflowError, MemoryError) as exc:  # a limit of relulint, not a bug in the file
        what = {"RecursionError": "nested too deeply", "OverflowError": "a number too large",
                "MemoryError": "too large"}[type(exc).__name__]
        f = engine_finding("RL001", "internal-error", path,
                           f"relulint cannot lint this file: {what} for its {_current_stage} stage "
                           f"({type(exc).__name__})", evidence={"traceback": traceback.format_exc()})
        return FileResult(path=path, findings=[f])
    except Exception as exc:
        f = engine_finding("RL001", "internal-error", path,
                           f"relulint failed on this file: {exception_summary(exc)}",
                           evidence={"traceback": traceback.format_exc()})
        return FileResult(path=path, findings=[f])


def exception_summary(exc: BaseException, limit: int = 200) -> str:
    """One line for an internal error's message; the full text stays in the traceback evidence
    (a KeyError on a libcst node would otherwise print the node's whole repr)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def lint_graph_file(path: str, settings: Settings) -> FileResult:
    """Graph files (ONNX / TorchScript) go to the graph pass, imported only when needed."""
    try:
        from relulint.graph import lower_graph
    except ImportError:
        return FileResult(path=path, findings=[engine_finding(
            "RL002", "unreadable-graph", path, "graph files need the graph pass: pip install 'relulint[onnx]'")])
    try:  # the graph readers open the file by name: only a regular file inside the project
        if os.path.exists(path):
            check_path(path, root_for(settings, path))
    except UnsafeFile as exc:
        return FileResult(path=path, findings=[engine_finding("RL002", "unreadable-graph", path, str(exc))])
    try:
        facts, err = lower_graph(path, settings)
        if err is not None:
            return FileResult(path=path, findings=[err])
        stage("rules")
        irs = build_irs(facts, [])
        findings = run_rules(irs, settings, path, "graph")  # tensors are read lazily: bad data surfaces here too
        _name_the_graph(findings, path)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # a graph whose parts contradict each other (dims vs data, unknown dtypes, wrong attribute
        # types): the file is malformed, which is RL002, not an error of relulint
        return FileResult(path=path, findings=[engine_finding(
            "RL002", "unreadable-graph", path, f"malformed graph: {type(exc).__name__}: {str(exc)[:200]}",
            evidence={"traceback": traceback.format_exc()})])
    from relulint import suppress

    return FileResult(path=path, findings=_dedupe(suppress.apply(findings, {}, settings, root_for(settings, path))),
                      facts=facts)


def _name_the_graph(findings: list[Finding], path: str) -> None:
    """A graph finding placed at the source line the exporter recorded (model.py:12) names the graph
    file and node it came from: two archives exported from one model.py must not read as one."""
    here = os.path.abspath(path)
    for f in findings:
        if f.origin is not None and os.path.abspath(f.origin.path) != here:
            node = f.origin.node
            f.related.append((Origin(path, 1, 0, node=node),
                              f"graph {os.path.basename(path)}" + (f", node {node}" if node else "")))


def lint_paths(paths: list[str], settings: Settings | None = None, jobs: int | None = None,
               progress: Callable[[FileResult], None] | None = None,
               timeout: float | None = None) -> list[FileResult]:
    """Lint files (already discovered); results come back in the order of `paths`. `progress` is
    called once per file as it finishes.

    Several jobs, or a time budget per file, run the files in supervised worker processes
    (relulint.workers): a file that crashes its worker or runs out of time gets one RL001 and the
    others go on. Work is handed out dynamically in short runs of neighbouring paths (same folder,
    so a worker's neighbour cache keeps paying). One job without a budget runs in this process."""
    settings = settings or Settings()
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8) if len(paths) >= 16 else 1
    if (jobs <= 1 or len(paths) < 2) and timeout is None:
        cache = FactsCache()
        out = []
        for p in paths:
            out.append(lint_file(p, settings, cache))
            if progress is not None:
                progress(out[-1])
            out[-1].facts = None  # as from a worker process: they would keep every file's tree alive
        return out
    from relulint.workers import lint_supervised

    return lint_supervised(paths, settings, max(1, min(jobs, len(paths))), timeout, chunk_size(len(paths), jobs),
                           progress)


def chunk_size(n: int, jobs: int) -> int:
    """About eight chunks per worker (balance), at most 16 files each (a slow file delays few others)."""
    return max(1, min(16, n // (jobs * 8)))
