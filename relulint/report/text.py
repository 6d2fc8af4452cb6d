"""Human output: concise (one line a finding) and full (with a code frame), the summary line and
--statistics. Pure functions of the findings; positions shown 1-based (line and column)."""

from __future__ import annotations

from collections import Counter

from relulint.finding import Finding, Severity
from relulint.report import all_findings

_SEVERITY_COLOR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
MAX_FRAME_LINES = 6


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def sev(self, text: str, severity: Severity) -> str:
        return self(text, "1;" + _SEVERITY_COLOR.get(severity, "0"))


def fixable(f: Finding, unsafe_fixes: bool = False) -> bool:
    """Shown as [*]: a fix the --fix run would apply (unsafe ones only with --unsafe-fixes)."""
    if f.fix is None or not f.fix.edits:
        return False
    return f.fix.applicability == "safe" or (unsafe_fixes and f.fix.applicability == "unsafe")


def measured_text(f: Finding) -> str | None:
    """The dynamic pass's figure: its own sentence when it wrote one, else key=value pairs."""
    m = f.measured
    if not m:
        return None
    if not isinstance(m, dict):
        return str(m)
    if isinstance(m.get("text"), str):
        return m["text"]
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items())


def _suffix(f: Finding) -> str:
    if f.confirmation is None:
        return ""
    text = measured_text(f)
    if f.confirmation == "not-run" and text:  # the text says it: "not run by the entry train.py:..."
        return f" ({text})"
    return f" ({f.confirmation.replace('-', ' ')}{': ' + text if text else ''})"


def show_path(path: str) -> str:
    """Relative to the cwd (neighbour files are read, and graphs point at sources, by absolute path)."""
    from relulint.report._common import display_path

    return display_path(path)


def _where(f: Finding) -> str:
    return where(f.origin)


def where(o) -> str:
    """path:line:col, or ruff's path:cell N:line:col in a notebook."""
    cell = f"cell {o.cell}:" if getattr(o, "cell", None) is not None else ""
    return f"{show_path(o.path)}:{cell}{o.line}:{o.col + 1}"


def concise_line(f: Finding, style: Style, unsafe_fixes: bool = False) -> str:
    star = " [*]" if fixable(f, unsafe_fixes) else ""
    return (f"{style(_where(f), '1')}: {style.sev(f.code, f.severity)}{star} "
            f"[{f.name}] {f.message}{_suffix(f)}")


def render_concise(results: list, settings=None, *, color: bool = False, unsafe_fixes: bool = False,
                   **_: object) -> str:
    style = Style(color)
    lines = [concise_line(f, style, unsafe_fixes) for f in all_findings(results)]
    return "".join(line + "\n" for line in lines)


def render_full(results: list, settings=None, *, color: bool = False, unsafe_fixes: bool = False,
                **_: object) -> str:
    style = Style(color)
    sources = {r.path: r.source for r in results if r.source is not None}
    blocks = [full_block(f, sources.get(f.origin.path), style, unsafe_fixes) for f in all_findings(results)]
    return "".join(b + "\n" for b in blocks)


def full_block(f: Finding, source: str | None, style: Style, unsafe_fixes: bool = False) -> str:
    star = " [*]" if fixable(f, unsafe_fixes) else ""
    head = style.sev(f"{f.severity.value}[{f.code}]", f.severity) + f"{star} [{f.name}]: {style(f.message, '1')}"
    confirmation = f" ({f.confirmation.replace('-', ' ')})" if f.confirmation else ""
    out = [head + confirmation, f" {style('-->', '34')} {_where(f)}"]
    out += code_frame(f, source, style)
    if measured_text(f):
        out.append(f"{style('measured', '1')}: {measured_text(f)}")
    help_text = f.fix.message if f.fix is not None else f.help
    if help_text:
        out.append(f"{style('help', '1;36')}: {help_text}")
    for origin, message in f.related:
        out.append(f"{style('related', '1;34')}: {where(origin)}: {message}")
    return "\n".join(out) + "\n"


def code_frame(f: Finding, source: str | None, style: Style) -> list[str]:
    """Numbered source lines of the finding with ^^^ under its span (ruff / rustc style)."""
    if not source:
        return []
    lines = source.splitlines()
    o = f.origin
    if not 1 <= o.line <= len(lines):
        return []
    end_line = o.end_line if o.end_line and o.end_line >= o.line else o.line
    end_line = min(end_line, len(lines), o.line + MAX_FRAME_LINES - 1)
    width = len(str(end_line))
    bar = style("|", "34")
    out = [f"{' ' * width} {bar}"]
    span_end = o.end_line if o.end_line and o.end_line >= o.line else o.line
    for n in range(o.line, end_line + 1):
        text = lines[n - 1].replace("\t", " ")  # one column per code point, as positions count
        out.append(f"{style(str(n).rjust(width), '34')} {bar} {text}")
        start = o.col if n == o.line else len(text) - len(text.lstrip())
        stop = o.end_col if n == span_end and o.end_col is not None else len(text.rstrip())
        stop = max(stop, start + 1)
        out.append(f"{' ' * width} {bar} {' ' * start}{style.sev('^' * (stop - start), f.severity)}")
    out.append(f"{' ' * width} {bar}")
    return out


def summary(findings: list[Finding], unsafe_fixes: bool = False) -> str:
    """The one-line summary for stderr: 'Found 3 findings in 2 files.' / 'All checks passed!'"""
    if not findings:
        return "All checks passed!"
    files = len({f.origin.path for f in findings})
    n = len(findings)
    text = f"Found {n} finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}."
    safe = sum(fixable(f, False) for f in findings)
    unsafe = sum(fixable(f, True) for f in findings) - safe
    if safe or (unsafe and unsafe_fixes):
        text += f"\n[*] {safe + (unsafe if unsafe_fixes else 0)} fixable with the `--fix` option."
    elif unsafe:
        text += f"\n{unsafe} fix{'es' if unsafe != 1 else ''} available with `--fix --unsafe-fixes`."
    return text


def statistics(findings: list[Finding], unsafe_fixes: bool = False) -> list[dict]:
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fix = {f.code for f in findings if fixable(f, unsafe_fixes)}
    return [{"code": c, "name": names[c], "count": n, "fixable": c in fix}
            for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def render_statistics(findings: list[Finding], unsafe_fixes: bool = False) -> str:
    rows = statistics(findings, unsafe_fixes)
    width = max((len(str(r["count"])) for r in rows), default=1)
    return "".join(f"{r['count']:>{width}}\t{r['code']}\t{'[*] ' if r['fixable'] else '    '}{r['name']}\n"
                   for r in rows)


# ------------------------------------------------------------------------------------ rule docs

_FIX_WORDS = {"Always": "Fix is always available.", "Sometimes": "Fix is sometimes available.",
              "None": "Fix is not available."}


def rule_markdown(rule: type) -> str:
    """`relulint rule RL201`: the header, metadata lines, then the rule's own docstring."""
    passes = ", ".join(sorted(rule.PASSES))
    head = [
        f"# {rule.NAME} ({rule.CODE})",
        "",
        f"Severity: {rule.SEVERITY.value}",
        "",
        _FIX_WORDS[rule.fix_availability()],
        "",
        f"Passes: {passes}",
        "",
    ]
    return "\n".join(head) + "\n" + rule.doc().rstrip() + "\n"
