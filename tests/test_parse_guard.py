"""The syntax-tree shortcut of the complexity guard must never pass what the token walk refuses."""

from __future__ import annotations

import ast

import pytest

from relulint.parse_guard import MAX_CHAIN, complexity_error

LONG = " or ".join(f"x{i}" for i in range(MAX_CHAIN + 5))
CASES = {
    "long boolean statement": f"y = {LONG}\n",
    "long chain in a decorator": f"@dec({LONG})\ndef f():\n    return 1\n",
    "long chain in an if header": f"if {LONG}:\n    pass\n",
    "long chain in an except clause": f"try:\n    pass\nexcept ({' | '.join(['E'] * (MAX_CHAIN + 5))}):\n    pass\n",
    "long chain in a match guard": f"match v:\n    case 1 if {LONG}:\n        pass\n",
    "long chain inside a call spanning lines": "f(a,\n  " + " +\n  ".join(["b"] * (MAX_CHAIN + 5)) + ")\n",
    "many short statements": "".join(f"x{i} = a + b - c * d\n" for i in range(2000)),
    "long list of layers": "m = [" + ", ".join(["nn.ReLU()"] * 5000) + "]\n",
    "attribute chain": "y = x" + ".a" * (MAX_CHAIN + 5) + "\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shortcut_agrees_with_the_token_walk(name: str) -> None:
    code = CASES[name]
    tree = ast.parse(code)
    refused = complexity_error(code) is not None
    assert refused == (name not in ("many short statements", "long list of layers"))
    assert (complexity_error(code, tree) is not None) == refused
