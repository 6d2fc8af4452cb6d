"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=model.py,line=3,col=5,endLine=3,endColumn=14,title=RL101::message`. Escaping follows
the workflow-command spec (actions/toolkit `command.ts`): the message escapes `%`, CR and LF; property
values additionally escape `:` and `,`. Columns are 1-based; col/endColumn are omitted when the
finding spans lines (GitHub only honours them on single-line annotations).
"""

from __future__ import annotations

from relulint.finding import Finding
from relulint.positions import Span, one_based
from relulint.report._common import GITHUB_COMMAND, display_path, severity


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    line, col, end_line, end_col = one_based(f.origin)
    props = [("file", display_path(f.path)), ("line", str(line))]
    if not Span.of(f.origin).multiline:
        props.append(("col", str(col)))
    props.append(("endLine", str(end_line)))
    if not Span.of(f.origin).multiline:
        props.append(("endColumn", str(end_col)))
    props.append(("title", f.code))
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{GITHUB_COMMAND[severity(f.severity)]} {head}::{escape_data(f'{f.code} {f.message}')}"


def render(results: list, settings: object = None) -> str:
    lines = [annotation(f) for r in results for f in r.findings]
    return "".join(line + "\n" for line in lines)
