"""The `relulint` command end to end: exit codes, output shapes, discovery, flags, lazy hooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from relulint.cli import main

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
CLEAN = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1))\nloss_fn = nn.MSELoss()\n"
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>RL\d{3})( \[\*\])? \[(?P<name>[a-z0-9-]+)\] (?P<msg>.+)$")


def cli(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, in a fresh interpreter (as `python -m relulint`)."""
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    return subprocess.run([sys.executable, "-m", "relulint", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env=full_env, timeout=120)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """main() in-process, in tmp_path: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def go(*args: str):
        code = main([*args, "--no-cache"] if args and args[0] not in ("rule", "lsp", "version") else list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


# ------------------------------------------------------------------------------------ subprocess


def test_real_cli_finding_exit_1_and_ruff_style_line(tmp_path):
    write(tmp_path, {"m.py": BUGGY})
    p = cli("m.py", "--no-cache", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    m = LINE.match(p.stdout.strip())
    assert m, p.stdout
    assert (m["path"], m["line"], m["col"], m["code"], m["name"]) == ("m.py", "2", "40", "RL101", "relu-regression-output")
    assert p.stderr.strip().splitlines()[0] == "Found 1 finding in 1 file."


def test_real_cli_clean_exit_0(tmp_path):
    write(tmp_path, {"m.py": CLEAN})
    p = cli("check", "m.py", "--no-cache", cwd=tmp_path)
    assert (p.returncode, p.stdout, p.stderr.strip()) == (0, "", "All checks passed!")


def test_real_cli_version_and_help(tmp_path):
    from relulint import __version__

    p = cli("--version", cwd=tmp_path)
    assert (p.returncode, p.stdout.strip()) == (0, f"relulint {__version__}")
    p = cli("--help", cwd=tmp_path)
    assert p.returncode == 0 and "check" in p.stdout and "rule" in p.stdout and "lsp" in p.stdout
    p = cli("check", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "RUN the user's code" in " ".join(p.stdout.split()).replace("IMPORT AND RUN", "RUN")


def test_real_cli_console_script(tmp_path):
    script = Path(sys.executable).with_name("relulint")
    if not script.exists():
        pytest.skip("console script not installed beside this interpreter")
    write(tmp_path, {"m.py": BUGGY})
    p = subprocess.run([str(script), "m.py", "--no-cache", "--format", "json"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and json.loads(p.stdout)[0]["code"] == "RL101" and p.stderr == ""


def test_real_cli_stdin(tmp_path):
    p = cli("-", "--no-cache", cwd=tmp_path, stdin=BUGGY)
    assert p.returncode == 1 and p.stdout.startswith("-:2:40: RL101"), p.stdout + p.stderr
    p = cli("-", "--stdin-filename", "pkg/model.py", "--no-cache", cwd=tmp_path, stdin=BUGGY)
    assert p.returncode == 1 and p.stdout.startswith("pkg/model.py:2:40: RL101"), p.stdout
    p = cli("--stdin-filename", "model.py", "--no-cache", cwd=tmp_path, stdin=CLEAN)
    assert p.returncode == 0, p.stdout


def test_real_cli_usage_error_exit_2(tmp_path):
    p = cli("--select", "RL9", ".", cwd=tmp_path)
    assert p.returncode == 2 and "RL9" in p.stderr and "Traceback" not in p.stderr
    p = cli("--no-such-flag", cwd=tmp_path)
    assert p.returncode == 2


# ------------------------------------------------------------------------------------ in-process


def test_exit_zero(run, tmp_path):
    write(tmp_path, {"m.py": BUGGY})
    code, out, err = run("m.py", "--exit-zero")
    assert code == 0 and "RL101" in out and "Found 1 finding" in err


def test_summary_counts_files(run, tmp_path):
    write(tmp_path, {"a/m.py": BUGGY, "b/m.py": BUGGY, "c/ok.py": CLEAN})
    code, out, err = run(".")
    assert code == 1
    assert sorted(LINE.match(line)["path"] for line in out.splitlines()) == ["a/m.py", "b/m.py"]
    assert err.splitlines()[0] == "Found 2 findings in 2 files."


def test_recursion_default_excludes_and_suffixes(run, tmp_path):
    write(tmp_path, {"pkg/sub/m.py": BUGGY, "build/m.py": BUGGY, ".venv/lib/m.py": BUGGY,
                     "node_modules/x/m.py": BUGGY, "pkg/__pycache__/m.py": BUGGY, "pkg/notes.txt": BUGGY})
    code, out, _ = run("--show-files", ".")
    assert code == 0 and out.split() == [os.path.join("pkg", "sub", "m.py")]


def test_graph_files_are_discovered(run, tmp_path):
    write(tmp_path, {"m.py": CLEAN})
    import zipfile

    for name in ("a.onnx", "b.pt", "c.pth", "d.ptl"):
        (tmp_path / name).write_bytes(b"not a graph")
    for name in ("ts.pt", "ts.pth", "ts.ptl"):  # TorchScript layout (names only are read)
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            zf.writestr("ts/code/__torch__/m.py", "")
            zf.writestr("ts/constants.pkl", b"")
    code, out, _ = run("--show-files", ".")
    # .pt files that are not TorchScript archives are not walked (see tests/test_checkpoints.py)
    assert sorted(out.split()) == ["a.onnx", "m.py", "ts.pt", "ts.pth", "ts.ptl"]


def test_gitignore_respected_and_overridable(run, tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "generated/\nscratch_*.py\n", "generated/m.py": BUGGY,
                     "scratch_1.py": BUGGY, "src/m.py": BUGGY, "src/.gitignore": "local.py\n", "src/local.py": BUGGY})
    code, out, _ = run("--show-files", ".")
    assert out.split() == [os.path.join("src", "m.py")]
    # walking a subdirectory still honours the repository root's .gitignore
    code, out, _ = run("--show-files", "src")
    assert out.split() == [os.path.join("src", "m.py")]
    code, out, _ = run("--show-files", "--no-respect-gitignore", ".")
    assert len(out.split()) == 4


def test_extend_exclude_and_force_exclude(run, tmp_path):
    write(tmp_path, {"legacy/m.py": BUGGY, "m.py": BUGGY})
    code, out, _ = run("--show-files", "--extend-exclude", "legacy/", ".")
    assert out.split() == ["m.py"]
    # a file named explicitly is linted anyway ...
    code, out, _ = run("--extend-exclude", "legacy/", "legacy/m.py")
    assert code == 1 and "legacy/m.py:2:40: RL101" in out
    # ... unless --force-exclude (what the pre-commit hook passes)
    code, out, err = run("--extend-exclude", "legacy/", "--force-exclude", "legacy/m.py")
    assert (code, out) == (0, "")


def test_directory_without_python_files(run, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("hi")
    code, out, err = run("empty")
    assert code == 0 and out == ""
    assert "no Python files found under empty" in err


def test_show_source_frame_help_and_related(run, tmp_path):
    write(tmp_path, {"model.py": "import torch.nn as nn\nmodel = nn.Sequential(\n    nn.Linear(8, 1),\n    nn.ReLU(),\n)\n",
                     "train.py": "import torch\nimport torch.nn as nn\nfrom model import model\nloss_fn = nn.MSELoss()\n"
                                 "loss = loss_fn(model(torch.rand(2, 8)), torch.rand(2, 1))\n"})
    code, out, _ = run("model.py", "--show-source")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("error[RL101]") and "[relu-regression-output]" in lines[0]
    assert lines[1] == " --> model.py:4:5"
    assert "4 |     nn.ReLU()," in out
    caret = next(line for line in lines if "^" in line)
    assert caret.index("^") == lines[lines.index(next(x for x in lines if x.startswith("4 |")))].index("nn.ReLU")
    assert set(caret.split("|")[1].strip()) == {"^"} and len(caret.split("|")[1].strip()) == len("nn.ReLU()")
    assert any(line.startswith("help: ") for line in lines)
    assert any(line.startswith("related: train.py:4:") for line in lines), out
    # --output-format full is the same thing
    assert run("model.py", "--output-format", "full")[1] == out


def test_output_file(run, tmp_path):
    write(tmp_path, {"m.py": BUGGY})
    code, out, err = run("m.py", "--format", "json", "-o", "report.json")
    assert code == 1 and out == "" and err == ""
    assert json.loads((tmp_path / "report.json").read_text())[0]["code"] == "RL101"


def test_color(run, tmp_path, monkeypatch):
    write(tmp_path, {"m.py": BUGGY})
    assert "\x1b[" in run("m.py", "--color", "always")[1]
    assert "\x1b[" not in run("m.py", "--color", "never")[1]
    assert "\x1b[" not in run("m.py")[1]  # auto and not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert "\x1b[" not in run("m.py", "--color", "auto")[1]


def test_statistics(run, tmp_path):
    write(tmp_path, {"a.py": BUGGY, "b.py": BUGGY})
    code, out, _ = run(".", "--statistics")
    assert code == 1 and re.match(r"^2\tRL101\t(\[\*\] |    )relu-regression-output$", out.strip()), out
    code, out, _ = run(".", "--statistics", "--format", "json")
    assert [(r["code"], r["count"]) for r in json.loads(out)] == [("RL101", 2)]


def test_select_ignore_per_file_ignores_from_cli(run, tmp_path):
    write(tmp_path, {"m.py": BUGGY, "tests/t.py": BUGGY})
    assert run(".", "--select", "RL2")[0] == 0
    assert run(".", "--ignore", "RL101")[0] == 0
    assert run(".", "--ignore", "RL1")[0] == 0
    code, out, _ = run(".", "--per-file-ignores", "tests/**:RL101")
    assert code == 1 and [LINE.match(x)["path"] for x in out.splitlines()] == ["m.py"]
    code, out, err = run(".", "--ignore", "RL999")
    assert code == 2 and "RL999" in err
    code, out, err = run(".", "--per-file-ignores", "nocolon")
    assert code == 2 and "GLOB:CODES" in err


def test_jobs_gives_the_same_results(run, tmp_path):
    write(tmp_path, {f"m{i:02}.py": BUGGY if i % 3 == 0 else CLEAN for i in range(16)})
    one = run(".", "--jobs", "1", "--format", "json")
    two = run(".", "--jobs", "2", "--format", "json")
    assert one[0] == two[0] == 1 and json.loads(one[1]) == json.loads(two[1]) and len(json.loads(one[1])) == 6


def test_jobs_zero_is_a_usage_error(tmp_path):
    assert cli("--jobs", "0", ".", cwd=tmp_path).returncode == 2


def test_cache_is_used_unless_no_cache(tmp_path, monkeypatch, capsys):
    import importlib.util

    if importlib.util.find_spec("relulint.cache") is None:
        pytest.skip("relulint.cache not installed")
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"m.py": BUGGY})
    assert main(["m.py", "--no-cache"]) == 1
    capsys.readouterr()
    assert not (tmp_path / ".relulint_cache").exists()
    first = (main(["m.py", "--format", "json"]), capsys.readouterr().out)
    assert (tmp_path / ".relulint_cache").exists()
    second = (main(["m.py", "--format", "json"]), capsys.readouterr().out)
    assert first == second and first[0] == 1


def test_show_settings(run, tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.relulint]\nignore = ["RL2"]\n'})
    code, out, _ = run("--show-settings", ".")
    assert code == 0
    assert f"config file: {tmp_path / 'pyproject.toml'}" in out
    assert re.search(r"RL101 relu-regression-output: on: selected by 'RL1'", out)
    assert re.search(r"RL201 positive-mean-init: off: ignored by 'RL2'", out)


def test_version_subcommand(run):
    from relulint import __version__

    assert run("version")[:2] == (0, f"relulint {__version__}\n")


# ------------------------------------------------------------------------------------ lazy hooks


def test_unavailable_format_exits_2(run, tmp_path, monkeypatch):
    from relulint import report

    monkeypatch.setitem(report.FORMATS, "sarif", "relulint.report.no_such_module:render")
    write(tmp_path, {"m.py": BUGGY})
    code, out, err = run("m.py", "--output-format", "sarif")
    assert code == 2 and out == "" and "'sarif' is not available" in err


def test_registry_points_at_the_other_reporters():
    from relulint.report import FORMATS

    for fmt in ("sarif", "github", "lsp", "junit"):
        assert FORMATS[fmt] == f"relulint.report.{fmt}:render"


def test_dynamic_hook_receives_static_results(run, tmp_path, monkeypatch):
    calls = {}

    def run_dynamic(args, results, settings):
        calls.update(entry=args.entry, device=args.device, steps=args.steps, paths=[r.path for r in results],
                     input_range=settings.input_range)
        for r in results:
            for f in r.findings:
                f.confirmation, f.measured = "confirmed", {"zero_share": 1.0}
        return results

    fake = types.ModuleType("relulint.dynamic.cli")
    fake.run_dynamic = run_dynamic
    monkeypatch.setitem(sys.modules, "relulint.dynamic.cli", fake)
    write(tmp_path, {"m.py": BUGGY})
    code, out, err = run("m.py", "--dynamic", "--entry", "m:build", "--device", "cpu", "--steps", "3",
                         "--input-range=-1,1", "--format", "json")
    assert code == 1
    assert calls == {"entry": "m:build", "device": "cpu", "steps": 3, "paths": ["m.py"], "input_range": (-1.0, 1.0)}
    assert json.loads(out)[0]["confirmation"] == "confirmed" and json.loads(out)[0]["measured"] == {"zero_share": 1.0}


def test_dynamic_flags_need_dynamic(run, tmp_path):
    code, _, err = run(".", "--entry", "m:build")
    assert code == 2 and "--entry needs --dynamic" in err


def test_fix_and_diff_hooks(run, tmp_path, monkeypatch):
    calls = []

    def fix_results(results, write, unsafe):
        calls.append((write, unsafe, sorted(r.path for r in results)))
        return types.SimpleNamespace(diff="--- a/m.py\n+++ b/m.py\n", fixed=0, sources={})

    fake = types.ModuleType("relulint.fixes")
    fake.fix_results = fix_results
    fake.attach_results = lambda results: results
    monkeypatch.setitem(sys.modules, "relulint.fixes", fake)
    write(tmp_path, {"m.py": BUGGY})
    code, out, _ = run("m.py", "--diff", "--unsafe-fixes")
    assert code == 1 and out == "--- a/m.py\n+++ b/m.py\n" and calls[-1] == (False, True, ["m.py"])
    code, out, _ = run("m.py", "--fix")
    assert calls[-1] == (True, False, ["m.py"]) and code == 1  # the fake changed nothing: RL101 remains


def test_lsp_without_pygls(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "pygls", None)
    code, _, err = run("lsp", "--stdio")
    assert code == 2 and "pip install 'relulint[lsp]'" in err


def test_lsp_hands_argv_to_the_server(run, monkeypatch):
    got = []
    fake = types.ModuleType("relulint.lsp_server")
    fake.main = lambda argv: got.append(argv) or 0
    monkeypatch.setitem(sys.modules, "relulint.lsp_server", fake)
    assert run("lsp", "--tcp", "2087")[0] == 0 and got == [["--tcp", "2087"]]


def test_public_api(tmp_path):
    import relulint

    write(tmp_path, {"pkg/m.py": BUGGY, "pkg/build/x.py": BUGGY})
    results = relulint.lint_paths([tmp_path / "pkg"], relulint.Settings())
    assert [Path(r.path).name for r in results] == ["m.py"]
    assert [f.code for f in results[0].findings] == ["RL101"]
    assert isinstance(results[0].findings[0], relulint.Finding)
    assert results[0].findings[0].severity is relulint.Severity.ERROR
    assert [f.code for f in relulint.lint_source(BUGGY).findings] == ["RL101"]
    with pytest.raises(AttributeError):
        relulint.no_such_name  # noqa: B018


def test_cli_globs_are_relative_to_the_cwd(tmp_path, monkeypatch, capsys):
    write(tmp_path, {"pyproject.toml": "[tool.relulint]\n", "pkg/tests/t.py": BUGGY, "pkg/m.py": BUGGY,
                     "pkg/gen/g.py": BUGGY, "tests/t.py": BUGGY})
    monkeypatch.chdir(tmp_path / "pkg")
    assert main([".", "--no-cache", "--per-file-ignores", "tests/**:RL101", "--extend-exclude", "gen/"]) == 1
    assert [LINE.match(x)["path"] for x in capsys.readouterr().out.splitlines()] == ["m.py"]
    # the same globs in the config file are relative to the config's directory: tests/** is top-level only
    (tmp_path / "pyproject.toml").write_text('[tool.relulint.per-file-ignores]\n"tests/**" = ["RL101"]\n')
    assert main([".", "--no-cache", "--extend-exclude", "gen/"]) == 1
    assert sorted(LINE.match(x)["path"] for x in capsys.readouterr().out.splitlines()) == ["m.py", "tests/t.py"]


def test_stdin_filename_and_force_exclude(tmp_path):
    args = ["--stdin-filename", "legacy/m.py", "--extend-exclude", "legacy", "--no-cache"]
    assert cli(*args, cwd=tmp_path, stdin=BUGGY).returncode == 1
    p = cli(*args, "--force-exclude", cwd=tmp_path, stdin=BUGGY)
    assert (p.returncode, p.stdout) == (0, "")


def test_gitignore_negation_and_anchoring(run, tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "/top.py\n*_gen.py\n!keep_gen.py\n", "top.py": BUGGY, "sub/top.py": BUGGY,
                     "a_gen.py": BUGGY, "keep_gen.py": BUGGY})
    assert sorted(run("--show-files", ".")[1].split()) == ["keep_gen.py", os.path.join("sub", "top.py")]
