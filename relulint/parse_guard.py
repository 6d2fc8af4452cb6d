"""Keeping libcst's native parser safe: limits checked on the token stream, and a deep stack.

libcst parses in Rust, recursively: about 8,000 terms in one boolean expression overflow the native
stack of the main thread and the process dies with SIGSEGV (no exception to catch), and long chains
of binary or unary operators take time quadratic in their length. `tokenize` is pure Python and
linear, so the limits are checked on tokens before libcst sees a file (the linted file and its
neighbours alike); beyond them the file gets one RL000. `call_with_stack` runs the parse itself on a
thread with a large stack, so legitimate deep code (nested calls, long conditions) has room.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import threading
import tokenize
from collections.abc import Callable
from typing import TypeVar

MAX_NESTING = 200  # brackets open at once: CPython's own limit (its tokenizer refuses deeper)
MAX_CHAIN = 1000  # operators chained into one operand; hand-written code stays far below
STACK_BYTES = 256 * 1024 * 1024  # virtual: only the pages a deep parse touches are committed
RECURSION_LIMIT = 20_000  # Python frames on that stack: ~13 KB each at most

_OPERATORS = frozenset("+ - * / // % ** @ << >> & | ^ ~ < > <= >= == != . :=".split())
_WORD_OPERATORS = frozenset(("and", "or", "not", "if", "else", "in", "is", "lambda", "await"))
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_SEPARATORS = frozenset((",", ";", "=", ":"))
_LAYOUT = frozenset((tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE))

T = TypeVar("T")


def complexity_error(code: str, tree: ast.Module | None = None) -> tuple[int, int, str] | None:
    """(line, col, message) when the source nests brackets deeper, or chains more operators into one
    operand, than the limits; None when within them or when it does not tokenize (the syntax check
    reports that). A chain is what lies between commas at one bracket level: `a or b or ...` and
    `-(-(-x))` are deep trees for the parser, a 10,000-element list or layer list is not.

    `tree`: Python's own syntax tree of the code, when it parsed. CPython refuses brackets nested past
    200 itself, and a chain never crosses a statement, so when no statement holds more operator
    characters than MAX_CHAIN the (slow, pure-Python) token walk is skipped."""
    if tree is not None and _statements_within_bound(code, tree):
        return None
    chains = [0]  # operators in the current chain, per open bracket
    start: list[tuple[int, int] | None] = [None]  # where each of those chains began
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text = tok.type, tok.string
            if start[-1] is None and kind not in _LAYOUT:
                start[-1] = tok.start
            if kind == tokenize.OP:
                if text in _OPEN:
                    if len(chains) > MAX_NESTING:
                        return (*tok.start, f"brackets nested more than {MAX_NESTING} deep: too deep to lint safely")
                    chains.append(0)
                    start.append(None)
                elif text in _CLOSE:
                    if len(chains) > 1:
                        chains.pop()
                        start.pop()
                elif text in _SEPARATORS:
                    chains[-1], start[-1] = 0, None
                elif text in _OPERATORS:
                    chains[-1] += 1
            elif kind == tokenize.NAME and text in _WORD_OPERATORS:
                chains[-1] += 1
            elif kind == tokenize.NEWLINE:
                chains, start = [0], [None]
                continue
            if chains[-1] > MAX_CHAIN:
                line, col = start[-1] or tok.start
                return line, col, (f"more than {MAX_CHAIN} operators chained in one expression: "
                                   "too long to lint safely")
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None


_OPERATOR_CHARS = re.compile(r"[-+*/%@<>&|^~.=!]|\b(?:and|or|not|if|else|in|is|lambda|await)\b")
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _statements_within_bound(code: str, tree: ast.Module) -> bool:
    """True when every statement (or compound-statement header) spans at most MAX_CHAIN operator
    characters: an over-count of the operator tokens any one chain in it can have."""
    lines = _LINE_BREAK.split(code)
    prefix = [0]
    for text in lines:
        prefix.append(prefix[-1] + (len(_OPERATOR_CHARS.findall(text)) if text else 0))
    if prefix[-1] <= MAX_CHAIN:
        return True
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        first = getattr(node, "lineno", None)
        if first is None:  # a match case: no position of its own; let the token walk judge
            return False
        first = min([first, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        inner = [c for field in ("body", "orelse", "handlers", "finalbody", "cases")
                 for c in getattr(node, field, ()) or () if isinstance(c, ast.AST)]
        if inner:
            header_end = min(getattr(c, "lineno", first) for c in inner)
            last = max(first, header_end)  # the header's lines (and the first inner line: over-count)
            stack.extend(inner)
        else:
            last = node.end_lineno or first
        if prefix[min(last, len(lines))] - prefix[first - 1] > MAX_CHAIN:
            return False
    return True


def call_with_stack(fn: Callable[..., T], *args: object) -> T:
    """fn(*args) on a fresh thread with a STACK_BYTES stack and a recursion limit to match (libcst's
    metadata and codegen visitors recurse in Python once per tree level); exceptions re-raised here.
    Calls are serialised: the stack size and the recursion limit are process-wide settings."""
    out: list = []

    def run() -> None:
        try:
            out.append((True, fn(*args)))
        except BaseException as exc:  # handed back to the caller's thread as is
            out.append((False, exc))

    if threading.current_thread().name == _THREAD:  # already on a deep stack
        return fn(*args)
    with _STACK_LOCK:
        old_stack, old_limit = threading.stack_size(), sys.getrecursionlimit()
        try:
            threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):  # a platform without settable stacks: run here
            return fn(*args)
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        try:
            worker = threading.Thread(target=run, name=_THREAD, daemon=True)
            worker.start()
            threading.stack_size(old_stack)
            worker.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    ok, value = out[0]
    if ok:
        return value
    raise value


_STACK_LOCK = threading.Lock()
_THREAD = "relulint-deep-stack"
