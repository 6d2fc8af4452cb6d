"""docs/rules/: one generated page per rule, in sync with the docstrings, linked from every finding;
user-facing text cites public cases and never the project's internal notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from relulint.report import rule_pages
from relulint.rules import ALL_RULES, ENGINE_CODES, ENGINE_DOCS

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "rules"
INTERNAL = re.compile(r"\bseeds? ?\d{3}\b|\bseeds? \d{3}|ANCHORS|shared/|DESIGN\.md|STYLE\.md", re.I)


def test_pages_are_in_sync_with_the_docstrings():
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    wanted = rule_pages.pages()
    stale = sorted(n for n in wanted if on_disk.get(n) != wanted[n])
    extra = sorted(set(on_disk) - set(wanted))
    assert not stale and not extra, (
        f"docs/rules is out of date (stale {stale}, extra {extra}): run `python -m relulint.report.rule_pages`")


def test_write_creates_updates_and_prunes(tmp_path):
    (tmp_path / "RL999.md").write_text("a rule that no longer exists")
    (tmp_path / "RL101.md").write_text("old text")
    changed = rule_pages.write(tmp_path)
    assert "RL999.md" in changed and not (tmp_path / "RL999.md").exists()
    assert (tmp_path / "RL101.md").read_text() == rule_pages.rule_page(ALL_RULES[0])
    assert rule_pages.write(tmp_path) == []  # idempotent


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_page_is_the_docstring_and_the_url_points_at_it(rule):
    page = (ROOT / rule.url()).read_text(encoding="utf-8")
    assert rule.doc() in page and f"# {rule.NAME} ({rule.CODE})" in page
    for key in rule.OPTIONS:
        assert f"\n{key} = " in page


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_each_rule_cites_public_sources_with_links(rule):
    doc = rule.doc()
    assert "## References" in doc, rule.CODE
    refs = doc.split("## References", 1)[1]
    links = re.findall(r"\]\((https://[^)\s]+)\)", refs)
    assert links, f"{rule.CODE}: References has no https link"
    assert not INTERNAL.search(doc), f"{rule.CODE} cites internal notes: {INTERNAL.search(doc)[0]!r}"


def test_engine_codes_have_pages():
    for code in ENGINE_CODES:
        text = (PAGES / f"{code}.md").read_text(encoding="utf-8")
        assert ENGINE_DOCS[code] in text


def _user_facing_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / ".pre-commit-hooks.yaml", *sorted((ROOT / "docs").rglob("*.md"))]
    return [f for f in files if f.exists()]


@pytest.mark.parametrize("path", _user_facing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_cite_no_internal_notes(path):
    text = path.read_text(encoding="utf-8")
    hit = INTERNAL.search(text)
    assert hit is None, f"{path.relative_to(ROOT)} mentions {hit[0]!r}: cite the public case instead"
    load = re.search(r"load average|another engineer|machine'?s load|same moment", text, re.I)
    assert load is None, f"{path.relative_to(ROOT)}: benchmark notes describe the machine's load ({load[0]!r})"


def test_finding_url_points_at_an_existing_page(tmp_path, monkeypatch, capsys):
    from relulint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\n"
                                   "loss_fn = nn.MSELoss()\n")
    assert main(["m.py", "--no-cache", "--output-format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["url"] == "docs/rules/RL101.md" and (ROOT / finding["url"]).is_file()
    assert "readthedocs" not in json.dumps(finding)
