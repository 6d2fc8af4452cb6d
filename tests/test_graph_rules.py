"""PASSES is true: every rule that declares the graph pass runs on graph versions of its cases, each
model exported to ONNX and traced to TorchScript, and fires exactly as often as the case says; a
rule that does not declare a pass never runs there."""

from __future__ import annotations

import warnings

import pytest

from relulint.config import Settings
from relulint.engine import lint_file, lint_source
from relulint.rule import GraphCase, ProbeRule
from relulint.rules import ALL_RULES
from relulint.testing import expectations, load_graph_case

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

GRAPH_RULES = [r for r in ALL_RULES if "graph" in r.PASSES]


def graph_cases(rule) -> list[GraphCase]:
    """The rule's graph cases; a graph-only rule's own cases are graph cases already."""
    if rule.PASSES == frozenset({"graph"}):
        return [GraphCase(c.code) for c in rule.VALID] + \
            [GraphCase(c.code, fires=len([1 for _, code in expectations(c.source) if code == rule.CODE]))
             for c in rule.INVALID]
    return list(rule.GRAPH_CASES)


CASES = [pytest.param(rule, case, fmt, id=f"{rule.CODE}-{i}-{fmt}")
         for rule in GRAPH_RULES for i, case in enumerate(graph_cases(rule)) for fmt in ("onnx", "pt")]


def _build(case: GraphCase, tmp_path, name: str):
    return load_graph_case(case.source, tmp_path, name)[1]


def _export(model, example, path) -> None:
    model.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        if path.suffix == ".onnx":
            torch.onnx.export(model, (example,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "n"}})
        else:
            torch.jit.trace(model, example).save(str(path))


@pytest.mark.parametrize("rule", GRAPH_RULES, ids=lambda r: r.CODE)
def test_every_graph_rule_fires_and_stays_silent_on_graphs(rule):
    fires = [c.fires for c in graph_cases(rule)]
    assert any(fires) and not all(fires), f"{rule.CODE} needs graph cases that fire and that stay silent"


@pytest.mark.parametrize(("rule", "case", "fmt"), CASES)
def test_graph_case(rule, case, fmt, tmp_path):
    name = f"graph_case_{rule.CODE}_{abs(hash(case.code)) % 10**8}"
    model, example, rng = _build(case, tmp_path, name)
    path = tmp_path / f"model.{fmt}"
    _export(model, example, path)
    result = lint_file(str(path), Settings(select=[rule.CODE], input_range=rng, graph_loss=case.loss))
    got = [f for f in result.findings if f.code == rule.CODE]
    assert len(got) == case.fires, [(str(f.origin), f.message) for f in result.findings]
    assert not [f for f in result.findings if f.code.startswith("RL00")], result.findings


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if "graph" not in r.PASSES and not issubclass(r, ProbeRule)],
                         ids=lambda r: r.CODE)
def test_a_rule_never_runs_in_a_pass_it_does_not_declare(rule, tmp_path, monkeypatch):
    """run_rules enforces PASSES: a source-only rule is not even called on a graph."""
    calls = []
    monkeypatch.setattr(rule, "check", lambda self, ir, options: calls.append(ir) or iter(()))
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    path = tmp_path / "m.onnx"
    _export(model, torch.rand(2, 4), path)
    lint_file(str(path), Settings(select=[rule.CODE], input_range=(0.0, 255.0)))
    assert calls == []
    lint_source("import torch.nn as nn\nm = nn.Sequential(nn.Linear(4, 1))\n", "m.py", Settings(select=[rule.CODE]))
    assert ("source" in rule.PASSES) == bool(calls)


def test_probe_rules_never_run_on_the_ir(monkeypatch):
    from relulint import engine

    seen = []
    monkeypatch.setattr(engine, "run_rules", lambda irs, s, p, pass_name="source": seen.append(pass_name) or [])
    lint_source("import torch.nn as nn\nm = nn.Sequential(nn.Linear(4, 1))\n", "m.py")
    from relulint.rules import static_rules

    assert seen == ["source"]
    assert not [r for r in static_rules("source") + static_rules("graph") if issubclass(r, ProbeRule)]


@pytest.mark.parametrize("fmt", ["onnx", "pt"])
def test_rl302_defers_to_rl501_on_graphs(fmt, tmp_path):
    """Inputs in [-1, 0] into a layer whose weights are all negative: every unit provably fires
    somewhere, so neither RL302 nor RL501 may speak; all-positive weights: RL501 proves them dead."""
    for sign, want in ((-1.0, []), (1.0, ["RL501"])):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        with torch.no_grad():
            model[0].weight.copy_(sign * torch.rand(8, 4).add(0.1))
            model[0].bias.zero_()
        path = tmp_path / f"m{int(sign)}.{fmt}"
        _export(model, torch.rand(2, 4) - 1, path)
        got = lint_file(str(path), Settings(select=["RL302", "RL501"], input_range=(-1.0, 0.0))).findings
        assert [f.code for f in got] == want, [f.message for f in got]


def test_graph_suffixes_are_one_list(tmp_path):
    """Discovery, the engine and the reporters agree on what a graph file is (a directory walk used to
    skip .torchscript); upper-case suffixes too."""
    from relulint import discovery, graph
    from relulint.engine import lint_file

    for suffix in graph.GRAPH_SUFFIXES:
        for name in (f"m{suffix}", f"M{suffix.upper()}"):
            assert discovery.lintable(name) and graph.is_graph_file(name), name
            (tmp_path / name).write_bytes(b"not a graph")
            (f,) = lint_file(str(tmp_path / name), Settings()).findings
            assert f.code == "RL002", (name, f.message)
    assert not graph.is_graph_file("m.py") and not discovery.lintable("m.txt")


def test_cyclic_gc_is_paused_only_while_lowering(tmp_path):
    import gc

    from relulint import graph

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    good, bad = tmp_path / "m.onnx", tmp_path / "bad.onnx"
    _export(model, torch.rand(2, 4), good)
    bad.write_bytes(b"\x08\x01garbage")
    seen = []
    real = graph.gc_paused

    def spy():
        seen.append(gc.isenabled())
        return real()

    assert gc.isenabled()
    for path in (good, bad):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(graph, "gc_paused", spy)
            lint_file(str(path), Settings())
        assert gc.isenabled(), path  # restored, on success and on an unreadable file
    gc.disable()
    try:
        lint_file(str(good), Settings())
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
    assert seen == [True, True]
