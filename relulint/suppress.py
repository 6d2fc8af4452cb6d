"""Inline suppressions (docs/configuration.md):

- `# noqa: RL101[, RL203]`: the physical line where a finding starts;
- `# relulint: ignore[RL101]` at a line's end: that line; on its own line: the whole next statement
  (stackable), or, inside a bracketed statement such as a layer list, the next code line;
- `# relulint: file-ignore[RL201]`: the whole file.

A bare `# noqa` does not silence relulint. Unknown RL codes in a suppression become RL004 findings;
a suppression of a source-pass rule that suppresses nothing becomes RL005 (like ruff's RUF100), with
a fix that removes the unused codes. Comments are found with `tokenize`, so `# noqa` inside a string
is not a suppression. `add_noqa` writes `# noqa: RLxxx` for `--add-noqa`."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from relulint.finding import Finding, Severity
from relulint.ir import Origin

_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+\d+(?:[\s,]+[A-Za-z]+\d+)*)", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*relulint\s*:\s*(?P<kind>ignore|file-ignore)\b(?:\s*\[(?P<codes>[^\]]*)\])?")
_CODE = re.compile(r"^RL\d{3}$")
_NON_CODE = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


@dataclass
class Directive:
    """One `# noqa: ...` / `# relulint: ignore[...]` / `file-ignore[...]` and what it silenced."""

    kind: str  # "noqa", "ignore" or "file-ignore"
    text: str  # the directive as written, to find it again for the RL005 fix
    line: int
    col: int  # the comment's start and end columns on its line
    end_col: int
    codes: set[str]
    used: set[str] = field(default_factory=set)


@dataclass
class Suppressions:
    lines: dict[int, set[str]] = field(default_factory=dict)  # line -> codes
    file_codes: set[str] = field(default_factory=set)
    invalid: list[Finding] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    _by_line: dict[int, list[Directive]] = field(default_factory=dict)

    def covers(self, code: str, line: int) -> bool:
        hit = False
        for d in self.directives if code in self.file_codes else ():
            if d.kind == "file-ignore" and code in d.codes:
                d.used.add(code)
                hit = True
        for d in self._by_line.get(line, ()):
            if code in d.codes:
                d.used.add(code)
                hit = True
        return hit

    def _add(self, d: Directive, lines: list[int] | None) -> None:
        self.directives.append(d)
        if lines is None:
            self.file_codes.update(d.codes)
            return
        for ln in lines:
            self.lines.setdefault(ln, set()).update(d.codes)
            self._by_line.setdefault(ln, []).append(d)


def parse(source: str, path: str = "<stdin>", known_codes: set[str] | None = None) -> Suppressions:
    out = Suppressions()
    if _NOQA.search(source) is None and _IGNORE.search(source) is None:
        # no directive anywhere in the text, so none in its comments: skip tokenizing (a quarter of a
        # second on a 2,000-line file, paid on every keystroke in the language server)
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    statements = _statement_spans(tokens)
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        line, col = tok.start
        end_col = col + len(tok.string)
        own_line = tok.line[:col].strip() == ""
        for m in _NOQA.finditer(tok.string):
            # other tools' codes (E501, F401) share the comment: only RL codes are ours to judge
            codes = {c for c in _split(m.group("codes")) if c.upper().startswith("RL")}
            _check(codes, known_codes, path, line, col, out)
            out._add(Directive("noqa", m.group(0), line, col, end_col, codes), [line])
        for m in _IGNORE.finditer(tok.string):
            codes = _split(m.group("codes") or "")
            if not codes:
                out.invalid.append(_invalid(path, line, col, f"`relulint: {m.group('kind')}` needs codes in "
                                            f"brackets, e.g. `# relulint: {m.group('kind')}[RL101]`", ""))
                continue
            _check(codes, known_codes, path, line, col, out)
            d = Directive(m.group("kind"), m.group(0), line, col, end_col, codes)
            if m.group("kind") == "file-ignore":
                out._add(d, None)
            elif own_line and any(s < line < e for s, e in statements):
                # inside a bracketed statement (a layer list): the next code line, not the next statement
                nxt = next((t.start[0] for t in tokens if t.start[0] > line and t.type not in _NON_CODE), line + 1)
                out._add(d, [nxt])
            elif own_line:
                start, end = _next_statement(statements, line)
                out._add(d, list(range(start, end + 1)))
            else:
                out._add(d, [line])
    return out


def _split(codes: str) -> set[str]:
    return {c for c in re.split(r"[\s,]+", codes.strip()) if c}


def _check(codes: set[str], known: set[str] | None, path: str, line: int, col: int, out: Suppressions) -> None:
    for c in sorted(codes):
        if not _CODE.match(c) or (known is not None and c not in known):
            out.invalid.append(_invalid(path, line, col, f"suppression names unknown rule code {c!r}", c))


def _invalid(path: str, line: int, col: int, message: str, code: str) -> Finding:
    return Finding(code="RL004", name="invalid-suppression", severity=Severity.WARNING, message=message,
                   origin=Origin(path, line, col, line, col), evidence={"code": code} if code else {})


def _statement_spans(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int]]:
    """(first line, last line) of every logical line."""
    spans = []
    start = None
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING):
            continue
        if start is None and tok.type != tokenize.ENDMARKER:
            start = tok.start[0]
        if tok.type == tokenize.NEWLINE and start is not None:
            spans.append((start, tok.end[0]))
            start = None
    return spans


def _next_statement(spans: list[tuple[int, int]], line: int) -> tuple[int, int]:
    for s, e in spans:
        if s > line:
            return s, e
    return line + 1, line + 1


def apply(findings: list[Finding], sources: dict[str, str], settings=None, root: str | None = None) -> list[Finding]:
    """Drop suppressed findings; add RL004 for suppressions naming unknown codes and, when the
    settings are given, RL005 for suppressions of source-pass rules that silenced nothing. A finding
    placed in another file (a graph node's source line) reads that file's suppressions only when it
    is a regular file inside the project `root` (default: the project of that file)."""
    from relulint.config import known_codes
    from relulint.project import root_for
    from relulint.safe_read import MAX_SOURCE_BYTES, UnsafeFile

    codes = known_codes()
    parsed: dict[str, Suppressions] = {}
    out: list[Finding] = []
    for path, src in sources.items():
        parsed[path] = parse(src, path, codes)
        if settings is None or settings.is_enabled("RL004", path):
            out.extend(parsed[path].invalid)
    for f in findings:
        sup = parsed.get(f.origin.path)
        if sup is None and f.origin.path not in sources:
            try:
                from relulint.notebook import read_code

                text = read_code(f.origin.path, root or root_for(settings, f.origin.path), MAX_SOURCE_BYTES)
                sup = parsed[f.origin.path] = parse(text, f.origin.path, codes)
            except (UnsafeFile, ValueError):
                sup = None
        if sup is not None and sup.covers(f.code, f.origin.line):
            continue
        out.append(f)
    if settings is not None:
        for path in sources:
            if settings.is_enabled("RL005", path):  # a noqa naming RL005 keeps a suppression on purpose
                sup = parsed[path]
                out.extend(f for f in unused(sup, path, settings) if not sup.covers("RL005", f.origin.line))
    return out


def _judged_codes(settings, path: str) -> set[str]:
    """Codes whose silence means something here: source-pass rules that ran on this file. The dynamic
    (RL4xx) and graph-only codes, and rules switched off, cannot fire in this pass."""
    from relulint.rules import ALL_RULES

    return {r.CODE for r in ALL_RULES if "source" in r.PASSES and settings.is_enabled(r.CODE, path)}


def unused(sup: Suppressions, path: str, settings) -> list[Finding]:
    """RL005 for each directive with codes that suppressed no finding in this run."""
    judged = _judged_codes(settings, path)
    out = []
    for d in sup.directives:
        idle = sorted((d.codes & judged) - d.used)
        if not idle:
            continue
        where = "in this file" if d.kind == "file-ignore" else (
            "on this line" if d.kind == "noqa" else "where it applies")
        names = " or ".join(idle)
        out.append(Finding(
            code="RL005", name="unused-suppression", severity=Severity.WARNING,
            message=f"unused suppression: no {names} finding {where} (`{d.text.strip()}`)",
            origin=Origin(path, d.line, d.col, d.line, d.end_col),
            evidence={"codes": idle, "directive": d.text, "kind": d.kind},
            help="remove the unused code from the comment (the finding it silenced is gone, or never fired here)"))
    return out


def unused_edit(source: str, finding: Finding) -> tuple[int, int, int, int, str] | None:
    """The edit removing an RL005 finding's unused codes: (line, col, end_line, end_col, new text), or
    None when the comment holds more than the directive and every code in it goes (left to the user)."""
    o = finding.origin
    lines = source.splitlines(keepends=True)
    if not 1 <= o.line <= len(lines) or o.end_col is None:
        return None
    text = lines[o.line - 1]
    comment = text[o.col:o.end_col]
    directive, idle = finding.evidence.get("directive"), set(finding.evidence.get("codes", ()))
    pattern = _NOQA if finding.evidence.get("kind") == "noqa" else _IGNORE
    m = next((m for m in pattern.finditer(comment) if m.group(0) == directive), None)
    if m is None or m.group("codes") is None:
        return None
    codes = [c for c in re.split(r"[\s,]+", m.group("codes").strip()) if c]
    keep = [c for c in codes if c not in idle]
    if keep:  # rewrite the list, keeping every other code (another tool's E501 too)
        a, b = o.col + m.start("codes"), o.col + m.end("codes")
        return o.line, a, o.line, b, ", ".join(keep)
    if comment.strip() != m.group(0).strip():
        return None
    code_part = text[:o.col]
    if not code_part.strip():  # a comment on its own line: the whole line goes
        return o.line, 0, o.line + 1, 0, ""
    return o.line, len(code_part.rstrip()), o.line, o.end_col, ""


# ------------------------------------------------------------------------------------ --add-noqa

_ENGINE_PREFIX = "RL00"


def add_noqa(source: str, findings: list[Finding]) -> tuple[str, int]:
    """`source` with `# noqa: CODES` on each line where a finding starts (extending a `# noqa:` list that
    is there); returns (new source, directives added or extended). Lines whose end is inside a string
    or continued with a backslash are left alone: a comment there would change the code."""
    wanted: dict[int, set[str]] = {}
    for f in findings:
        if not f.code.startswith(_ENGINE_PREFIX):
            wanted.setdefault(f.origin.line, set()).add(f.code)
    if not wanted:
        return source, 0
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source, 0
    unsafe: set[int] = set()
    comments: dict[int, tokenize.TokenInfo] = {}
    for tok in tokens:
        if tok.start[0] < tok.end[0]:  # a multi-line string: its inner lines end inside it
            unsafe.update(range(tok.start[0], tok.end[0]))
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok
    lines = source.splitlines(keepends=True)
    added = 0
    for line, codes in sorted(wanted.items()):
        if not 1 <= line <= len(lines) or line in unsafe:
            continue
        text = lines[line - 1]
        body = text.rstrip("\r\n")
        ending = text[len(body):]
        if body.rstrip().endswith("\\") and line not in comments:
            continue
        tok = comments.get(line)
        m = _NOQA.search(tok.string) if tok is not None else None
        if m is not None:
            have = {c.upper() for c in _split(m.group("codes"))}
            new = sorted(c for c in codes if c not in have)
            if not new:
                continue
            at = tok.start[1] + m.end("codes")
            lines[line - 1] = body[:at] + ", " + ", ".join(new) + body[at:] + ending
        else:
            lines[line - 1] = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes)) + ending
        added += 1
    return "".join(lines), added
