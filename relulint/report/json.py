"""`--output-format json`: a JSON array with ruff's key names, 1-based rows and columns, end exclusive.

Paths are absolute (as ruff's), so that tools reading the output need not know the cwd.
"""

from __future__ import annotations

import json
import os

from relulint.finding import Finding
from relulint.report import all_findings


def _abs(path: str) -> str:
    return path if path == "-" else os.path.abspath(path)  # '-' is stdin without --stdin-filename


def _loc(line: int, col: int) -> dict:
    return {"row": line, "column": col + 1}


def _jsonable(value: object) -> object:
    """Evidence is free-form: keep JSON types, stringify the rest (numpy scalars, tuples stay lists)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if hasattr(value, "item"):  # numpy scalar
        try:
            return _jsonable(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def finding_dict(f: Finding) -> dict:
    o = f.origin
    end_line = o.end_line if o.end_line is not None else o.line
    end_col = o.end_col if o.end_col is not None else o.col
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": f.fix.applicability,
            "message": f.fix.message,
            "edits": [{"content": e.content, "location": _loc(e.line, e.col),
                       "end_location": _loc(e.end_line, e.end_col)} for e in f.fix.edits],
        }
    from relulint.rules import BY_CODE

    rule = BY_CODE.get(f.code)
    evidence = {k: v for k, v in f.evidence.items() if k != "traceback"}  # tracebacks only under -v
    out = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "filename": _abs(o.path),
        "location": _loc(o.line, o.col),
        "end_location": _loc(end_line, end_col),
        "fix": fix,
        "help": f.help,
        "url": rule.url() if rule is not None else None,
        "evidence": _jsonable(evidence),
        "related": [{"filename": _abs(r.path), "location": _loc(r.line, r.col), "message": m,
                     **({"cell": r.cell} if r.cell is not None else {})} for r, m in f.related],
        "confirmation": f.confirmation,
        "measured": _jsonable(f.measured) if f.measured is not None else None,
    }
    if o.cell is not None:  # a notebook: rows count in that code cell (ruff's "cell", from 1)
        out["cell"] = o.cell
    return out


def render(results: list, settings=None) -> str:
    return json.dumps([finding_dict(f) for f in all_findings(results)], indent=2, ensure_ascii=False) + "\n"


def rule_info(rule: type) -> dict:
    """`relulint rule RL201 --output-format json` (ruff's keys, plus passes and options)."""
    return {
        "code": rule.CODE,
        "name": rule.NAME,
        "severity": rule.SEVERITY.value,
        "summary": rule.summary(),
        "fix_availability": rule.fix_availability(),
        "passes": sorted(rule.PASSES),
        "explanation": rule.doc(),
        "options": _jsonable(dict(rule.OPTIONS)),
        "url": rule.url(),
    }
