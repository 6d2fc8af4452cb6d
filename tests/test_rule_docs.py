"""Rule metadata and docs: what `relulint rule` prints and what every rule must document."""

from __future__ import annotations

import json
import re

import pytest

from relulint.cli import main
from relulint.rules import ALL_RULES, BY_CODE, ENGINE_CODES, catalog

SECTIONS = ("## What it does", "## Why is this bad?", "## Example")


def test_codes_unique_well_formed_and_in_the_catalog():
    codes = [r.CODE for r in ALL_RULES]
    assert len(codes) == len(set(codes))
    for rule in ALL_RULES:
        assert re.fullmatch(r"RL\d{3}", rule.CODE), rule
        assert catalog()[rule.CODE] == rule.NAME, rule.CODE
        assert not rule.CODE.startswith("RL00"), "RL00x are reserved for the engine"
    assert set(ENGINE_CODES.items()) <= set(catalog().items())
    assert set(catalog()) == {r.CODE for r in ALL_RULES} | set(ENGINE_CODES)


def test_names_unique_and_kebab_case():
    names = [r.NAME for r in ALL_RULES]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_docstring_has_the_sections(rule):
    doc = rule.doc()
    positions = [doc.find(s) for s in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.CODE} lacks {[s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]}"
    assert positions == sorted(positions), f"{rule.CODE}: sections out of order"
    assert rule.summary() != rule.NAME, f"{rule.CODE}: '## What it does' has no text"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_message_template_has_no_trailing_period(rule):
    assert not rule.MESSAGE.rstrip().endswith("."), rule.CODE


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rule_markdown(capsys):
    rule = BY_CODE["RL101"]
    code, out, _ = run(capsys, "rule", "RL101")
    assert code == 0
    head = out.splitlines()
    assert head[0] == "# relu-regression-output (RL101)"
    assert "Severity: error" in head and "Passes: graph, source" in head
    assert any(line.startswith("Fix is ") for line in head)
    assert rule.doc() in out
    assert run(capsys, "rule", "rl101")[1] == out  # codes are case-insensitive here


def test_rule_all(capsys):
    code, out, _ = run(capsys, "rule", "--all")
    assert code == 0
    assert re.findall(r"^# [a-z0-9-]+ \((RL\d{3})\)$", out, re.M) == [r.CODE for r in ALL_RULES]


def test_rule_json(capsys):
    code, out, _ = run(capsys, "rule", "RL101", "--output-format", "json")
    info = json.loads(out)
    assert code == 0
    assert {k: info[k] for k in ("code", "name", "severity", "passes")} == \
        {"code": "RL101", "name": "relu-regression-output", "severity": "error", "passes": ["graph", "source"]}
    assert info["fix_availability"] in ("Always", "Sometimes", "None")
    assert info["explanation"] == BY_CODE["RL101"].doc() and info["options"] == {
        k: list(v) if isinstance(v, tuple) else v for k, v in BY_CODE["RL101"].OPTIONS.items()}
    assert info["summary"].startswith("Flags")
    code, out, _ = run(capsys, "rule", "--all", "--format", "json")
    assert [i["code"] for i in json.loads(out)] == [r.CODE for r in ALL_RULES]


@pytest.mark.parametrize("args", [("rule", "RL999"), ("rule", "nonsense"), ("rule",), ("rule", "RL101", "--all")])
def test_rule_usage_errors(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.startswith("relulint: error:")


def test_engine_codes_are_documented():
    import subprocess
    import sys

    from relulint.rules import ENGINE_CODES, ENGINE_DOCS

    assert set(ENGINE_DOCS) == set(ENGINE_CODES)
    out = subprocess.run([sys.executable, "-m", "relulint", "rule", "RL000"], capture_output=True, text=True)
    assert out.returncode == 0 and "# syntax-error (RL000)" in out.stdout
