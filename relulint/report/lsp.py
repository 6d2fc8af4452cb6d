"""`--format lsp`: `{uri: [Diagnostic, ...]}` with LSP Diagnostic objects (0-based, UTF-16 columns).

The language server builds its diagnostics with the same `diagnostic()` so the CLI format and the
editor agree exactly.
"""

from __future__ import annotations

import json

from relulint.finding import Finding
from relulint.positions import lsp_range
from relulint.report._common import LSP_SEVERITY, FileLines, path_to_uri, rule_uri, severity


def fix_data(finding: Finding, lines: list[str] | None) -> dict | None:
    """The finding's fix as LSP TextEdits (what `data` carries and the quick fix applies)."""
    fix = finding.fix
    if fix is None:
        return None
    from relulint.ir import Origin

    edits = []
    for e in fix.edits:
        rng = lsp_range(Origin(finding.path, e.line, e.col, e.end_line, e.end_col), lines)
        edits.append({"range": rng, "newText": e.content})
    return {"title": fix.message, "applicability": fix.applicability, "edits": edits}


def diagnostic(finding: Finding, lines: list[str] | None, file_lines: FileLines | None = None) -> dict:
    out: dict = {
        "range": lsp_range(finding.origin, lines),
        "severity": LSP_SEVERITY[severity(finding.severity)],
        "code": finding.code,
        "source": "relulint",
        "message": finding.message,
    }
    page = rule_uri(finding.code)  # the protocol wants an absolute URI: none where the page is absent
    if page:
        out["codeDescription"] = {"href": page}
    related = []
    for origin, message in finding.related:
        other = lines if origin.path == finding.path else (file_lines.get(origin.path) if file_lines else None)
        related.append({"location": {"uri": path_to_uri(origin.path), "range": lsp_range(origin, other)},
                        "message": message})
    if related:
        out["relatedInformation"] = related
    data = fix_data(finding, lines)
    if data is not None:
        out["data"] = data
    return out


def render(results: list, settings: object = None) -> str:
    file_lines = FileLines(results)
    out: dict[str, list[dict]] = {}
    for r in results:
        diags = [diagnostic(f, file_lines.get(f.path), file_lines) for f in r.findings]
        if diags:
            out.setdefault(path_to_uri(r.path), []).extend(diags)
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
