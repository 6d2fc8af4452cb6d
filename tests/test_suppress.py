"""Inline suppressions: noqa with codes, relulint: ignore (line / next statement, stackable),
file-ignore, bare noqa ignored, unknown codes -> RL004."""

from __future__ import annotations

import textwrap

from relulint.config import Settings
from relulint.engine import lint_source
from relulint.suppress import parse

KNOWN = {"RL101", "RL102", "RL201", "RL203", "RL004"}


def lint(code: str, settings: Settings | None = None) -> list[tuple[int, str]]:
    src = textwrap.dedent(code).lstrip("\n")
    return sorted((f.origin.line, f.code) for f in lint_source(src, "<mem>.py", settings, neighbours=False).findings)


# ------------------------------------------------------------------------------------ parse()


def test_noqa_with_codes_covers_its_line_only():
    s = parse("x = 1  # noqa: RL101, RL203\ny = 2\n", known_codes=KNOWN)
    assert s.covers("RL101", 1) and s.covers("RL203", 1)
    assert not s.covers("RL101", 2) and not s.covers("RL201", 1) and not s.invalid


def test_noqa_keyword_case_insensitive_codes_exact():
    s = parse("x = 1  # NOQA:RL101\n", known_codes=KNOWN)
    assert s.covers("RL101", 1)
    s = parse("x = 1  # noqa: rl101\n", known_codes=KNOWN)
    assert not s.covers("RL101", 1) and [f.code for f in s.invalid] == ["RL004"]


def test_bare_noqa_does_not_suppress():
    s = parse("x = 1  # noqa\n", known_codes=KNOWN)
    assert not s.lines and not s.file_codes and not s.invalid


def test_other_tools_codes_in_noqa_are_not_ours_to_judge():
    s = parse("x = 1  # noqa: E501, RL101, F401\n", known_codes=KNOWN)
    assert s.covers("RL101", 1) and not s.invalid


def test_ignore_at_line_end_covers_that_line():
    s = parse("x = 1  # relulint: ignore[RL101]\ny = 2\n", known_codes=KNOWN)
    assert s.covers("RL101", 1) and not s.covers("RL101", 2)


def test_own_line_ignore_covers_the_whole_next_statement_and_stacks():
    src = textwrap.dedent("""\
        a = 0
        # relulint: ignore[RL101]
        # relulint: ignore[RL201]

        model = f(
            1,
            2,
        )
        b = 3
    """)
    s = parse(src, known_codes=KNOWN)
    for line in (5, 6, 7, 8):
        assert s.covers("RL101", line) and s.covers("RL201", line)
    assert not s.covers("RL101", 1) and not s.covers("RL101", 9) and not s.covers("RL203", 6)


def test_file_ignore():
    s = parse("# relulint: file-ignore[RL201]\nx = 1\n\n\ny = 2\n", known_codes=KNOWN)
    assert s.covers("RL201", 1) and s.covers("RL201", 5) and not s.covers("RL101", 5)


def test_unknown_and_malformed_codes_are_rl004():
    src = "x = 1  # noqa: RL999\ny = 2  # relulint: ignore[RL10]\n# relulint: ignore\nz = 3  # relulint: file-ignore[]\n"
    s = parse(src, known_codes=KNOWN)
    got = sorted((f.origin.line, f.code) for f in s.invalid)
    assert got == [(1, "RL004"), (2, "RL004"), (3, "RL004"), (4, "RL004")]
    assert "RL999" in s.invalid[0].message


def test_comments_in_strings_are_not_suppressions():
    s = parse('x = "# noqa: RL101"\n', known_codes=KNOWN)
    assert not s.covers("RL101", 1)


# ------------------------------------------------------------------------------------ end to end

MODEL = """
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(8, 1), nn.ReLU()){comment}
    loss_fn = nn.MSELoss()
"""


def test_e2e_unsuppressed():
    assert lint(MODEL.format(comment="")) == [(2, "RL101")]


def test_e2e_noqa_and_ignore_on_the_line():
    assert lint(MODEL.format(comment="  # noqa: RL101")) == []
    assert lint(MODEL.format(comment="  # relulint: ignore[RL101]")) == []
    assert lint(MODEL.format(comment="  # noqa: RL201")) == [(2, "RL005"), (2, "RL101")]  # another code: unused


def test_e2e_bare_noqa_keeps_the_finding():
    assert lint(MODEL.format(comment="  # noqa")) == [(2, "RL101")]


def test_e2e_noqa_applies_where_the_finding_starts():
    code = """
        import torch.nn as nn
        model = nn.Sequential(  # noqa: RL101
            nn.Linear(8, 1),
            nn.ReLU(),
        )
        loss_fn = nn.MSELoss()
    """
    assert lint(code) == [(2, "RL005"), (4, "RL101")]  # the noqa on line 2 silences nothing
    assert lint(code.replace("  # noqa: RL101", "").replace("nn.ReLU(),", "nn.ReLU(),  # noqa: RL101")) == []


def test_e2e_own_line_ignore_covers_a_multiline_statement():
    code = """
        import torch.nn as nn
        # relulint: ignore[RL101]
        model = nn.Sequential(
            nn.Linear(8, 1),
            nn.ReLU(),
        )
        loss_fn = nn.MSELoss()
    """
    assert lint(code) == []


def test_e2e_file_ignore():
    assert lint("# relulint: file-ignore[RL101]\n" + textwrap.dedent(MODEL.format(comment=""))) == []


def test_e2e_unknown_code_is_rl004_and_can_be_ignored():
    code = MODEL.format(comment="  # noqa: RL101, RL998")
    assert lint(code) == [(2, "RL004")]
    assert lint(code, Settings(ignore=["RL004"])) == []


def test_own_line_ignore_inside_a_layer_list_covers_the_next_line_only():
    src = textwrap.dedent("""\
        model = f(
            a,
            # relulint: ignore[RL101]

            b,
            c,
        )
        d = 1
    """)
    s = parse(src, known_codes=KNOWN)
    assert s.covers("RL101", 5) and not any(s.covers("RL101", n) for n in (1, 2, 6, 7, 8))


def test_e2e_own_line_ignore_inside_sequential():
    code = """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(8, 1),
            # relulint: ignore[RL101]
            nn.ReLU(),
        )
        loss_fn = nn.MSELoss()
    """
    assert lint(code) == []
    assert lint(code.replace("# relulint: ignore[RL101]", "# a comment")) == [(5, "RL101")]
