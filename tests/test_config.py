"""[tool.relulint]: discovery of the closest configured pyproject.toml, validation, CLI precedence."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from relulint.cli import main
from relulint.config import ConfigError, Settings, find_config, load_settings, settings_from_table
from relulint.rules import BY_CODE

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def go(*args: str):
        code = main([*args, "--no-cache"])
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


def settings(table: dict, tmp_path: Path) -> Settings:
    return settings_from_table(table, tmp_path / "pyproject.toml")


# ------------------------------------------------------------------------------------ discovery


def test_closest_pyproject_with_the_table_wins(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\nignore = ["RL2"]\n',
                     "pkg/pyproject.toml": '[project]\nname = "x"\n',  # no table: skipped
                     "pkg/sub/m.py": BUGGY})
    assert find_config(tmp_path / "pkg" / "sub" / "m.py") == (tmp_path / "pyproject.toml").resolve()
    s = load_settings(tmp_path / "pkg" / "sub")
    assert s.ignore == ["RL2"] and s.root == tmp_path.resolve()


def test_no_config_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(tmp_path)
    assert s.config_path is None and s.is_enabled("RL101") and s.excludes[0] == ".git"


def test_config_flag_overrides_and_isolated_ignores(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\nignore = ["RL101"]\n',
                     "other.toml": 'select = ["RL1"]\n', "m.py": BUGGY})
    assert run("m.py")[0] == 0  # the discovered config ignores RL101
    assert run("m.py", "--isolated")[0] == 1
    assert run("m.py", "--config", "other.toml")[0] == 1  # a relulint.toml-style file: top-level keys
    code, _, err = run("m.py", "--config", "missing.toml")
    assert code == 2 and "missing.toml" in err


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(("toml", "needle"), [
    ('[tool.relulint]\nselct = ["RL1"]\n', "unknown key 'selct'"),
    ('[tool.relulint]\nselect = ["RL9"]\n', "'RL9'"),
    ('[tool.relulint]\nignore = ["E501"]\n', "'E501'"),
    ('[tool.relulint]\nextend-select = "RL1"\n', "expected a list"),
    ('[tool.relulint]\nrespect-gitignore = "yes"\n', "expected true or false"),
    ('[tool.relulint]\noutput-format = "xml"\n', "unknown output format 'xml'"),
    ('[tool.relulint]\ninput-range = [255, 0]\n', "low must be below high"),
    ('[tool.relulint]\ninput-range = "0-255"\n', "expected [low, high]"),
    ('[tool.relulint]\ngraph-loss = "bogus"\n', "unknown loss kind 'bogus'"),
    ('[tool.relulint]\ngraph-loss = 1\n', "unknown loss kind 1"),
    ('[tool.relulint.severity]\nRL101 = "fatal"\n', "severity must be one of"),
    ('[tool.relulint.severity]\nRL999 = "info"\n', "'RL999'"),
    ('[tool.relulint.per-file-ignores]\n"tests/**" = ["RL77"]\n', "'RL77'"),
    ('[tool.relulint.rules.RL101]\nno-such-option = 1\n', "unknown option 'no-such-option'"),
    ('[tool.relulint.rules.RL101]\nclamping-activations = "relu"\n', "expected list"),
    ('[tool.relulint.rules.RL999]\nx = 1\n', "unknown rule code 'RL999'"),
    ('[tool.relulint\nselect = 1\n', "invalid TOML"),
    ('[tool.relulint]\ndynamic = 3\n', "must be a table"),
])
def test_bad_config_is_one_message_and_exit_2(run, tmp_path, toml, needle):
    write(tmp_path, {"pyproject.toml": toml, "m.py": BUGGY})
    code, out, err = run("m.py")
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert str(tmp_path / "pyproject.toml") in err


def test_valid_full_config(tmp_path):
    s = settings({
        "select": ["RL1", "RL2"], "extend-select": ["RL301"], "ignore": ["RL204"],
        "per-file-ignores": {"tests/**": ["RL3"]}, "exclude": ["gen"], "extend-exclude": ["legacy/"],
        "respect-gitignore": False, "force-exclude": True, "output-format": "json",
        "input-range": [0, 255], "severity": {"RL101": "info"},
        "rules": {"RL101": {"clamping-activations": ["relu"]}}, "dynamic": {"enabled": False, "steps": 2},
    }, tmp_path)
    assert s.is_enabled("RL101") and s.is_enabled("RL301") and not s.is_enabled("RL302")
    assert not s.is_enabled("RL204") and not s.is_enabled("RL401")
    assert s.excludes == ["gen", "legacy/"] and not s.respect_gitignore and s.force_exclude
    assert s.output_format == "json" and s.input_range == (0.0, 255.0) and s.dynamic == {"enabled": False, "steps": 2}
    assert s.options_for(BY_CODE["RL101"]) == {**BY_CODE["RL101"].OPTIONS, "clamping-activations": ["relu"]}
    assert s.severity_for("RL101", BY_CODE["RL101"].SEVERITY).value == "info"
    assert not s.is_enabled("RL301", str(tmp_path / "tests" / "unit" / "t.py"))
    assert s.is_enabled("RL301", str(tmp_path / "src" / "t.py"))


def test_per_file_ignores_relative_to_config_dir_and_negation(tmp_path):
    s = settings({"per-file-ignores": {"!models/**": ["RL2"], "scripts/*.py": ["RL101"], "conftest.py": ["RL1"]}},
                 tmp_path)
    assert not s.is_enabled("RL201", str(tmp_path / "train.py"))  # outside models/: ignored
    assert s.is_enabled("RL201", str(tmp_path / "models" / "net.py"))  # inside: kept
    assert not s.is_enabled("RL101", str(tmp_path / "scripts" / "run.py"))
    assert s.is_enabled("RL101", str(tmp_path / "other" / "scripts" / "run.py"))  # anchored at the config dir
    assert not s.is_enabled("RL102", str(tmp_path / "a" / "b" / "conftest.py"))  # bare name: any depth


def test_severity_override_reaches_output(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint.severity]\nRL101 = "info"\n', "m.py": BUGGY})
    code, out, _ = run("m.py", "--format", "json")
    assert code == 1 and json.loads(out)[0]["severity"] == "info"  # severity never changes the exit code


def test_rule_option_reaches_the_rule(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint.rules.RL101]\nclamping-activations = ["relu6"]\n',
                     "m.py": BUGGY})
    assert run("m.py")[0] == 0  # relu is no longer a clamping activation for RL101


def test_output_format_and_excludes_from_config(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\noutput-format = "json"\nextend-exclude = ["legacy"]\n',
                     "m.py": BUGGY, "legacy/old.py": BUGGY})
    code, out, err = run(".")
    assert code == 1 and [f["filename"] for f in json.loads(out)] == [str(tmp_path / "m.py")] and err == ""


def test_exclude_replaces_the_defaults(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\nexclude = ["vendor"]\n',
                     "build/m.py": BUGGY, "vendor/m.py": BUGGY})
    assert run("--show-files", ".")[1].split() == ["build/m.py"]


def test_cli_select_replaces_extend_select_and_ignore_adjust(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\nselect = ["RL2"]\n', "m.py": BUGGY})
    assert run("m.py")[0] == 0  # config selects RL2 only
    assert run("m.py", "--extend-select", "RL101")[0] == 1
    assert run("m.py", "--select", "RL1")[0] == 1
    assert run("m.py", "--select", "RL1", "--ignore", "RL101")[0] == 0
    assert run("m.py", "--select", "ALL")[0] == 1


def test_cli_input_range(tmp_path, monkeypatch):
    from relulint.cli import build_parser, resolve_settings

    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["check", "--input-range=-1,1", "--isolated"])
    assert resolve_settings(args).input_range == (-1.0, 1.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--input-range", "1,0"])


def test_config_error_is_an_exception_type():
    with pytest.raises(ConfigError):
        settings_from_table({"select": ["nope"]}, Path("pyproject.toml"))
