"""Which static findings the probed model can judge, and what its measured batch adds.

A static finding is judged with the probe's figures only when its line is code of the model the
entry returned (relulint.dynamic.sourcemap: the classes of its modules, their bases, the helpers
that ran while the entry built it, or an op of its IR network). A finding elsewhere in the same
files is on code the entry never ran: it stays unjudged and says so ("not run by the entry"),
rather than borrowing the figures of another network.
"""

from __future__ import annotations

import os

from relulint.dynamic.judge import Locator
from relulint.dynamic.stats import ProbeReport
from relulint.finding import Finding, Severity

OUTPUT_CODES = ("RL101", "RL102")  # judged on the model's output: only the output activation can be confirmed
DATA_CODES = ("RL301", "RL302", "RL303")  # judged on the entry's batch


def attribute(findings: list[Finding], report: ProbeReport, locator: Locator, settings=None) -> None:
    """Confirm / dismiss the static findings of the probed model; mark the ones it never ran (in place)."""
    from relulint.dynamic.confirm import confirm

    judged = []
    for f in findings:
        if f.confirmation is not None:
            continue
        ran = ran_by_entry(f, locator)
        if ran is None:
            continue
        if not ran:
            f.confirmation = "not-run"
            f.measured = {"text": f"not run by the entry {locator.entry or ''}: this line is not part of the "
                                  f"model it returned ({_model_name(locator)})".replace("entry :", "entry:")}
            continue
        if f.code in OUTPUT_CODES and locator.is_output(report, f.origin) is False:
            _dismiss_hidden(f, report)
            continue
        judged.append(f)
    confirm(judged, report, locator, settings)


def ran_by_entry(f: Finding, locator: Locator) -> bool | None:
    """True: code of the probed model; False: in one of its files but never run by the entry; None: elsewhere."""
    src = locator.source
    if src is None:  # the Python API: only the model's own IR network is known
        return True
    # the finding's own line only: a related site (the loss in the entry) says nothing about the network
    if src.span_at(f.origin.path, f.origin.line) is not None:
        return True
    if locator._site_index(f.origin) is not None:
        return True
    files = {os.path.abspath(p) for p in src.files}
    if f.code in DATA_CODES and src.files and os.path.abspath(f.origin.path) == src.files[0]:
        return True  # module-level data in the entry's own file: what the entry's batch is made of
    if os.path.abspath(f.origin.path) in files:
        return False
    return None


def _model_name(locator: Locator) -> str:
    if locator.net is not None:
        return locator.net.name
    src = locator.source
    root = src.modules.get("") if src is not None else None
    return root.what.removeprefix("class ") if root is not None else "its model"


def _dismiss_hidden(f: Finding, report: ProbeReport) -> None:
    out = report.output_stats
    where = f"{out.label}" if out is not None else "a layer without an activation"
    text = (f"this activation is not the probed model's output: on this batch the output comes from {where}"
            + (f" ({out.zero:.0%} of its entries are 0)" if out is not None and out.zero is not None else ""))
    f.confirmation = "not-confirmed"
    f.measured = {"text": text, "output_layer": out.key if out is not None else None}
    f.severity = Severity.INFO


def measured_input_findings(static: list[Finding], report: ProbeReport, locator: Locator, settings=None
                            ) -> list[Finding]:
    """RL301 from the measured batch when no static RL301 of this model saw it (see relulint.dynamic.scale)."""
    from relulint.dynamic.scale import input_scale_finding

    if any(f.code == "RL301" and f.confirmation == "confirmed" for f in static):
        return []
    found = input_scale_finding(report, locator, settings)
    return [found] if found is not None else []

