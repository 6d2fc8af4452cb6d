"""Position conversions, done once per output convention.

Internally (Finding.origin, Edit) a position is a 1-based line and a 0-based column counted in
Unicode code points, with an exclusive end (libcst `CodeRange`). The outside world wants:

- LSP: 0-based line, 0-based column in UTF-16 code units (the protocol's default encoding);
- SARIF (`columnKind: unicodeCodePoints`) and GitHub annotations: 1-based line and column;
- text offsets for applying edits: an index into the Python `str`.

A column beyond the end of its line is clamped to the line's length so a stale position (a buffer
edited since it was linted) never produces an out-of-range offset.
"""

from __future__ import annotations

from dataclasses import dataclass

from relulint.ir import Origin


@dataclass(frozen=True)
class Span:
    """1-based lines, 0-based code-point columns, exclusive end: the internal convention."""

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, origin: Origin) -> Span:
        line = max(origin.line, 1)
        end_line = origin.end_line if origin.end_line is not None else line
        end_col = origin.end_col if origin.end_col is not None else origin.col
        if (end_line, end_col) < (line, origin.col):
            end_line, end_col = line, origin.col
        return cls(line, max(origin.col, 0), end_line, max(end_col, 0))

    @property
    def multiline(self) -> bool:
        return self.end_line != self.line


def split_lines(source: str) -> list[str]:
    """Lines without their terminators, split the way Python and LSP count lines (\\r\\n, \\r, \\n)."""
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# ------------------------------------------------------------------------------ UTF-16 (LSP)


def utf16_len(text: str) -> int:
    """UTF-16 code units of text: a non-BMP character (an emoji) counts 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cp_to_utf16(line_text: str, col: int) -> int:
    col = min(max(col, 0), len(line_text))
    return utf16_len(line_text[:col])


def utf16_to_cp(line_text: str, units: int) -> int:
    """The code-point column at a UTF-16 offset; an offset inside a surrogate pair rounds up."""
    count = 0
    for i, ch in enumerate(line_text):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def lsp_position(lines: list[str] | None, line: int, col: int) -> dict:
    """1-based line, code-point column -> LSP Position (0-based line, UTF-16 character)."""
    line0 = max(line - 1, 0)
    if lines is not None and line0 < len(lines):
        return {"line": line0, "character": cp_to_utf16(lines[line0], col)}
    return {"line": line0, "character": max(col, 0)}  # no text: assume BMP


def lsp_range(origin: Origin, lines: list[str] | None) -> dict:
    s = Span.of(origin)
    return {"start": lsp_position(lines, s.line, s.col), "end": lsp_position(lines, s.end_line, s.end_col)}


def from_lsp_position(lines: list[str], position: dict) -> tuple[int, int]:
    """LSP Position -> (1-based line, code-point column)."""
    line0 = int(position.get("line", 0))
    units = int(position.get("character", 0))
    if 0 <= line0 < len(lines):
        return line0 + 1, utf16_to_cp(lines[line0], units)
    return line0 + 1, units


# ------------------------------------------------------------------------------ 1-based (SARIF, GitHub)


def sarif_region(origin: Origin) -> dict:
    """SARIF region with 1-based columns; endColumn is the column just after the span."""
    s = Span.of(origin)
    return {"startLine": s.line, "startColumn": s.col + 1, "endLine": s.end_line, "endColumn": s.end_col + 1}


def one_based(origin: Origin) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column), all 1-based, end column exclusive."""
    s = Span.of(origin)
    return s.line, s.col + 1, s.end_line, s.end_col + 1


# ------------------------------------------------------------------------------ text offsets (edits)


def line_starts(source: str) -> list[int]:
    """Offset of the first character of every physical line (keeps \\r\\n intact in the text)."""
    starts = [0]
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\r" and i + 1 < n and source[i + 1] == "\n":
            i += 2
            starts.append(i)
            continue
        if ch in "\r\n":
            starts.append(i + 1)
        i += 1
    return starts


def to_offset(starts: list[int], source: str, line: int, col: int) -> int:
    """(1-based line, code-point column) -> index into source, clamped to the line."""
    if line < 1:
        return 0
    if line > len(starts):
        return len(source)
    begin = starts[line - 1]
    stop = starts[line] if line < len(starts) else len(source)
    text = source[begin:stop].rstrip("\r\n")
    return begin + min(max(col, 0), len(text))


def from_offset(starts: list[int], offset: int) -> tuple[int, int]:
    """Index into source -> (1-based line, code-point column)."""
    import bisect

    idx = bisect.bisect_right(starts, offset) - 1
    return idx + 1, offset - starts[idx]
