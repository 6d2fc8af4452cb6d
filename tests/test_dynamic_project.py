"""`--dynamic` on the layouts people use: model.py + train.py, models built from several files and
helpers, two models in one file. Every finding of the probed model is confirmed or dismissed with its
own figures; a network the entry never ran says so."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from relulint.cli import main

pytest.importorskip("torch")

MODEL = """
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 32)
            self.fc2 = nn.Linear(32, 1)
            nn.init.uniform_(self.fc1.weight, 0.0, 1.0)

        def forward(self, x):
            return torch.relu(self.fc2(torch.relu(self.fc1(x))))


    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 1)
            nn.init.uniform_(self.a.weight, 0.0, 1.0)

        def forward(self, x):
            return torch.relu(self.a(x))
"""

TRAIN = """
    import torch
    import torch.nn as nn
    from {module} import Net


    def {func}():
        torch.manual_seed(0)
        model = Net()
        x = torch.randn(64, 8)
        y = torch.randn(64, 1)
        return model, x, y, nn.MSELoss()
"""


@pytest.fixture
def project(tmp_path, monkeypatch, request):
    """A model file and a train file under unique module names (each test imports its own)."""
    mod = f"model_{request.node.name.replace('[', '_').replace(']', '_')}"

    def write(name: str, code: str):
        path = tmp_path / name
        path.write_text(textwrap.dedent(code).lstrip("\n"))
        return path

    monkeypatch.chdir(tmp_path)
    yield mod, write
    for name in [m for m in sys.modules if m.startswith(("model_", "blocks_", "net_"))]:
        sys.modules.pop(name, None)


def _run(argv, capsys) -> tuple[int, list[dict], str]:
    rc = main(["--no-cache", "--device", "cpu", "--output-format", "json", *argv])
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def _at(found, code, path_end, line):
    hits = [f for f in found if f["code"] == code and f["filename"].endswith(path_end) and f["location"]["row"] == line]
    assert len(hits) == 1, (code, path_end, line, [(f["code"], f["filename"], f["location"]) for f in found])
    return hits[0]


def test_model_file_with_entry_in_train_file(project, capsys):
    mod, write = project
    write(f"{mod}.py", MODEL)
    write("train.py", TRAIN.format(module=mod, func="make_batch"))
    rc, found, _ = _run(["--dynamic", f"{mod}.py", "--entry", "train.py:make_batch"], capsys)
    assert rc == 1
    rl201 = _at(found, "RL201", f"{mod}.py", 10)
    assert rl201["confirmation"] == "not-confirmed" and rl201["measured"]["dead_share"] == 0.0  # fc1's own figure
    rl101 = _at(found, "RL101", f"{mod}.py", 13)
    assert rl101["confirmation"] == "confirmed" and rl101["measured"]["clamped_share"] > 0.3
    # Other is trained by nothing: no loss judges it (no RL101), but its init finding is not run
    assert not [f for f in found if f["code"] == "RL101" and f["location"]["row"] == 23]
    other = _at(found, "RL201", f"{mod}.py", 20)  # Other never ran: no borrowed figure
    assert other["confirmation"] == "not-run"
    assert other["measured"]["text"].startswith("not run by the entry train.py:make_batch")
    assert "dead" not in other["measured"]["text"] and other["severity"] != "info"


def test_not_run_is_said_in_text_output(project, capsys):
    mod, write = project
    write(f"{mod}.py", MODEL)
    write("train.py", TRAIN.format(module=mod, func="relulint_batch"))
    main(["--no-cache", "--device", "cpu", "--dynamic", f"{mod}.py", "--entry", "train.py:relulint_batch"])
    lines = capsys.readouterr().out.splitlines()
    (other,) = [ln for ln in lines if f"{mod}.py:20:" in ln]
    assert "(not run by the entry train.py:relulint_batch" in other


def test_train_file_alone_reports_the_model_files_findings(project, capsys):
    """`--dynamic train.py --steps 5`: the model lives in another file, which the command line did not name."""
    mod, write = project
    write(f"{mod}.py", MODEL)
    write("train.py", TRAIN.format(module=mod, func="relulint_batch"))
    rc, found, err = _run(["--dynamic", "train.py", "--steps", "5"], capsys)
    assert rc == 1
    assert _at(found, "RL201", f"{mod}.py", 10)["measured"]["text"].startswith("layer fc1:")
    assert _at(found, "RL101", f"{mod}.py", 13)["confirmation"] == "confirmed"
    assert _at(found, "RL201", f"{mod}.py", 20)["confirmation"] == "not-run"
    assert "step  loss" in err


BLOCKS = """
    import torch.nn as nn


    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = nn.Linear(n, n)
            nn.init.uniform_(self.fc.weight, 0.0, 1.0)

        def forward(self, x):
            return nn.functional.relu(self.fc(x))


    def make_head(n):
        return nn.Sequential(nn.Linear(n, 1), nn.ReLU())
"""

BIG = """
    import torch
    import torch.nn as nn
    from {blocks} import Block, make_head


    class Big(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(8, 16)
            self.blocks = nn.Sequential(Block(16), Block(16))
            self.head = make_head(16)

        def forward(self, x):
            return self.head(self.blocks(self.inp(x)))


    def relulint_batch():
        torch.manual_seed(0)
        return Big(), torch.randn(64, 8), torch.randn(64, 1), nn.MSELoss()
"""


def test_model_built_from_classes_and_helpers_in_another_file(project, capsys):
    mod, write = project
    blocks = mod.replace("model_", "blocks_")
    write(f"{blocks}.py", BLOCKS)
    write(f"{mod}.py", BIG.format(blocks=blocks))
    rc, found, _ = _run(["--dynamic", f"{mod}.py"], capsys)
    assert rc == 1
    # Block's init: judged on blocks.0.fc / blocks.1.fc, the worst of the two instances
    rl201 = _at(found, "RL201", f"{blocks}.py", 8)
    assert rl201["confirmation"] is not None and "blocks." in rl201["measured"]["text"]
    # Block's ReLU is hidden in Big: the loss binds to Big's output, so no RL101 on it at all
    assert not [f for f in found if f["code"] == "RL101" and f["filename"].endswith(f"{blocks}.py")
                and f["location"]["row"] == 11]
    # make_head()'s ReLU is the model's output: confirmed
    head = _at(found, "RL101", f"{blocks}.py", 15)
    assert head["confirmation"] == "confirmed" and head["measured"]["clamped_share"] > 0


def test_rl101_on_a_hidden_activation_is_dismissed_with_the_real_outputs_figure(project):
    """A static RL101 on Block's ReLU (hidden inside Big) is judged against the output layer, not
    confirmed with the output's clamped share."""
    from relulint.dynamic.attribute import attribute
    from relulint.dynamic.cli import probe_file
    from relulint.finding import Finding, Severity
    from relulint.ir import Origin

    mod, write = project
    blocks = mod.replace("model_", "blocks_")
    write(f"{blocks}.py", BLOCKS)
    path = write(f"{mod}.py", BIG.format(blocks=blocks))
    _, _, reports, locator, _ = probe_file(str(path), device="cpu")
    at = lambda line: Finding("RL101", "relu-regression-output", Severity.ERROR, "m",  # noqa: E731
                              Origin(f"{blocks}.py", line, 15))
    hidden, head = at(11), at(15)
    attribute([hidden, head], reports[0], locator)
    assert hidden.confirmation == "not-confirmed" and hidden.severity == Severity.INFO
    assert "head.1" in hidden.measured["text"]
    assert head.confirmation == "confirmed" and head.measured["clamped_share"] > 0


def test_two_models_in_one_file_the_entry_returns_one(project, capsys):
    mod, write = project
    write(f"{mod}.py", textwrap.dedent(MODEL) + textwrap.dedent("""

        def relulint_batch():
            torch.manual_seed(0)
            return Other(), torch.randn(64, 8), torch.randn(64, 1), nn.MSELoss()
    """))
    _, found, _ = _run(["--dynamic", f"{mod}.py"], capsys)
    assert _at(found, "RL101", f"{mod}.py", 23)["confirmation"] == "confirmed"
    # Net is trained by nothing: only its loss-free finding (RL201), not run
    assert _at(found, "RL201", f"{mod}.py", 10)["confirmation"] == "not-run"
    assert not [x for x in found if x["location"]["row"] == 13 and x["code"] == "RL101"]


def test_lightning_module_project(project, capsys):
    pytest.importorskip("lightning")
    mod, write = project
    write(f"{mod}.py", """
        import lightning as L
        import torch
        import torch.nn as nn


        class Regressor(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU())
                self.loss_fn = nn.MSELoss()

            def forward(self, x):
                return self.net(x)

            def training_step(self, batch, batch_idx):
                x, y = batch
                return self.loss_fn(self(x), y)

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters())


        def relulint_batch():
            torch.manual_seed(0)
            return Regressor(), torch.randn(64, 8), torch.randn(64, 1), nn.MSELoss()
    """)
    rc, found, _ = _run(["--dynamic", f"{mod}.py"], capsys)
    rl101 = _at(found, "RL101", f"{mod}.py", 9)
    assert rc == 1 and rl101["confirmation"] == "confirmed"


def test_model_files_outside_the_project_are_mapped_but_not_linted_into_the_report(project, tmp_path, capsys):
    mod, write = project
    lib = tmp_path.parent / f"{tmp_path.name}_lib"
    lib.mkdir(exist_ok=True)
    (lib / f"{mod}.py").write_text(textwrap.dedent(MODEL).lstrip("\n"))
    write("train.py", f"import sys\nsys.path.insert(0, {str(lib)!r})\n" + textwrap.dedent(
        TRAIN.format(module=mod, func="relulint_batch")))
    rc, found, err = _run(["--dynamic", "train.py"], capsys)
    assert rc in (0, 1) and "relulint probe (torch" in err
    assert not [f for f in found if f["filename"].endswith(f"{mod}.py")]
