"""SARIF 2.1.0: valid against the official schema, one rules entry per rule, 1-based code-point columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relulint.engine import lint_paths
from relulint.report import sarif
from relulint.rules import ALL_RULES, ENGINE_CODES

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

BUGGY = """import torch.nn as nn
tag = "😀"; model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
"""
TRAIN = "import torch.nn as nn\nloss_fn = nn.MSELoss()\nfrom model import model\nloss = loss_fn(model(1), 1)\n"


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "broken.py").write_text("import torch\ndef f(:\n")
    return lint_paths(["model.py", "broken.py"])


def test_valid_against_official_schema(results):
    doc = json.loads(sarif.render(results, None))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    run = doc["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["ruleId"] for r in run["results"]] == ["RL101", "RL000"]


def test_one_rule_entry_per_rule_with_help(results):
    rules = json.loads(sarif.render(results, None))["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == [r.CODE for r in ALL_RULES] + sorted(ENGINE_CODES)
    assert len(set(ids)) == len(ids)
    for entry, rule in zip(rules, ALL_RULES, strict=False):
        assert entry["helpUri"] == rule.url()
        assert "## Why is this bad?" in entry["help"]["markdown"]
        assert entry["shortDescription"]["text"]


def test_region_fix_and_related_location(results):
    run = json.loads(sarif.render(results, None))["runs"][0]
    res = run["results"][0]
    line = BUGGY.splitlines()[1]
    col0 = line.rindex("nn.ReLU()")  # code points: the emoji counts 1
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "model.py"
    assert loc["region"] == {"startLine": 2, "startColumn": col0 + 1, "endLine": 2,
                             "endColumn": col0 + 1 + len("nn.ReLU()")}
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "RL101"
    rel = res["relatedLocations"][0]
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    assert rel["physicalLocation"]["region"]["startLine"] == 2
    (change,) = res["fixes"][0]["artifactChanges"]
    (rep,) = change["replacements"]
    assert rep["insertedContent"]["text"] == ""
    assert rep["deletedRegion"]["startLine"] == 2


def test_empty_run_is_valid():
    doc = json.loads(sarif.render([], None))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["runs"][0]["results"] == []
