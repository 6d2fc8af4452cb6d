"""LazyPositions must give exactly libcst's PositionProvider ranges, node for node."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from relulint.source.lazy_positions import LazyPositions
from relulint.source.names import fast_children

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    # decorators, async, comments and blank lines between statements
    "import torch\n\n# c\n@dec(1)\n@other\nclass A(B):  # x\n    '''doc'''\n\n    @property\n"
    "    async def f(self, x: int = 1) -> int:\n        async with a as b:\n            return await x\n"
    "    # trailing\n\n\n",
    # elif / else chains, try/except/else/finally, loops with else
    "if a:\n    x = 1\nelif b:\n    x = 2\nelif c: x = 3\nelse:\n    x = 4\n"
    "try:\n    y = f()\nexcept (E, F) as e:\n    y = 0\nexcept G:\n    pass\nelse:\n    z = 1\nfinally:\n    w = 2\n"
    "for i in range(3):\n    continue\nelse:\n    k = 1\nwhile n:\n    n -= 1\nelse:\n    pass\n",
    # semicolons, line continuations, one-line suites, tabs
    "a = 1; b = 2;\nc = (1 +\n     2)\nd = 3 \\\n    + 4\nif a: b = 5; c = 6\ndef g():\n\treturn [\n\t\t1,\n\t]\n",
    # non-ASCII text before nodes on the same line (columns are code points, ast's are bytes)
    "s = 'héllo'; t = nn.Linear(8, 1)\nclass Ü:\n    def f(self): return 'ü' + x\n",
    # match statements and nested functions/classes
    "match cmd:\n    case [a, b]:\n        x = a\n    case _:\n        pass\n"
    "def outer():\n    class Inner:\n        def m(self):\n            def deep():\n                return 1\n            return deep\n"
    "    return Inner\n",
    # CRLF line endings
    "import torch\r\nclass N(torch.nn.Module):\r\n    def forward(self, x):\r\n        return x\r\n",
]


def _code_nodes(module: cst.Module) -> list[cst.CSTNode]:
    out, stack = [], [module]
    while stack:
        n = stack.pop()
        for c in fast_children(n):
            out.append(c)
            stack.append(c)
    return out


def _check(code: str, sample: int | None = None) -> None:
    module = cst.parse_module(code)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lazy = LazyPositions(module, code)
    nodes = _code_nodes(module)
    if sample is not None and len(nodes) > sample:
        nodes = random.Random(0).sample(nodes, sample)
    for node in nodes:
        assert lazy[node] == reference[node], (type(node).__name__, module.code_for_node(node)[:60])
    assert lazy._full is None  # no fallback to the whole-module provider was needed


@pytest.mark.parametrize("code", TRICKY, ids=range(len(TRICKY)))
def test_tricky_code_matches_position_provider(code: str) -> None:
    _check(code)


def test_repository_python_files_match_position_provider() -> None:
    files = sorted(ROOT.glob("examples/**/*.py")) + sorted(ROOT.glob("relulint/source/*.py"))
    assert len(files) > 20
    for path in files:
        _check(path.read_text(encoding="utf-8"), sample=300)


def test_one_node_generates_only_its_statement() -> None:
    body = "".join(f"x{i} = nn.Linear({i + 1}, 1)\n" for i in range(500))
    code = "import torch.nn as nn\n" + body
    module = cst.parse_module(code)
    lazy = LazyPositions(module, code)
    target = module.body[250].body[0].value  # the call on line 251
    pos = lazy[target]
    assert (pos.start.line, pos.start.column) == (251, 7)  # "x249 = " precedes it
    assert len(lazy._pos) < 40  # one statement's nodes, not the file's


def test_node_of_another_tree_is_not_found() -> None:
    code = "x = 1\n"
    lazy = LazyPositions(cst.parse_module(code), code)
    other = cst.parse_module(code).body[0]
    assert lazy.get(other) is None
    with pytest.raises(KeyError):
        lazy[other]


def test_nodes_on_line_positions_only_that_statement() -> None:
    code = ("import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.fc = nn.Linear(\n            8, 1)\n" + "x = 1\n" * 300)
    module = cst.parse_module(code)
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lazy = LazyPositions(module, code)
    for line in (2, 3, 5, 6, 100):
        nodes = lazy.nodes_on_line(line)
        assert nodes and all(lazy[n] == reference[n] for n in nodes)
        assert any(reference[n].start.line <= line <= reference[n].end.line for n in nodes)
    calls = [n for n in lazy.nodes_on_line(6) if isinstance(n, cst.Call)]
    assert [module.code_for_node(c).split("(")[0] for c in calls] == ["nn.Linear"]
    assert len(lazy._pos) < 200  # the whole file has over 2,000
