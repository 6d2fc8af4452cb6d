"""RL301 reports one finding per network: the raw data made first (the training set), with the other raw
sources reaching the same network (a test set, a sample predicted at the end) named as related locations."""

from __future__ import annotations

from relulint.testing import assert_markers, lint_case

CODE = """
    import torch
    import torch.nn as nn

    x = torch.linspace(0, 30, 400).unsqueeze(1)  # expect: RL301
    y = torch.sin(x)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters())
    for _ in range(100):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x_test = torch.linspace(0, 25, 50).unsqueeze(1)
    print(model(x_test))
    print(model(torch.tensor([[12.0]])))
"""


def test_one_finding_with_the_other_sources_related() -> None:
    assert assert_markers(CODE) == {(4, "RL301")}
    _, _, result = lint_case(CODE)
    (f,) = result.findings
    also = [msg for origin, msg in f.related if msg.startswith("also unscaled")]
    assert [origin.line for origin, msg in f.related if msg.startswith("also unscaled")] == [13, 15]
    assert len(also) == 2
