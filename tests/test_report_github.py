"""GitHub workflow commands: escaping per the spec, 1-based columns, no col on multi-line spans."""

from __future__ import annotations

from relulint.engine import FileResult
from relulint.finding import Finding, Severity
from relulint.ir import Origin
from relulint.report import github


def _finding(origin: Origin, message: str = "m", severity: Severity = Severity.ERROR) -> Finding:
    return Finding(code="RL101", name="relu-regression-output", severity=severity, message=message,
                   origin=origin)


def test_single_line_annotation():
    f = _finding(Origin("model.py", 3, 4, 3, 13), "relu on the output")
    out = github.render([FileResult("model.py", [f])], None)
    assert out == "::error file=model.py,line=3,col=5,endLine=3,endColumn=14,title=RL101::RL101 relu on the output\n"


def test_escaping_of_message_and_properties():
    f = _finding(Origin("dir,with:odd%name.py", 1, 0, 1, 1), "50% of\r\nunits: dead, really",
                 Severity.WARNING)
    line = github.render([FileResult(f.path, [f])], None)
    assert line.startswith("::warning file=dir%2Cwith%3Aodd%25name.py,line=1,col=1,")
    # data part: %, CR and LF escaped; ':' and ',' are left alone in the message
    assert line.rstrip("\n").endswith("::RL101 50%25 of%0D%0Aunits: dead, really")
    assert line.count("\n") == 1


def test_multiline_span_omits_columns_and_info_is_notice():
    f = _finding(Origin("m.py", 2, 4, 5, 1), severity=Severity.INFO)
    line = github.render([FileResult("m.py", [f])], None)
    assert line == "::notice file=m.py,line=2,endLine=5,title=RL101::RL101 m\n"


def test_no_findings_no_output():
    assert github.render([FileResult("m.py", [])], None) == ""


def test_junit_lists_each_file(tmp_path):
    import xml.etree.ElementTree as ET

    from relulint.report import junit

    f = _finding(Origin("a.py", 1, 0, 1, 2), "bad <thing> & more")
    g = _finding(Origin("a.py", 3, 4, 3, 6), "second")
    root = ET.fromstring(junit.render([FileResult("a.py", [f, g]), FileResult("b.py", [])], None)
                         .split("\n", 1)[1])
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["a.py", "b.py"]
    a_cases, b_cases = (s.findall("testcase") for s in suites)
    assert [c.get("name") for c in a_cases] == ["RL101 [relu-regression-output] a.py:1:1",
                                               "RL101 [relu-regression-output] a.py:3:5"]
    assert a_cases[0].find("failure").get("type") == "RL101"
    assert a_cases[0].find("failure").get("message") == "RL101 bad <thing> & more"
    assert [c.find("failure") for c in b_cases] == [None]


def test_junit_totals_agree(tmp_path):
    """Each count is the number of elements it describes; the top totals are the suites' sums."""
    import xml.etree.ElementTree as ET

    from relulint.report import junit

    results = [FileResult("a.py", [_finding(Origin("a.py", n, 0, n, 1), "m") for n in (1, 2, 3)]),
               FileResult("b.py", []),
               FileResult("c.py", [_finding(Origin("c.py", 1, 0, 1, 1), "m")]),
               FileResult("d.py", [])]
    root = ET.fromstring(junit.render(results, None).split("\n", 1)[1])
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in root.findall("testsuite")), key
    assert (root.get("tests"), root.get("failures")) == ("6", "4")
