"""Adding a rule is one rule module plus its tests: a throwaway rule dropped into the rules package's
path is selectable, suppressible, configurable, documented, listed and run, with nothing else edited."""

from __future__ import annotations

import json
import textwrap

import pytest

from relulint import rules
from relulint.cli import main
from relulint.config import ConfigError, Settings, known_codes, settings_from_table
from relulint.engine import lint_source
from relulint.testing import expectations

THROWAWAY = '''
from relulint.finding import Severity
from relulint.rule import Invalid, StaticRule, Valid


class ThirteenInputs(StaticRule):
    """
    ## What it does
    Flags a first layer with exactly `fan-in` inputs (a rule that exists only for this test).

    ## Why is this bad?
    It is not; the rule proves that adding a rule touches one file.

    ## Example
    ```python
    model = nn.Sequential(nn.Linear(13, 1))
    ```

    ## Confirmed by
    Not confirmed by `--dynamic`.
    """

    CODE = "RL999"
    NAME = "thirteen-inputs"
    SEVERITY = Severity.INFO
    MESSAGE = "first layer {layer} takes {n} inputs"
    OPTIONS = {"fan-in": 13}
    VALID = [Valid("""
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(12, 1))
    """)]
    INVALID = [Invalid("""
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(13, 1))  # expect: RL999
    """)]

    def check(self, ir, options):
        first = ir.network.first_affine()
        if first is not None and first[1].fan_in == options["fan-in"] and first[1].origin is not None:
            yield self.finding(first[1].origin, layer=first[1].display, n=first[1].fan_in)
'''


@pytest.fixture
def throwaway(tmp_path, monkeypatch):
    folder = tmp_path / "plugin_rules"
    folder.mkdir()
    (folder / "rl999_thirteen_inputs.py").write_text(THROWAWAY)
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(folder)])
    rules.reload()
    yield rules.BY_CODE["RL999"]
    monkeypatch.undo()
    rules.reload()


def test_the_throwaway_rule_is_everywhere(throwaway, capsys):
    assert rules.catalog()["RL999"] == "thirteen-inputs" and "RL999" in known_codes()
    # its own cases run like every rule's
    for case, valid in [(c, True) for c in throwaway.VALID] + [(c, False) for c in throwaway.INVALID]:
        got = {(f.origin.line, f.code) for f in lint_source(case.source, "m.py", Settings(select=["RL999"])).findings}
        assert got == (set() if valid else expectations(case.source))
    # selection and suppression know the code (no RL004 "unknown code")
    code = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(13, 1))  # noqa: RL999\n"
    assert lint_source(code, "m.py", Settings(select=["RL9"])).findings == []
    # its options are configurable and validated
    s = settings_from_table({"select": ["RL999"], "rules": {"RL999": {"fan-in": 12}}}, __import__("pathlib").Path("pyproject.toml"))
    assert [f.code for f in lint_source(throwaway.VALID[0].source, "m.py", s).findings] == ["RL999"]
    with pytest.raises(ConfigError):
        settings_from_table({"rules": {"RL999": {"nope": 1}}}, __import__("pathlib").Path("pyproject.toml"))
    # documented and listed
    assert main(["rule", "RL999", "--output-format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "thirteen-inputs" and info["fix_availability"] == "None"
    assert main(["rule", "--all"]) == 0
    assert "# thirteen-inputs (RL999)" in capsys.readouterr().out


def test_it_is_gone_again_after_the_test():
    assert "RL999" not in rules.catalog() and "RL999" not in known_codes()
    assert textwrap.dedent(THROWAWAY)  # the module text itself is all a new rule needs
