"""ruff habits: `--fix` says "N fixed, M remaining", `--fix -` / `--diff -` for editors, `--add-noqa`,
and RL005 for suppressions that silence nothing (ruff's RUF100)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from relulint.cli import main
from relulint.config import Settings
from relulint.engine import lint_source
from relulint.fixes import attach, fix_source

BUGGY = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1), nn.ReLU())\nloss_fn = nn.MSELoss()\n"
FIXED = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(8, 1))\nloss_fn = nn.MSELoss()\n"
NO_FIX = "import torch.nn as nn\nclf = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))\nloss_fn = nn.MSELoss()\n"


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """main() in tmp_path, without the cache: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: (main([*args, "--no-cache"]), *_taken(capsys))


def _taken(capsys) -> tuple[str, str]:
    out = capsys.readouterr()
    return out.out, out.err


def stdin_cli(*args: str, cwd, stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relulint", *args, "--no-cache"], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)


def codes(src: str, settings: Settings | None = None) -> list[tuple[int, str]]:
    src = textwrap.dedent(src).lstrip("\n")
    return sorted((f.origin.line, f.code) for f in lint_source(src, "<mem>.py", settings, neighbours=False).findings)


# ------------------------------------------------------------------------------------ --fix summary


def test_fix_reports_fixed_and_remaining(run, tmp_path):
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(NO_FIX)
    code, out, err = run("a.py", "b.py", "--fix", "--unsafe-fixes")
    assert code == 1
    assert "Found 2 findings (1 fixed, 1 remaining)." in err
    assert "RL102" in out and "RL101" not in out
    assert (tmp_path / "a.py").read_text() == FIXED
    code, _, err = run("a.py", "--fix", "--unsafe-fixes")
    assert code == 0 and "All checks passed!" in err  # nothing left to fix: the plain summary
    (tmp_path / "a.py").write_text(BUGGY)
    code, _, err = run("a.py", "--fix", "--unsafe-fixes")
    assert code == 0 and "Found 1 finding (1 fixed, 0 remaining)." in err
    (tmp_path / "a.py").write_text(BUGGY)
    code, out, err = run("a.py", "--fix", "--unsafe-fixes", "--format", "json", "-q")
    assert code == 0 and out.strip() == "[]" and err == ""  # machine formats stay clean


# ------------------------------------------------------------------------------------ stdin


def test_fix_stdin_prints_the_fixed_source(tmp_path):
    p = stdin_cli("--fix", "--unsafe-fixes", "-", "--stdin-filename", "pkg/model.py", cwd=tmp_path, stdin=BUGGY.encode())
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == FIXED
    assert b"1 fixed, 0 remaining" in p.stderr
    # CRLF and a BOM-less input come back as they went in, apart from the fix
    p = stdin_cli("--fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=BUGGY.replace("\n", "\r\n").encode())
    assert p.stdout == FIXED.replace("\n", "\r\n").encode()


def test_fix_stdin_echoes_input_when_nothing_applies(tmp_path):
    for data in (NO_FIX.encode(), b"x = 1\n", b"def broken(:\n", b"caf\xe9 = 1\n"):
        p = stdin_cli("--fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=data)
        assert p.stdout == data  # the editor's buffer is never replaced by something else
        assert b"Traceback" not in p.stderr
    p = stdin_cli("--fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=NO_FIX.encode())
    assert p.returncode == 1 and b"RL102" in p.stderr  # what remains goes to stderr


def test_diff_stdin(tmp_path):
    p = stdin_cli("--diff", "--unsafe-fixes", "-", "--stdin-filename", "m.py", cwd=tmp_path, stdin=BUGGY.encode())
    assert p.returncode == 1
    assert p.stdout.decode().splitlines()[:2] == ["--- a/m.py", "+++ b/m.py"]
    assert "+model = nn.Sequential(nn.Linear(8, 1))" in p.stdout.decode()
    p = stdin_cli("--diff", "--unsafe-fixes", "-", cwd=tmp_path, stdin=NO_FIX.encode())
    assert p.returncode == 0 and p.stdout == b""


def test_fix_files_and_stdin_together_is_a_usage_error(run, tmp_path):
    (tmp_path / "a.py").write_text(BUGGY)
    code, _, err = run("a.py", "-", "--fix")
    assert code == 2 and "not both" in err
    assert (tmp_path / "a.py").read_text() == BUGGY


# ------------------------------------------------------------------------------------ --add-noqa


def test_add_noqa_adds_extends_and_then_silences(run, tmp_path):
    src = textwrap.dedent("""\
        import torch.nn as nn
        a = nn.Sequential(nn.Linear(8, 1), nn.ReLU())  # noqa: E501
        b = nn.Sequential(nn.Linear(8, 1), nn.ReLU())  # a note
        c = nn.Sequential(
            nn.Linear(8, 1),
            nn.ReLU(),
        )
        d = nn.Sequential(nn.Linear(8, 4), nn.Softmax(dim=1))
        loss_fn = nn.MSELoss()
    """)
    (tmp_path / "m.py").write_bytes(src.replace("\n", "\r\n").encode())
    code, _, err = run("m.py", "--add-noqa")
    assert code == 0 and "Added 4 noqa directives." in err
    new = (tmp_path / "m.py").read_bytes().decode()
    assert "\r\n" in new and "\n" not in new.replace("\r\n", "")  # line endings kept
    lines = new.splitlines()
    assert lines[1].endswith("# noqa: E501, RL101")
    assert lines[2].endswith("# a note  # noqa: RL101")
    assert lines[5] == "    nn.ReLU(),  # noqa: RL101"
    assert lines[7].endswith("  # noqa: RL102")
    code, _, err = run("m.py")
    assert code == 0
    code, _, err = run("m.py", "--add-noqa")
    assert code == 0 and "Added 0 noqa directives." in err


def test_add_noqa_leaves_lines_that_end_inside_a_string(run, tmp_path):
    src = textwrap.dedent('''\
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(8, 1), nn.ReLU(), name="""a
        b""") if True else \\
            None
        loss_fn = nn.MSELoss()
    ''')
    from relulint.engine import engine_finding
    from relulint.suppress import add_noqa

    findings = [engine_finding("RL101", "x", "m.py", "m", line=2), engine_finding("RL201", "x", "m.py", "m", line=3)]
    new, n = add_noqa(src, findings)
    assert n == 0 and new == src  # line 2 ends inside the string, line 3 with a backslash
    compile(new, "m.py", "exec")


# ------------------------------------------------------------------------------------ RL005

MODEL = """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(8, 1), nn.ReLU()){comment}
    loss_fn = nn.MSELoss()
"""


@pytest.mark.parametrize("comment", ["  # noqa: RL101", "  # relulint: ignore[RL101]", "  # noqa: RL101, E501"])
def test_used_suppression_is_silent(comment):
    assert codes(MODEL.format(comment=comment)) == []


@pytest.mark.parametrize("comment", ["  # noqa: RL201", "  # relulint: ignore[RL203]", "  # noqa: E501, RL201"])
def test_unused_suppression_is_rl005(comment):
    assert codes(MODEL.format(comment=comment)) == [(2, "RL005"), (2, "RL101")]


def test_rl005_file_ignore_and_own_line_ignore():
    assert codes("# relulint: file-ignore[RL201]\n" + textwrap.dedent(MODEL.format(comment=""))) == \
        [(1, "RL005"), (4, "RL101")]
    assert codes("# relulint: file-ignore[RL101]\n" + textwrap.dedent(MODEL.format(comment=""))) == []
    own = """
        import torch.nn as nn
        # relulint: ignore[RL101, RL201]
        model = nn.Sequential(
            nn.Linear(8, 1),
            nn.ReLU(),
        )
        loss_fn = nn.MSELoss()
    """
    (f,) = [f for f in lint_source(textwrap.dedent(own).lstrip(), "m.py", neighbours=False).findings]
    assert f.code == "RL005" and f.origin.line == 2 and f.evidence["codes"] == ["RL201"]


def test_rl005_does_not_judge_codes_that_cannot_fire_here():
    # dynamic-pass codes, graph-only codes and rules switched off are not judged by the source pass
    assert codes(MODEL.format(comment="  # noqa: RL101, RL401, RL501")) == []
    assert codes(MODEL.format(comment="  # noqa: RL101, RL201"), Settings(ignore=["RL201"])) == []
    # unknown codes are RL004's business, not RL005's
    assert codes(MODEL.format(comment="  # noqa: RL101, RL998")) == [(2, "RL004")]
    # a suppression kept on purpose: RL005 is itself suppressible
    assert codes(MODEL.format(comment="  # noqa: RL101, RL201, RL005")) == []
    # RL005 is an engine code: ignorable like any other
    assert codes(MODEL.format(comment="  # noqa: RL201"), Settings(ignore=["RL005"])) == [(2, "RL101")]


@pytest.mark.parametrize("before, after", [
    ("x = 1  # noqa: RL201\n", "x = 1\n"),
    ("x = 1  # noqa: E501, RL201\n", "x = 1  # noqa: E501\n"),
    ("x = 1  # noqa: RL201, RL203\n", "x = 1\n"),
    ("# relulint: ignore[RL201]\nx = 1\n", "x = 1\n"),
    ("x = 1  # relulint: ignore[RL201, RL203]\n", "x = 1\n"),
    ("# relulint: file-ignore[RL201]\nx = 1\n", "x = 1\n"),
])
def test_rl005_fix_removes_the_unused_codes(before, after):
    src = "import torch.nn as nn\n" + before
    findings = attach(lint_source(src, "m.py", neighbours=False).findings, {"m.py": src})
    assert {f.code for f in findings} == {"RL005"}
    # RL201/RL203 are graph-pass codes too: the comment may silence an exported graph's finding placed
    # on this line, which the source pass cannot see; so the removal is an unsafe fix
    assert fix_source(src, findings)[0] == src
    new, done = fix_source(src, findings, unsafe=True)
    assert new == "import torch.nn as nn\n" + after and done


def test_rl005_fix_is_safe_for_source_only_codes():
    src = "import torch.nn as nn\nx = 1  # noqa: E501, RL302\n"  # RL302 runs on source only (RL301 on graphs too)
    (f,) = attach(lint_source(src, "m.py", neighbours=False).findings, {"m.py": src})
    assert f.code == "RL005" and f.fix.applicability == "safe"
    assert fix_source(src, [f])[0] == "import torch.nn as nn\nx = 1  # noqa: E501\n"


def test_rl005_no_fix_when_the_comment_holds_more_than_the_directive():
    src = "import torch.nn as nn\nx = 1  # keep this note  # noqa: RL201\n"
    (f,) = attach(lint_source(src, "m.py", neighbours=False).findings, {"m.py": src})
    assert f.code == "RL005" and f.fix is None


def test_rl005_fix_survives_a_cache_hit(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text("import torch.nn as nn\nx = 1  # noqa: RL302\n")
    assert main(["m.py"]) == 1
    assert main(["m.py", "--fix"]) == 0  # the second run is a cache hit: the fix is recomputed
    assert (tmp_path / "m.py").read_text() == "import torch.nn as nn\nx = 1\n"
    capsys.readouterr()


def test_rule_rl005_explains_itself(capsys):
    assert main(["rule", "RL005"]) == 0
    assert "unused-suppression" in capsys.readouterr().out
