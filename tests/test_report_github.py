"""GitHub workflow commands: escaping per the spec, 1-based columns, no col on multi-line spans."""

from __future__ import annotations

from relulint.engine import FileResult
from relulint.finding import Finding, Severity
from relulint.model import Origin
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
    root = ET.fromstring(junit.render([FileResult("a.py", [f]), FileResult("b.py", [])], None)
                         .split("\n", 1)[1])
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["a.py", "b.py"]
    assert cases[0].find("failure").get("type") == "RL101"
    assert cases[1].find("failure") is None
