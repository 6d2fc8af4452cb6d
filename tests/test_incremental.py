"""relulint.incremental: the language server re-parses only the top-level statements an edit touched,
and the spliced tree is the buffer's text exactly, so positions and findings are those of a full parse."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.incremental import IncrementalParser, Parsers, chunks
from relulint.source import common
from relulint.source.names import NameIndex, fast_children

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(ROOT.glob("examples/*/*.py")) + sorted(ROOT.glob("tests/real_models/*.py"))
KEYS = ["1", " ", "x", "#", "\n", "(", ":"]


def _edits(code: str, seed: int, n: int):
    """n random single-character insertions that leave valid Python (as text between keystrokes is)."""
    rnd = random.Random(seed)
    done = 0
    for _ in range(50 * n):
        i = rnd.randrange(len(code) + 1)
        new = code[:i] + rnd.choice(KEYS) + code[i:]
        try:
            compile(new, "<edit>", "exec")
        except (SyntaxError, ValueError):
            continue
        code = new
        yield code
        done += 1
        if done == n:
            return


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    out, todo = [], [module]
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(fast_children(node))
    return out


def _same_index(joined: NameIndex, full: NameIndex) -> None:
    """The joined index answers as one walk of the module does."""
    assert list(joined.parents.items()) == list(full.parents.items())  # (the order is source order)
    assert list(joined.children.items()) == list(full.children.items())
    assert list(joined.scope_of) == list(full.scope_of)
    for name, scope in full.scope_of.items():
        other = joined.scope_of[name]
        chain, other_chain = [], []
        while scope is not None:
            chain.append(scope.kind)
            scope = scope.parent
        while other is not None:
            other_chain.append(other.kind)
            other = other.parent
        assert chain == other_chain
        assert [(b.node, b.qualified) for b in joined.scope_of[name][name.value]] == \
            [(b.node, b.qualified) for b in full.scope_of[name][name.value]]
        assert joined.qualified_name(name) == full.qualified_name(name)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_an_edited_buffer_parses_to_its_own_text_reusing_the_untouched_statements(path):
    code = path.read_text()
    parser = IncrementalParser()
    assert parser.parse(code).code == code
    reused = []
    for k, new in enumerate(_edits(code, zlib.crc32(path.name.encode()), 4)):
        module = parser.parse(new)
        assert module.code == new, (path.name, k)
        nodes = _nodes(module)
        assert len({id(n) for n in nodes}) == len(nodes)  # no node object twice in one tree
        joined = parser.names(module)
        if joined is not None:
            _same_index(joined, NameIndex(module))
        reused_positions = parser.positions(module)
        if reused_positions is not None:  # (None after a fall-back to a full parse)
            full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
            wrong = [n for n in nodes if reused_positions.get(n) != full.get(n)]
            assert not wrong, (path.name, k, type(wrong[0]).__name__, reused_positions.get(wrong[0]), full.get(wrong[0]))
        if len(chunks(new, compile(new, "<edit>", "exec", flags=1024)) or []) > 2:
            reused.append(parser.reused > 0 and parser.parsed <= 2)
    # (an edit that makes the chunks disagree on indentation falls back to a full parse)
    assert not reused or any(reused)


@pytest.mark.parametrize("path", FILES[::3], ids=lambda p: p.name)
def test_findings_after_an_incremental_parse_are_those_of_a_full_parse(path, monkeypatch):
    code = path.read_text()
    parsers = Parsers()  # as the language server's worker: reused positions and names too
    parse = parsers.for_path(str(path)).parse
    lint_source(code, str(path), Settings(), neighbours=False, parse=parse)
    for new in _edits(code, 7, 2):
        full = lint_source(new, str(path), Settings(), neighbours=False)
        with monkeypatch.context() as m:
            m.setattr(common, "known_trees", parsers)
            incremental = lint_source(new, str(path), Settings(), neighbours=False, parse=parse)

        def key(r):
            return [(f.code, f.origin.line, f.origin.col, f.origin.end_line, f.origin.end_col, f.message)
                    for f in r.findings]

        assert key(incremental) == key(full)


def test_a_repeated_statement_is_parsed_again_not_shared():
    block = "def f(x):\n    return x\n\n\n"
    code = block * 3
    parser = IncrementalParser()
    parser.parse(code)
    module = parser.parse(code + "y = 1\n")
    assert module.code == code + "y = 1\n"
    assert len({id(s) for s in module.body}) == 4


def test_chunks_with_different_indentation_fall_back_to_a_full_parse():
    code = "def f(x):\n  return x\n\n\ndef g(x):\n    return x\n"
    parser = IncrementalParser()
    module = parser.parse(code)
    assert module.code == code and parser.reused == 0 and parser.parsed == 1
    assert module.deep_equals(cst.parse_module(code))


def test_comments_decorators_and_a_file_without_a_final_newline():
    code = ("#!/usr/bin/env python\n# header\n\nimport torch\n\n\n@decorator(1)\n# between\n"
            "def f():\n    pass  # trailing\n    # inside\n\n# before g\nx = 1; y = 2\nz = [\n  1,\n]\n# end")
    parser = IncrementalParser()
    assert parser.parse(code).code == code
    edited = code.replace("x = 1", "x = 2")
    assert parser.parse(edited).code == edited and parser.reused >= 3


HOSTILE = [
    "import torch\nx = 1\n\n\ny = " + "(" * 250 + "1" + ")" * 250 + "\n",  # deeper than CPython takes
    "import torch\nx = 1\n\n\ndef f(a):\n    return " + " + ".join(["a"] * 1100) + "\n",  # a long chain
    "import torch\nx = 1\n\n\ny = " + " or ".join(["x"] * 1001) + "\nz = 2\n",
    "import torch\nx = 1\n\n\ndef f(:\n    pass\n",  # a syntax error
    "import torch\n\nx = [" + ", ".join(["1"] * 3000) + "]\n",  # long but flat: fine
    "x = (\n  1 +\n  2)\ny = " + "-" * 1200 + "x\n",
]


@pytest.mark.parametrize("code", HOSTILE + [p.read_text() for p in FILES[::4]])
def test_the_guard_per_chunk_finds_what_the_guard_on_the_whole_text_finds(code):
    from relulint.engine import syntax_error, too_complex

    parser = IncrementalParser()
    for text in [code, "import os\n\n" + code, code + "\nw = 3\n"]:
        def key(f):
            return None if f is None else (f.code, f.origin.line, f.origin.col, f.message)

        assert key(parser.guard("m.py", text)) == key(too_complex("m.py", text) or syntax_error("m.py", text))
