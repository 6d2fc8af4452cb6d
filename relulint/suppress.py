"""Inline suppressions (docs/configuration.md):

- `# noqa: RL101[, RL203]`: the physical line where a finding starts;
- `# relulint: ignore[RL101]` at a line's end: that line; on its own line: the whole next statement
  (stackable), or, inside a bracketed statement such as a layer list, the next code line;
- `# relulint: file-ignore[RL201]`: the whole file.

A bare `# noqa` does not silence relulint. Unknown RL codes in a suppression become RL004 findings.
Comments are found with `tokenize`, so `# noqa` inside a string is not a suppression."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from relulint.finding import Finding, Severity
from relulint.model import Origin

_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Za-z]+\d+(?:[\s,]+[A-Za-z]+\d+)*)", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*relulint\s*:\s*(?P<kind>ignore|file-ignore)\b(?:\s*\[(?P<codes>[^\]]*)\])?")
_CODE = re.compile(r"^RL\d{3}$")
_NON_CODE = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


@dataclass
class Suppressions:
    lines: dict[int, set[str]] = field(default_factory=dict)  # line -> codes
    file_codes: set[str] = field(default_factory=set)
    invalid: list[Finding] = field(default_factory=list)

    def covers(self, code: str, line: int) -> bool:
        return code in self.file_codes or code in self.lines.get(line, set())


def parse(source: str, path: str = "<stdin>", known_codes: set[str] | None = None) -> Suppressions:
    out = Suppressions()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    statements = _statement_spans(tokens)
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        line, col = tok.start
        own_line = tok.line[:col].strip() == ""
        for m in _NOQA.finditer(tok.string):
            # other tools' codes (E501, F401) share the comment: only RL codes are ours to judge
            codes = {c for c in _split(m.group("codes")) if c.upper().startswith("RL")}
            _check(codes, known_codes, path, line, col, out)
            out.lines.setdefault(line, set()).update(codes)
        for m in _IGNORE.finditer(tok.string):
            codes = _split(m.group("codes") or "")
            if not codes:
                out.invalid.append(_invalid(path, line, col, f"`relulint: {m.group('kind')}` needs codes in "
                                            f"brackets, e.g. `# relulint: {m.group('kind')}[RL101]`", ""))
                continue
            _check(codes, known_codes, path, line, col, out)
            if m.group("kind") == "file-ignore":
                out.file_codes.update(codes)
            elif own_line and any(s < line < e for s, e in statements):
                # inside a bracketed statement (a layer list): the next code line, not the next statement
                nxt = next((t.start[0] for t in tokens if t.start[0] > line and t.type not in _NON_CODE), line + 1)
                out.lines.setdefault(nxt, set()).update(codes)
            elif own_line:
                start, end = _next_statement(statements, line)
                for ln in range(start, end + 1):
                    out.lines.setdefault(ln, set()).update(codes)
            else:
                out.lines.setdefault(line, set()).update(codes)
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


def apply(findings: list[Finding], sources: dict[str, str], settings=None) -> list[Finding]:
    """Drop suppressed findings; add RL004 for suppressions naming unknown codes."""
    from relulint.config import known_codes

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
                with open(f.origin.path, encoding="utf-8") as fh:
                    sup = parsed[f.origin.path] = parse(fh.read(), f.origin.path, codes)
            except (OSError, UnicodeDecodeError, ValueError):
                sup = None
        if sup is not None and sup.covers(f.code, f.origin.line):
            continue
        out.append(f)
    return out
