"""`--format junit`: JUnit XML for CI systems that only display test reports.

Ruff's layout: one `testsuite` per linted file; one failing `testcase` per finding (named by code
and position), or one passing `testcase` for a clean file. Every count is the number of elements
it describes, so the `testsuites` totals are the sums of the suites'.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from relulint.positions import one_based
from relulint.report._common import display_path


def render(results: list, settings: object = None) -> str:
    suites = ET.Element("testsuites", name="relulint")
    for r in results:
        path = display_path(r.path)
        suite = ET.SubElement(suites, "testsuite", name=path, package="relulint")
        for f in r.findings:
            line, col, _, _ = one_based(f.origin)
            where = f"{display_path(f.path)}:{line}:{col}"
            case = ET.SubElement(suite, "testcase", name=f"{f.code} [{f.name}] {where}", classname=path,
                                 file=display_path(f.path), line=str(line))
            fail = ET.SubElement(case, "failure", message=f"{f.code} {f.message}", type=f.code)
            fail.text = f"{where}: {f.code} [{f.name}] {f.message}"
        if not r.findings:
            ET.SubElement(suite, "testcase", name="no findings", classname=path, file=path)
        _count(suite)
    _count(suites)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _count(element: ET.Element) -> None:
    """tests / failures / errors / skipped of a suite (or of all suites) from what it holds."""
    cases = element.findall(".//testcase")
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", "0")
    element.set("skipped", "0")
