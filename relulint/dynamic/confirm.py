"""Confirm or dismiss the static findings with what one batch measured; the figure is reported either way.

Each static rule decides for itself (`StaticRule.confirm(finding, report, options)`, thresholds
from its own options); this module only maps the report's layers to source and applies the
verdicts. A confirmed finding keeps its severity; a dismissed one drops to info ("not confirmed"),
so the report still shows the suspicion and the number that dismissed it.
"""

from __future__ import annotations

from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity


def confirm(findings: list[Finding], report: ProbeReport, locator=None, settings=None) -> None:
    """Set `confirmation` and `measured` on the static findings this report can judge (in place).

    `locator` (a `judge.Locator`) records the source sites of the probed layers on the report first;
    a report whose layers already carry their sites needs none."""
    from relulint.config import Settings
    from relulint.rule import StaticRule
    from relulint.rules import BY_CODE

    settings = settings or Settings()
    if locator is not None and hasattr(locator, "annotate"):
        locator.annotate(report)
    for f in findings:
        rule_cls = BY_CODE.get(f.code)
        if rule_cls is None or not issubclass(rule_cls, StaticRule) or f.confirmation is not None:
            continue
        verdict = rule_cls().confirm(f, report, settings.options_for(rule_cls))
        if verdict is None:
            continue
        f.confirmation = "confirmed" if verdict.confirmed else "not-confirmed"
        f.measured = verdict.measured
        if not verdict.confirmed:
            f.severity = Severity.INFO
