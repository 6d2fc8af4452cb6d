"""SARIF 2.1.0: valid against the official schema, one rules entry per rule, 1-based code-point columns."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from relulint.engine import lint_paths
from relulint.fixes import attach_results
from relulint.report import sarif
from relulint.rules import ALL_RULES, ENGINE_CODES

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
ROOT = Path(__file__).resolve().parents[1]

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
    return attach_results(lint_paths(["model.py", "broken.py"]))  # fixes as the json/sarif/lsp formats get them


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
        assert entry["helpUri"] == (ROOT / rule.url()).as_uri()  # the page in this checkout
        assert "## Why is this bad?" in entry["help"]["markdown"]
        assert entry["shortDescription"]["text"]


def test_region_fix_and_related_location(results):
    run = json.loads(sarif.render(results, None))["runs"][0]
    res = run["results"][0]
    line = BUGGY.splitlines()[1]
    col0 = line.rindex("nn.ReLU()")  # code points: the emoji counts 1
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "model.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 2, "startColumn": col0 + 1, "endLine": 2,
                             "endColumn": col0 + 1 + len("nn.ReLU()")}
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "RL101"
    rel = res["relatedLocations"][0]
    assert rel["physicalLocation"]["artifactLocation"] == {"uri": "train.py", "uriBaseId": "%SRCROOT%"}
    assert rel["physicalLocation"]["region"]["startLine"] == 2
    (change,) = res["fixes"][0]["artifactChanges"]
    (rep,) = change["replacements"]
    assert rep["insertedContent"]["text"] == ""
    assert rep["deletedRegion"]["startLine"] == 2


def test_empty_run_is_valid():
    doc = json.loads(sarif.render([], None))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["runs"][0]["results"] == []


# ------------------------------------------------------------------------ where viewers place files


def github_path(run: dict, location: dict, checkout: Path) -> str | None:
    """The repository path GitHub code scanning gives a SARIF location (as its upload action and
    ingestion resolve it): a uriBaseId is looked up in originalUriBaseIds; an absolute file:// URI
    must lie under the checkout; a bare relative URI is taken relative to the repository root.
    None: the location cannot be placed in the repository."""
    from urllib.parse import unquote, urlparse

    art = location["physicalLocation"]["artifactLocation"]
    uri = art["uri"]
    if "uriBaseId" in art:
        base = run["originalUriBaseIds"][art["uriBaseId"]]["uri"]
        assert base.endswith("/"), "SARIF 3.14.14: a base URI ends with a slash"
        uri = base + uri
    parsed = urlparse(uri)
    if parsed.scheme == "":
        return uri
    assert parsed.scheme == "file", uri
    full = Path(unquote(parsed.path))
    try:
        return full.relative_to(checkout).as_posix()
    except ValueError:
        return None


def _git_repo(root: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(root)], check=True)


@pytest.mark.parametrize("cwd", [".", "src/pkg", "docs"])
def test_github_places_findings_from_any_folder(tmp_path, monkeypatch, cwd):
    """Run from the repository root, a package folder or an unrelated folder: every location
    resolves to the same repository path (the issue: relative URIs from a subfolder were misplaced)."""
    from relulint.cli import main

    repo = tmp_path / "repo"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "docs").mkdir()
    _git_repo(repo)
    (repo / "src" / "pkg" / "model.py").write_text(BUGGY, encoding="utf-8")
    (repo / "src" / "pkg" / "train.py").write_text(TRAIN)
    monkeypatch.chdir(repo / cwd)
    target = os.path.relpath(repo / "src" / "pkg" / "model.py")
    out = tmp_path / "out.sarif"
    assert main([target, "--no-cache", "--output-format", "sarif", "-o", str(out)]) == 1
    doc = json.loads(out.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.as_uri() + "/"
    (res,) = run["results"]
    assert github_path(run, res["locations"][0], repo) == "src/pkg/model.py"
    assert github_path(run, res["relatedLocations"][0], repo) == "src/pkg/train.py"
    change = res["fixes"][0]["artifactChanges"][0]
    assert github_path(run, {"physicalLocation": {"artifactLocation": change["artifactLocation"]}}, repo) \
        == "src/pkg/model.py"


def test_file_outside_the_repository_gets_an_absolute_uri(tmp_path, monkeypatch):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    _git_repo(repo)
    (elsewhere / "model.py").write_text(BUGGY, encoding="utf-8")
    (elsewhere / "train.py").write_text(TRAIN)
    monkeypatch.chdir(repo)
    doc = json.loads(sarif.render(lint_paths([str(elsewhere / "model.py")]), None))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    art = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": (elsewhere / "model.py").as_uri()}
    assert github_path(doc["runs"][0], doc["runs"][0]["results"][0]["locations"][0], repo) is None


def test_github_upload_example_in_the_docs():
    """docs/editors.md's workflow: the relulint step writes the file the upload step sends, from
    the checkout root, with the permission code scanning needs."""
    text = (ROOT / "docs" / "editors.md").read_text()
    block = text.split("# .github/workflows/relulint.yml", 1)[1].split("```", 1)[0]
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load(block)
    assert wf["permissions"]["security-events"] == "write"
    steps = wf["jobs"]["relulint"]["steps"]
    run = next(s["run"] for s in steps if "relulint check" in s.get("run", ""))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    args = run.split()
    assert "--output-format" in args and args[args.index("--output-format") + 1] == "sarif"
    assert args[args.index("--output-file") + 1] == upload["with"]["sarif_file"]
    assert "--exit-zero" in args  # findings must not stop the job before the upload
