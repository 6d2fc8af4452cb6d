"""Jupyter notebooks (`.ipynb`): their code cells, in order, linted as one script (the kernel runs them
top to bottom), with every position mapped back to its cell (ruff's convention: `nb.ipynb:cell 3:2:5`,
cells counted among code cells from 1).

IPython syntax is not Python: a line magic (`%matplotlib inline`), a shell escape (`!pip install`), a
help query (`model?`) becomes `pass` at its indentation, and a cell magic (`%%time`) keeps the cell
when it runs Python (time, timeit, capture, prun) and blanks it otherwise (`%%bash`). Line numbers
never move: each cell's lines stay lines of the script. Fixes are not offered in notebooks (they
would have to be written back into the JSON).
"""

from __future__ import annotations

import dataclasses
import json
import re

from relulint.ir import Origin

SUFFIX = ".ipynb"
NOTEBOOK_BYTES = 64_000_000  # a notebook file with its outputs (images); its code is held to the usual limits
_CAPTURE = re.compile(r"([A-Za-z_]\w*)\s*=\s*[!%]")
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "autoreload"})


def is_notebook(path: str) -> bool:
    return path.endswith(SUFFIX)


@dataclasses.dataclass
class Script:
    """A notebook's code as one script, and where each of its lines came from."""

    code: str
    cells: list[tuple[int, int]]  # per script line (0-based): (code cell number from 1, line in it from 1)

    def place(self, line: int) -> tuple[int, int] | None:
        if 1 <= line <= len(self.cells):
            return self.cells[line - 1]
        return None


def to_script(text: str) -> Script:
    """The code cells of notebook JSON `text` as a script. Raises ValueError when it is no notebook."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a notebook: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        if isinstance(nb, dict) and isinstance(nb.get("worksheets"), list):  # nbformat 3
            cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
        else:
            raise ValueError("not a notebook: no list of cells")
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            source = ""
        for k, line in enumerate(_python_lines(source.splitlines()), start=1):
            lines.append(line)
            where.append((number, k))
    return Script(code="".join(line + "\n" for line in lines), cells=where)


def _python_lines(lines: list[str]) -> list[str]:
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)[0] if lines[0].lstrip()[2:].strip() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return [""] * len(lines)
        lines = [""] + lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")) or stripped.endswith("?") and not stripped.startswith("#") \
                and stripped.rstrip("?").replace(".", "").replace("_", "").isalnum():
            out.append(indent + "pass")
        elif (m := _CAPTURE.match(stripped)) is not None:  # files = !ls, t = %timeit -o f()
            out.append(f"{indent}{m.group(1)} = None")
        else:
            out.append(line)
    return out


def read_script(path: str, root: str | None) -> Script:
    """The notebook at `path` (inside `root`, outputs and all up to NOTEBOOK_BYTES) as a script.
    Raises UnsafeFile, or ValueError when it is no notebook."""
    from relulint.safe_read import decode_source, read_file

    return to_script(decode_source(read_file(path, root, NOTEBOOK_BYTES)))


def read_code(path: str, root: str | None, limit: int) -> str:
    """The Python text of a file read as context (a neighbour, a suppression comment): a notebook's
    code cells, any other file as it is; at most `limit` bytes of code either way. Raises UnsafeFile,
    or ValueError for a broken notebook or a notebook whose code is over the limit."""
    from relulint.safe_read import decode_source, read_file

    if not is_notebook(path):
        return decode_source(read_file(path, root, limit))
    code = read_script(path, root).code
    if len(code.encode()) > limit:
        raise ValueError(f"the notebook's code is larger than {limit} bytes")
    return code


def place_other_notebooks(findings: list, linted: str, root: str | None) -> list:
    """Positions of this lint that lie in another notebook (a training notebook read as the driver of
    the linted model.py) given by cell, as the notebook's own lint gives them."""
    from relulint.safe_read import UnsafeFile

    scripts: dict[str, Script | None] = {}
    for f in findings:
        for o in [f.origin, *(o for o, _ in f.related)]:
            if o is None or o.path == linted or not is_notebook(o.path) or o.path in scripts:
                continue
            try:
                scripts[o.path] = read_script(o.path, root)
            except (UnsafeFile, ValueError):
                scripts[o.path] = None
    for nb_path, script in scripts.items():
        if script is not None:
            to_cells(findings, nb_path, script)
    return findings


def to_cells(findings: list, path: str, script: Script) -> list:
    """The findings with each position in the notebook given as (cell, line in the cell)."""
    for f in findings:
        f.origin = _in_cell(f.origin, path, script)
        f.related = [(_in_cell(o, path, script), m) for o, m in f.related]
    return findings


def _in_cell(origin, path: str, script: Script):
    if origin is None or origin.path != path:
        return origin
    start = script.place(origin.line)
    if start is None:
        return Origin(path, origin.line, origin.col, origin.end_line, origin.end_col, origin.node, cell=None)
    end = script.place(origin.end_line) if origin.end_line else None
    same_cell = end is not None and end[0] == start[0]
    return Origin(path, start[1], origin.col, end[1] if same_cell else start[1],
                  origin.end_col if same_cell else None, origin.node, cell=start[0])
