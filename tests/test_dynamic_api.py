"""The Python API (`relulint.dynamic.probe`), the callbacks, the device choice and the probe's hygiene."""

from __future__ import annotations

import sys
from unittest import mock

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402  (plain imports, so the source pass can map layers back to this file)
import torch.nn as nn  # noqa: E402

from relulint.dynamic import probe, probe_report  # noqa: E402
from relulint.dynamic.callbacks import distributed_rank  # noqa: E402
from relulint.dynamic.torch_probe import ProbeError, choose_device, probe_torch  # noqa: E402


class DeadNet(nn.Module):
    """Seed 004's setup: all-positive weights on inputs from (-1, 0)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 1)
        nn.init.uniform_(self.fc1.weight, 0.0, 1.0)
        nn.init.zeros_(self.fc1.bias)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def test_import_relulint_dynamic_does_not_import_frameworks():
    import subprocess

    code = "import relulint.dynamic, sys; print([m for m in ('torch','tensorflow','onnx') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_probe_api_returns_located_findings_and_report():
    findings = probe(DeadNet(), -torch.rand(32, 4), loss_fn=nn.MSELoss(), targets=torch.rand(32, 1), device="cpu")
    (dead,) = [f for f in findings if f.code == "RL401"]
    assert dead.evidence["dead_share"] == 1.0
    assert dead.origin.path.endswith("test_dynamic_api.py")  # mapped to this file's F.relu line
    assert "torch.relu(self.fc1(x))" in open(__file__).read().splitlines()[dead.origin.line - 1]
    assert findings.report.layer("fc1").weight_grad_norm == 0.0
    assert "dead share" in findings.table()


def test_two_tuple_batch_is_inputs_and_targets_when_a_loss_is_given():
    report = probe_report(DeadNet(), (-torch.rand(8, 4), torch.rand(8, 1)), loss_fn=nn.MSELoss(), device="cpu")
    assert report.targets is not None and report.targets.shape == (8, 1)


def test_probe_restores_grads_buffers_and_mode():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    model.eval()
    marker = torch.ones_like(model[0].weight)
    model[0].weight.grad = marker
    before = model[1].running_mean.clone()
    probe_torch(model, torch.randn(16, 4) + 3.0, device="cpu")
    assert model[0].weight.grad is marker and model[3].weight.grad is None
    assert torch.equal(model[1].running_mean, before)
    assert not model.training


def test_hooks_keep_no_activation_alive():
    """Hooks reduce on the fly: the report holds floats only and no hook stays installed."""
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))
    report = probe_torch(model, torch.randn(64, 32), device="cpu")
    values = [v for layer in report.layers for v in vars(layer).values()]
    assert not any(isinstance(v, torch.Tensor) for v in values)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_device_defaults_to_cuda_when_available_else_cpu_with_notice():
    with mock.patch("torch.cuda.is_available", return_value=True):
        assert choose_device(None) == ("cuda", None)
    with mock.patch("torch.cuda.is_available", return_value=False):
        dev, notice = choose_device(None)
        assert dev == "cpu" and "CPU" in notice
        with pytest.raises(ProbeError, match="--device cuda requested"):
            choose_device("cuda")
    assert choose_device("cpu") == ("cpu", None)


def test_cuda_probe_moves_model_and_batch_and_synchronises_once():
    """With the device mocked: tensors are tagged 'cuda' by patching .to and the sync is counted."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    moved = []
    real_tensor_to = torch.Tensor.to

    def tensor_to(self, *a, **k):
        moved.append(a[0] if a else k.get("device"))
        return real_tensor_to(self, "cpu")

    with mock.patch.object(nn.Module, "to", lambda self, *a, **k: moved.append(("model", a[0])) or self), \
            mock.patch.object(torch.Tensor, "to", tensor_to), \
            mock.patch("torch.cuda.is_available", return_value=True), \
            mock.patch("torch.cuda.synchronize") as sync, \
            mock.patch("relulint.dynamic.torch_probe._is_cuda", return_value=True):
        report = probe_torch(model, torch.randn(8, 4), torch.randn(8, 1), nn.MSELoss())
    assert ("model", "cuda") in moved and moved.count("cuda") >= 2  # model, inputs and targets
    assert sync.call_count == 1
    assert report.device == "cuda"


def test_cuda_out_of_memory_is_a_clear_error_and_the_cpu_is_not_tried():
    calls = []

    class Oom(nn.Module):
        def forward(self, x):
            calls.append(x.device)
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with pytest.raises(ProbeError, match="CUDA out of memory.*not tried silently"):
        probe_torch(Oom(), torch.randn(2, 2), device="cpu")
    assert len(calls) == 1


def test_distributed_rank_uses_torch_distributed_when_initialised():
    with mock.patch("torch.distributed.is_available", return_value=True), \
            mock.patch("torch.distributed.is_initialized", return_value=True), \
            mock.patch("torch.distributed.get_rank", return_value=3):
        assert distributed_rank() == 3


def test_thresholds_come_from_settings_rule_options():
    from relulint.config import Settings

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    nn.init.constant_(model[0].bias, -0.3)
    x = torch.rand(32, 4) * 0.1
    strict = Settings(rule_options={"RL401": {"max-dead-share": 0.0}})
    assert [f.code for f in probe(model, x, device="cpu", settings=strict)] == ["RL401"]
    lax = Settings(rule_options={"RL401": {"max-dead-share": 1.0}})
    assert probe(model, x, device="cpu", settings=lax) == []


def test_probe_is_reexported_lazily_from_the_package():
    import subprocess
    import sys

    code = ("import sys, relulint; p = relulint.probe; "
            "print(callable(p), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_keras_functional_model_with_residual_and_concatenate_branches():
    """A branching functional model cannot be probed by chaining layers: each layer is measured on
    its real inputs, and the dead branch (all-positive kernel on negative inputs) is found."""
    keras = pytest.importorskip("keras")
    import numpy as np

    from relulint.dynamic.keras_probe import probe_keras

    inp = keras.Input((4,))
    stem = keras.layers.Dense(8, activation="relu", name="stem")(inp)
    dead = keras.layers.Dense(8, activation="relu", name="dead", kernel_initializer="ones",
                              bias_initializer="zeros")(inp)
    res = keras.layers.Add(name="res")([stem, keras.layers.Dense(8, name="skip")(inp)])
    cat = keras.layers.Concatenate(name="cat")([res, dead])
    out = keras.layers.Dense(1, name="head")(cat)
    model = keras.Model(inp, out)
    model.compile(loss="mse")
    x = -np.random.default_rng(0).uniform(0.1, 1.0, (32, 4)).astype("float32")  # every input < 0
    y = np.zeros((32, 1), "float32")

    report = probe_keras(model, x, y)
    by = {layer.key: layer for layer in report.layers}
    assert {"stem", "dead", "skip", "res", "cat", "head"} <= set(by)
    assert by["dead"].dead == 1.0 and by["dead"].weight_grad_norm == 0.0
    assert by["stem"].weight_grad_norm > 0 and by["head"].weight_grad_norm > 0
    cat_rms = by["cat"].rms
    assert by["head"].in_rms == pytest.approx(cat_rms, rel=1e-5)  # the head's real input, not the last layer's
    assert by["cat"].grad_norm is not None and by["cat"].grad_norm > 0
    assert report.loss == pytest.approx(float(np.mean((np.asarray(model(x)) - y) ** 2)), rel=1e-4)
