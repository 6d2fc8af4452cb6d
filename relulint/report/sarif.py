"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One `rules` entry per catalog rule (and per engine diagnostic) with its help text and URI, columns
1-based in Unicode code points (`columnKind: unicodeCodePoints`), fixes as `replacements`.
"""

from __future__ import annotations

import json

from relulint.finding import Finding
from relulint.model import Origin
from relulint.positions import sarif_region
from relulint.report._common import LEVELS, display_path, rule_url, severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://relulint.readthedocs.io/"


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
            "helpUri": rule.url(),
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
            "helpUri": rule_url(code),
            "defaultConfiguration": {"level": "error"},
        })
    return out


def _location(origin: Origin) -> dict:
    return {"physicalLocation": {
        "artifactLocation": {"uri": display_path(origin.path)},
        "region": sarif_region(origin),
    }}


def _result(f: Finding, index: dict[str, int]) -> dict:
    out: dict = {
        "ruleId": f.code,
        "level": LEVELS[severity(f.severity)],
        "message": {"text": f.message},
        "locations": [_location(f.origin)],
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.related:
        out["relatedLocations"] = [
            {"id": i, **_location(o), "message": {"text": m}} for i, (o, m) in enumerate(f.related)
        ]
    if f.fix is not None and f.fix.edits:
        out["fixes"] = [{
            "description": {"text": f.fix.message},
            "artifactChanges": [{
                "artifactLocation": {"uri": display_path(f.path)},
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
    doc = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "relulint",
                "version": _version(),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index) for r in results for f in r.findings],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
