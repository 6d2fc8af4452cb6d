"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One `rules` entry per catalog rule (and per engine diagnostic) with its help text, columns
1-based in Unicode code points (`columnKind: unicodeCodePoints`), fixes as `replacements`.

Paths: a file inside the source root (the git work tree holding the cwd, else the cwd) is
`{"uri": "pkg/model.py", "uriBaseId": "%SRCROOT%"}` with `originalUriBaseIds` giving that root as
an absolute `file://` URI, so a viewer (GitHub code scanning) places it whatever folder relulint ran
in; a file outside the root gets its absolute `file://` URI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from relulint.finding import Finding
from relulint.ir import Origin
from relulint.positions import sarif_region
from relulint.report._common import LEVELS, path_to_uri, rule_uri, severity, source_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("relulint")
    except Exception:  # not installed (running from a checkout)
        return "0.0.0"


def rule_descriptors() -> list[dict]:
    from relulint.rules import ALL_RULES, ENGINE_CODES

    out = []
    for rule in ALL_RULES:
        doc = rule.doc() or rule.NAME
        out.append({
            "id": rule.CODE,
            "name": rule.NAME,
            "shortDescription": {"text": rule.summary()},
            "fullDescription": {"text": rule.summary()},
            "help": {"text": doc, "markdown": doc},
            **_help_uri(rule.CODE),
            "defaultConfiguration": {"level": LEVELS[severity(rule.SEVERITY)]},
            "properties": {"tags": sorted(rule.PASSES)},
        })
    for code, name in sorted(ENGINE_CODES.items()):
        text = f"relulint engine diagnostic: {name}"
        out.append({
            "id": code,
            "name": name,
            "shortDescription": {"text": text},
            "help": {"text": text},
            **_help_uri(code),
            "defaultConfiguration": {"level": "error"},
        })
    return out


def _help_uri(code: str) -> dict:
    uri = rule_uri(code)  # helpUri must be absolute: left out where the page is not on this machine
    return {"helpUri": uri} if uri else {}


class Artifacts:
    """artifactLocation objects for one run, relative to the source root where possible."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def location(self, path: str) -> dict:
        if path.startswith("<") or path == "-":
            return {"uri": path.strip("<>") or "stdin"}
        full = Path(os.path.abspath(path))
        try:
            rel = full.relative_to(self.root)
        except ValueError:
            return {"uri": path_to_uri(str(full))}
        return {"uri": rel.as_posix(), "uriBaseId": SRCROOT}

    def base_ids(self) -> dict:
        return {SRCROOT: {"uri": self.root.as_uri().rstrip("/") + "/",
                          "description": {"text": "The repository (git work tree) relulint ran in."}}}


def _location(origin: Origin, artifacts: Artifacts) -> dict:
    return {"physicalLocation": {
        "artifactLocation": artifacts.location(origin.path),
        "region": sarif_region(origin),
    }}


def _result(f: Finding, index: dict[str, int], artifacts: Artifacts) -> dict:
    out: dict = {
        "ruleId": f.code,
        "level": LEVELS[severity(f.severity)],
        "message": {"text": f.message},
        "locations": [_location(f.origin, artifacts)],
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.related:
        out["relatedLocations"] = [
            {"id": i, **_location(o, artifacts), "message": {"text": m}} for i, (o, m) in enumerate(f.related)
        ]
    if f.fix is not None and f.fix.edits:
        out["fixes"] = [{
            "description": {"text": f.fix.message},
            "artifactChanges": [{
                "artifactLocation": artifacts.location(f.path),
                "replacements": [{
                    "deletedRegion": sarif_region(Origin(f.path, e.line, e.col, e.end_line, e.end_col)),
                    "insertedContent": {"text": e.content},
                } for e in f.fix.edits],
            }],
        }]
    props: dict = {"name": f.name}
    if f.evidence:
        props["evidence"] = {k: v for k, v in f.evidence.items() if k != "traceback"}
    if f.confirmation:
        props["confirmation"] = f.confirmation
    if f.measured:
        props["measured"] = f.measured
    if f.fix is not None:
        props["applicability"] = f.fix.applicability
    out["properties"] = props
    return out


def render(results: list, settings: object = None) -> str:
    rules = rule_descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    artifacts = Artifacts(source_root())
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "relulint",
                "version": _version(),
                "rules": rules,
            }},
            "originalUriBaseIds": artifacts.base_ids(),
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index, artifacts) for r in results for f in r.findings],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
