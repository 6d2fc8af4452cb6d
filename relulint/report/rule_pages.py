"""`docs/rules/RLxxx.md`: one page per rule, generated from the rule's docstring.

The page is what `relulint rule RLxxx` prints (header, severity, fix availability, passes, the
docstring), plus the rule's options with their defaults; engine diagnostics get their description.
`python -m relulint.report.rule_pages [DIR]` rewrites the pages; a test fails when one is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GENERATED = "<!-- Generated from the rule's docstring by `python -m relulint.report.rule_pages`; do not edit. -->"


def rule_page(rule: type) -> str:
    from relulint.report.text import rule_markdown

    out = [GENERATED, "", rule_markdown(rule).rstrip()]
    if rule.OPTIONS:
        out += ["", "## Option defaults", "", "```toml", f"[tool.relulint.rules.{rule.CODE}]"]
        out += [f"{key} = {json.dumps(_plain(value))}" for key, value in rule.OPTIONS.items()]
        out.append("```")
    return "\n".join(out) + "\n"


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple | frozenset | set) else value


def engine_page(code: str) -> str:
    from relulint.rules import ENGINE_CODES, ENGINE_DOCS

    return "\n".join([GENERATED, "", f"# {ENGINE_CODES[code]} ({code})", "",
                      "Engine diagnostic: relulint reports it itself, no rule can be turned off for it.", "",
                      ENGINE_DOCS[code]]) + "\n"


def index_page() -> str:
    from relulint.rules import ALL_RULES, ENGINE_CODES

    lines = [GENERATED, "", "# Rules", "", "| code | name | what it flags |", "|---|---|---|"]
    lines += [f"| [{r.CODE}]({r.CODE}.md) | {r.NAME} | {r.summary()} |" for r in ALL_RULES]
    lines += ["", "Engine diagnostics:", ""]
    lines += [f"- [{code}]({code}.md) {name}" for code, name in sorted(ENGINE_CODES.items())]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content for every page of docs/rules/."""
    from relulint.rules import ALL_RULES, ENGINE_CODES

    out = {f"{r.CODE}.md": rule_page(r) for r in ALL_RULES}
    out.update({f"{code}.md": engine_page(code) for code in ENGINE_CODES})
    out["README.md"] = index_page()
    return out


def write(folder: Path) -> list[str]:
    """Write the pages, remove pages of rules that no longer exist; return the changed names."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    changed = []
    for name, text in wanted.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for stale in folder.glob("RL*.md"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale.name)
    return changed


if __name__ == "__main__":  # pragma: no cover - exercised through tests/test_rule_pages.py
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "docs" / "rules"
    for name in write(target):
        print(f"wrote {target / name}")
