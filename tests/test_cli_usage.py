"""Command-line habits borrowed from ruff: options after paths, messages that name the option's
unit, and sub-command help that lists every option the sub-command takes."""

from __future__ import annotations

import json

import pytest

from relulint.cli import main

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
CLEAN = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1))\nloss_fn = nn.MSELoss()\n"


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def go(*args: str):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


@pytest.mark.parametrize("argv", [
    ("a.py", "--no-cache", "b.py"),
    ("check", "a.py", "--no-cache", "b.py"),
    ("a.py", "--output-format", "json", "b.py", "--no-cache"),
    ("--no-cache", "a.py", "b.py", "--output-format=json"),
])
def test_options_may_come_between_paths(run, tmp_path, argv):
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(BUGGY.replace("model", "net"))
    (tmp_path / "c.py").write_text(BUGGY)  # not named: must not be linted
    code, out, err = run(*argv, "--output-format", "json")
    assert code == 1, err
    assert sorted(f["filename"].rsplit("/", 1)[-1] for f in json.loads(out)) == ["a.py", "b.py"]
    assert not (tmp_path / ".relulint_cache").exists()  # --no-cache was honoured wherever it stood


def test_intermixed_keeps_stdin_and_stdin_filename(run, tmp_path, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CLEAN.encode())))
    code, out, err = run("-", "--no-cache", "--stdin-filename", "m.py")
    assert code == 0 and out == "", err


@pytest.mark.parametrize(("argv", "words"), [
    (("--dynamic", "--steps", "x"), "argument --steps: expected a number of training steps, got 'x'"),
    (("--dynamic", "--steps", "0"), "argument --steps: expected a positive number of training steps, got 0"),
    (("--jobs", "x"), "argument --jobs/-j: expected a number of processes, got 'x'"),
    (("-j", "0"), "argument --jobs/-j: expected a positive number of processes, got 0"),
])
def test_count_options_name_their_unit(run, argv, words):
    code, out, err = run("m.py", *argv)
    assert code == 2 and out == ""
    assert words in err
    if "steps" in argv[1]:
        assert "process" not in err.split("error:", 1)[1]


def test_lsp_help_lists_every_server_option(run):
    code, out, _ = run("lsp", "--help")
    assert code == 0
    for option in ("--stdio", "--tcp PORT", "--host HOST", "-v, --verbose"):
        assert option in out, out


def test_lsp_server_parses_the_options_its_help_shows():
    """`relulint lsp --help` and the server share one definition of the options."""
    import argparse

    from relulint.cli import add_lsp_arguments

    p = argparse.ArgumentParser()
    add_lsp_arguments(p)
    args = p.parse_args(["--tcp", "2087", "--host", "0.0.0.0", "-v"])
    assert (args.tcp, args.host, args.verbose, args.stdio) == (2087, "0.0.0.0", True, False)
    with pytest.raises(SystemExit):
        p.parse_args(["--stdio", "--tcp", "1"])
