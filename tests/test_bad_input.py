"""Bad input never crashes the run: one clear finding for the file, the other files still linted,
no traceback unless -v."""

from __future__ import annotations

import subprocess
import sys

import pytest

from relulint.cli import main

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def go(*args: str):
        code = main([*args, "--no-cache"])
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


def lines(out: str) -> list[str]:
    return out.strip().splitlines()


def test_syntax_error_uses_pythons_position_and_others_are_linted(run, tmp_path):
    (tmp_path / "bad.py").write_text("import torch\n\ndef f(:\n    pass\n")
    (tmp_path / "good.py").write_text(BUGGY)
    try:
        compile((tmp_path / "bad.py").read_text(), "bad.py", "exec")
    except SyntaxError as exc:
        want = f"bad.py:{exc.lineno}:{exc.offset}: RL000 [syntax-error] syntax error: {exc.msg}"
    code, out, err = run(".")
    assert code == 1 and "Traceback" not in err
    assert len(lines(out)) == 2 and lines(out)[0] == want
    assert lines(out)[1].startswith("good.py:2:40: RL101")


def test_binary_file(run, tmp_path):
    (tmp_path / "blob.py").write_bytes(b"\x00\x01\x02binary\x00")
    code, out, err = run("blob.py")
    assert code == 1 and lines(out) == ["blob.py:1:1: RL001 [unreadable-file] binary file, not Python source"]


def test_non_utf8_file(run, tmp_path):
    (tmp_path / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    code, out, _ = run("latin.py")
    assert code == 1 and lines(out)[0].startswith("latin.py:1:1: RL001 [unreadable-file] not valid UTF-8")


def test_nonexistent_path_is_reported_and_the_run_goes_on(run, tmp_path):
    (tmp_path / "good.py").write_text(BUGGY)
    code, out, err = run("missing.py", "good.py")
    assert code == 1 and "Traceback" not in err
    assert lines(out)[0].startswith("good.py:2:40: RL101")
    assert lines(out)[1] == "missing.py:1:1: RL001 [unreadable-file] no such file or directory"


def test_unreadable_file(run, tmp_path):
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    code, out, err = run("dangling.py")
    assert code == 1 and lines(out)[0].startswith("dangling.py:1:1: RL001 [unreadable-file] cannot read file")
    assert "Traceback" not in err


def test_empty_file_is_clean(run, tmp_path):
    (tmp_path / "empty.py").write_text("")
    assert run("empty.py")[0] == 0


def test_crash_inside_a_file_is_isolated_traceback_only_with_v(run, tmp_path, monkeypatch):
    import relulint.source as source

    def boom(path, code, module=None, syntax=None):
        if path.endswith("crash.py"):
            raise RuntimeError("frontend exploded")
        return real(path, code, module, syntax)

    real = source.lower_source
    monkeypatch.setattr(source, "lower_source", boom)
    (tmp_path / "crash.py").write_text("import torch\n")
    (tmp_path / "good.py").write_text(BUGGY)
    code, out, err = run("crash.py", "good.py")
    assert code == 1 and "Traceback" not in err
    assert lines(out)[0] == "crash.py:1:1: RL001 [internal-error] relulint failed on this file: " \
                            "RuntimeError: frontend exploded"
    assert lines(out)[1].startswith("good.py:2:40: RL101")
    code, out, err = run("crash.py", "-v")
    assert "Traceback" in err and "frontend exploded" in err


def test_internal_error_of_relulint_itself_exits_2(run, tmp_path, monkeypatch):
    import relulint.cli as cli

    monkeypatch.setattr(cli, "lint", lambda *a, **k: 1 / 0)
    (tmp_path / "good.py").write_text(BUGGY)
    code, out, err = run("good.py")
    assert code == 2 and "internal error: ZeroDivisionError" in err and "Traceback" not in err


def test_bad_stdin_bytes(tmp_path):
    p = subprocess.run([sys.executable, "-m", "relulint", "-", "--no-cache"], cwd=tmp_path,
                       input=b"x = '\xff'\n", capture_output=True, timeout=120)
    assert p.returncode == 1 and p.stdout.decode().startswith("-:1:1: RL001 [unreadable-file] not valid UTF-8")


def test_graph_file_without_graph_pass_is_a_finding_not_a_crash(run, tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"this is not protobuf")
    code, out, err = run("model.onnx")
    assert code == 1 and "Traceback" not in err
    assert lines(out)[0].startswith("model.onnx:1:1: RL002")


def test_internal_error_message_is_one_line(monkeypatch, tmp_path):
    """An unexpected exception becomes one RL001 whose message is one short line; the whole text
    (a KeyError on a libcst node prints the node's entire repr) stays in the traceback evidence."""
    import relulint.engine as engine
    from relulint.config import Settings

    target = tmp_path / "model.py"
    target.write_text("import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(2, 1))\n")

    def boom(*args, **kwargs):
        raise KeyError("Subscript(\n" + "    value=Name(\n" * 200 + ")")

    monkeypatch.setattr(engine, "lint_source", boom)
    result = engine.lint_file(str(target), Settings(), engine.FactsCache())
    [finding] = result.findings
    assert finding.code == "RL001"
    assert "\n" not in finding.message and len(finding.message) < 300
    assert finding.message.startswith("relulint failed on this file: KeyError: ")
    assert "value=Name(" in finding.evidence["traceback"]
