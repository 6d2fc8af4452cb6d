"""Input and target scale measured on the probed batch: per feature, and RL301 from the measurement."""

from __future__ import annotations

import json
import textwrap

import pytest

from relulint.cli import main

torch = pytest.importorskip("torch")
nn = torch.nn

from relulint.dynamic import probe, probe_report  # noqa: E402
from relulint.dynamic.scale import input_scale, target_scale  # noqa: E402


def _conv():
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


def test_per_feature_figures_of_inputs_and_targets():
    x = torch.stack([torch.arange(10.0), torch.full((10,), 3.0), -torch.arange(10.0) * 100], dim=1)
    y = torch.linspace(1e4, 2e4, 10).unsqueeze(1)
    report = probe_report(nn.Linear(3, 1), x, loss_fn=nn.MSELoss(), targets=y, device="cpu")
    f = report.inputs.features
    assert f["min"] == [0.0, 3.0, -900.0] and f["max"] == [9.0, 3.0, 0.0]
    assert f["mean"] == pytest.approx([4.5, 3.0, -450.0]) and f["std"][1] == 0.0
    assert f["std"][0] == pytest.approx(torch.arange(10.0).std(correction=0).item())
    assert report.targets.features["min"] == [1e4] and report.targets.features["max"] == [2e4]
    verdict = target_scale(report)  # what RL303 (unscaled regression targets) reads
    assert verdict.raw and verdict.numbers["feature_rms"][0] > 1e4


def test_raw_pixels_into_a_conv_net_are_a_measured_rl301():
    torch.manual_seed(0)
    x = torch.randint(0, 256, (16, 3, 12, 12)).float()
    findings = probe(_conv(), x, loss_fn=nn.CrossEntropyLoss(), targets=torch.randint(0, 10, (16,)), device="cpu")
    (rl301,) = [f for f in findings if f.code == "RL301"]
    assert rl301.confirmation == "confirmed" and rl301.measured["max"] == 255.0
    assert "per channel up to 255" in rl301.measured["text"]


def test_uint8_batch_is_raw_even_when_small():
    report = probe_report(nn.Linear(4, 1), torch.randint(0, 5, (8, 4), dtype=torch.uint8).float(), device="cpu")
    report.inputs.dtype = "uint8"  # as a model with x.float() inside would receive it
    assert input_scale(report).raw


def test_scaled_batches_give_none():
    torch.manual_seed(0)
    pix = torch.randint(0, 256, (16, 3, 12, 12)).float() / 255.0
    found = probe(_conv(), pix, loss_fn=nn.CrossEntropyLoss(), targets=torch.randint(0, 10, (16,)), device="cpu")
    assert not [f for f in found if f.code == "RL301"]
    tab = torch.randn(64, 5)
    found = probe(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1)), tab, loss_fn=nn.MSELoss(),
                  targets=torch.randn(64, 1), device="cpu")
    assert not [f for f in found if f.code == "RL301"]


def test_token_ids_are_never_judged_as_scale():
    model = nn.Sequential(nn.Embedding(5000, 8), nn.Flatten(), nn.Linear(32, 2))
    found = probe(model, torch.randint(0, 5000, (16, 4)), device="cpu")
    assert not [f for f in found if f.code == "RL301"]


def test_unscaled_tabular_features_by_index_through_the_cli(tmp_path, capsys):
    path = tmp_path / "tab.py"
    path.write_text(textwrap.dedent("""
        import torch
        import torch.nn as nn


        def relulint_batch():
            torch.manual_seed(0)
            x = torch.randn(128, 5)
            x[:, 1] = x[:, 1] * 300 + 2000
            x[:, 3] = x[:, 3] * 40
            return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1)), x, torch.randn(128, 1), nn.MSELoss()
    """))
    main(["--no-cache", "--dynamic", "--device", "cpu", "--output-format", "json", str(path)])
    (rl301,) = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "RL301"]
    assert rl301["measured"]["features"] == [1, 3] and rl301["evidence"]["measured_only"]
    assert "feature(s) 1 (RMS 1.99e+03), 3 (RMS 4" in rl301["measured"]["text"]
    assert rl301["location"]["row"] == 6  # the entry, where the batch is made


def test_static_rl301_is_confirmed_and_not_reported_twice(tmp_path, capsys):
    path = tmp_path / "pix.py"
    path.write_text(textwrap.dedent("""\
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 4), nn.LeakyReLU(), nn.Linear(4, 4), nn.Softmax(dim=1))
        x = torch.tensor([[3., 211., 123., 78.]])
        y = model(x)


        def relulint_batch():
            return model, x
    """))
    main(["--no-cache", "--dynamic", "--device", "cpu", "--output-format", "json", str(path)])
    found = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "RL301"]
    assert len(found) == 1 and found[0]["confirmation"] == "confirmed", found
    assert found[0]["location"]["row"] == 5 and found[0]["measured"]["max"] == 211.0


@pytest.mark.parametrize("scale, confirmed", [(1e6, True), (1.0, False)])
def test_rl303_is_confirmed_or_dismissed_by_the_measured_targets(scale, confirmed, tmp_path, capsys):
    path = tmp_path / "prices.py"
    path.write_text(textwrap.dedent(f"""\
        import torch
        import torch.nn as nn

        x = torch.rand(512, 4)
        y = torch.rand(512, 1) * 1e6
        model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
        criterion = nn.MSELoss()
        loss = criterion(model(x), y)


        def relulint_batch():
            torch.manual_seed(0)
            return model, x[:64], y[:64] * {scale!r} / 1e6, criterion
    """))
    main(["--no-cache", "--dynamic", "--device", "cpu", "--output-format", "json", str(path)])
    (rl303,) = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "RL303"]
    assert rl303["location"]["row"] == 8
    assert rl303["confirmation"] == ("confirmed" if confirmed else "not-confirmed")
    assert rl303["measured"]["text"].startswith("targets float32 [64, 1]")
