"""`relulint --dynamic`: import the entry point, probe one batch, confirm the static findings,
add the dynamic ones, print the per-layer table. Any failure is one RL003 finding for that file."""

from __future__ import annotations

import os
import sys
import traceback

from relulint.dynamic.torch_probe import ProbeError
from relulint.graph import graph_format


def run_dynamic(args, results: list, settings) -> list:
    """Called by the CLI after the static pass; returns the results with dynamic findings added."""
    from relulint.engine import FileResult

    by_abs = {os.path.abspath(r.path): r for r in results if r.path != "-"}
    explicit = {os.path.abspath(p) for p in (getattr(args, "paths", None) or []) if os.path.isfile(p)}
    entry = getattr(args, "entry", None)
    jobs: list[str | None] = []
    if entry:
        jobs.append(None)
    else:
        for r in results:
            ab = os.path.abspath(r.path)
            if graph_format(r.path) == "onnx":
                jobs.append(r.path)
            elif r.path.endswith(".py") and (ab in explicit or _mentions_entry(r.path)):
                jobs.append(r.path)
    for path in jobs:
        try:
            if path is not None and graph_format(path) == "onnx":
                target, findings = _probe_onnx(path, args, settings)
            else:
                target, findings = _probe_python(path, entry, args, settings, by_abs, results)
        except ProbeError as exc:
            target = path or _entry_file(entry) or "<entry>"
            findings = [_rl003(target, str(exc), args)]
        except Exception as exc:  # a bug in relulint itself must not look like the user's
            target = path or _entry_file(entry) or "<entry>"
            findings = [_rl003(target, f"internal error in the dynamic pass: {type(exc).__name__}: {exc}", args)]
        result = by_abs.get(os.path.abspath(target))
        if result is None:
            result = FileResult(path=target)
            results.append(result)
            by_abs[os.path.abspath(target)] = result
        for f in findings:
            owner = by_abs.get(os.path.abspath(f.origin.path), result)
            owner.findings.append(f)
    return results


def _mentions_entry(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "def relulint_batch" in fh.read()
    except OSError:
        return False


def _entry_file(entry: str | None) -> str | None:
    if not entry:
        return None
    target = entry.rpartition(":")[0]
    return target if target.endswith(".py") else None


def _rl003(path: str, message: str, args) -> object:
    from relulint.engine import engine_finding

    evidence = {}
    if getattr(args, "verbose", False):
        evidence["traceback"] = traceback.format_exc()
        print(evidence["traceback"], file=sys.stderr)
    return engine_finding("RL003", "dynamic-probe-failed", path, f"dynamic probe failed: {message}",
                          evidence=evidence)


def _say(args, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def probe_file(path: str | None, entry: str | None = None, settings=None, device: str | None = None,
               steps: int = 0, samples: int = 0, by_abs: dict | None = None):
    """Import the entry point, probe, judge and locate: (target path, findings, reports, locator, files).

    `files` are the entry's file and every user file the live model is made of (its classes, their
    bases, the helpers that built it), as the static results spell them. Prints nothing; the CLI
    and the tests share it.
    """
    from relulint import suppress
    from relulint.dynamic.entry import load_entry
    from relulint.dynamic.judge import judge, judge_steps, locator_for
    from relulint.dynamic.sourcemap import model_source
    from relulint.ir import Origin

    by_abs = by_abs or {}
    e = load_entry(path, entry)
    target = path or _display(e.path, by_abs) or "<entry>"
    fallback = Origin(path=_display(e.path, by_abs) or target, line=e.line)
    if e.framework == "keras":
        from relulint.dynamic.keras_probe import probe_keras

        reports = [probe_keras(e.model, e.inputs, e.targets)]
        names = {layer.name for layer in getattr(e.model, "layers", [])}
        if steps:
            reports[0].notes.append("--steps is not supported for Keras models: one batch probed")
            steps = 0
    else:
        from relulint.dynamic.torch_probe import probe_torch, train_steps

        if steps:
            reports = train_steps(e.model, e.inputs, e.targets, e.loss_fn, e.optimizer, steps, device, samples)
        else:
            reports = [probe_torch(e.model, e.inputs, e.targets, e.loss_fn, device, samples)]
        names = {n for n, _ in e.model.named_modules()}
    src = model_source(e.model, e.spans, e.path)
    files = [target] + [_display(p, by_abs) for p in ([e.path] if e.path else []) + src.files]
    files = list({os.path.abspath(f): f for f in reversed([f for f in files if f])}.values())[::-1]
    n_affine = len([x for x in reports[0].layers if x.kind == "affine" and x.call == 0])
    locator = locator_for(e.model, files, fallback, names, n_affine, source=src)
    locator.source, locator.entry = src, e.name
    if steps:
        findings = judge_steps(reports, locator, settings, target)
    else:
        findings = judge(reports[0], locator, settings, target)
    findings = suppress.apply(findings, {}, settings)
    return target, findings, reports, locator, files


def _probe_python(path: str | None, entry: str | None, args, settings, by_abs: dict,
                  results: list) -> tuple[str, list]:
    from relulint.dynamic import table
    from relulint.dynamic.attribute import attribute, measured_input_findings

    steps = getattr(args, "steps", None) or 0
    samples = 4096 if getattr(args, "tensorboard", None) else 0
    target, findings, reports, locator, files = probe_file(
        path, entry, settings, getattr(args, "device", None), steps, samples, by_abs)
    static = []
    for f in files:
        result = _static_result(f, settings, by_abs, results)
        if result is not None:
            static += result.findings
    attribute(static, reports[0], locator, settings)
    findings += measured_input_findings(static, reports[0], locator, settings)
    _say(args, table.render_table(reports[-1]))
    if len(reports) > 1:
        _say(args, table.render_steps(reports))
    _extras(args, reports)
    return target, findings


def _static_result(path: str, settings, by_abs: dict, results: list):
    """The static result of a file of the probed model; linted now when the command line did not name
    it (`--dynamic train.py` whose model lives in model.py), so its findings get confirmed too."""
    from relulint.engine import lint_file

    ab = os.path.abspath(path)
    if ab in by_abs:
        return by_abs[ab]
    if not path.endswith(".py") or not os.path.isfile(path) or not _in_project(ab, by_abs):
        return None
    result = lint_file(path, settings)
    results.append(result)
    by_abs[ab] = result
    return result


def _in_project(ab: str, by_abs: dict) -> bool:
    """Under the working directory or a folder of a file on the command line: a model class imported
    from some other checkout on sys.path is mapped to, but its file is not linted into this report."""
    roots = {os.getcwd(), *(os.path.dirname(p) for p in by_abs)}
    return any(ab == r or ab.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _display(path: str | None, by_abs: dict) -> str | None:
    """The path as the static results spell it (so findings and confirmations line up), else relative."""
    if not path:
        return None
    ab = os.path.abspath(path)
    if ab in by_abs:
        return by_abs[ab].path
    rel = os.path.relpath(ab)
    return rel if not rel.startswith("..") else ab


def _extras(args, reports) -> None:
    from relulint.dynamic import table

    plot = getattr(args, "plot", None)
    if plot:
        err = table.write_plot(reports[-1], plot)
        _say(args, err or f"relulint: wrote {plot}")
    tb = getattr(args, "tensorboard", None)
    if tb:
        err = table.write_tensorboard(reports, tb)
        _say(args, err or f"relulint: wrote TensorBoard events to {tb}")


def _probe_onnx(path: str, args, settings) -> tuple[str, list]:
    from relulint import suppress
    from relulint.dynamic import table
    from relulint.dynamic.judge import judge
    from relulint.dynamic.onnx_probe import probe_onnx
    from relulint.ir import Origin

    report, origins = probe_onnx(path, getattr(args, "inputs", None), getattr(settings, "input_range", None),
                                 device=getattr(args, "device", None))
    locator = _OnnxLocator(origins, Origin(path=path, line=1))
    findings = suppress.apply(judge(report, locator, settings, path), {}, settings)
    _say(args, table.render_table(report))
    _extras(args, [report])
    return path, findings


class _OnnxLocator:
    """ONNX nodes have no source line: findings point at the graph file with the node's name."""

    def __init__(self, origins: dict, fallback) -> None:
        self.origins = origins
        self.fallback = fallback

    def origin(self, report, key):
        return self.origins.get(key, self.fallback)
