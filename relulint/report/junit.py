"""`--format junit`: JUnit XML (one testcase per linted file, one failure per finding) for CI
systems that only display test reports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from relulint.positions import one_based
from relulint.report._common import display_path


def render(results: list, settings: object = None) -> str:
    total = sum(len(r.findings) for r in results)
    suites = ET.Element("testsuites", name="relulint", tests=str(len(results)), failures=str(total))
    suite = ET.SubElement(suites, "testsuite", name="relulint", tests=str(len(results)),
                          failures=str(sum(1 for r in results if r.findings)), errors="0", skipped="0")
    for r in results:
        path = display_path(r.path)
        case = ET.SubElement(suite, "testcase", name=path, classname="relulint", file=path)
        for f in r.findings:
            line, col, _, _ = one_based(f.origin)
            fail = ET.SubElement(case, "failure", message=f"{f.code} {f.message}", type=f.code)
            fail.text = f"{display_path(f.path)}:{line}:{col}: {f.code} [{f.name}] {f.message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
