"""A training script configured by argparse is read as run with no arguments: each option takes the
default it declares (after its `type`), `store_true` is False, `set_defaults` and argument groups
count, and a required option or a positional argument stays unknown."""

from __future__ import annotations

import textwrap

import pytest

from relulint.config import Settings
from relulint.engine import lint_source

SCRIPT = """
import argparse

import torch
import torch.nn as nn


def build(hidden, out_act):
    layers = [nn.Linear(10, hidden), nn.ReLU(), nn.Linear(hidden, 1)]
    if out_act == "relu":
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def main(args):
    model = build(args.hidden, {OUT_ACT})
    criterion = nn.MSELoss() if {LOSS} == "mse" else nn.BCEWithLogitsLoss()
    x, y = torch.randn(64, 10), torch.randn(64, 1)
    loss = criterion(model(x), y)
    loss.backward()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    {OPTIONS}
    main({PARSE})
"""

FIRING = [
    ('parser.add_argument("--hidden", type=int, default="32")\n    parser.add_argument("--out-act", default="relu")\n'
     '    parser.add_argument("--loss", default="mse")', "args.out_act", "args.loss", "parser.parse_args()"),
    ('g = parser.add_argument_group("model")\n    g.add_argument("-H", "--hidden", type=int, default=32)\n'
     '    g.add_argument("--act", dest="out_act", default="relu")\n    parser.add_argument("--loss", default="mse")',
     'vars(args)["out_act"]', "args.loss", "parser.parse_known_args()[0]"),
    ('parser.add_argument("--hidden", type=int, default=32)\n    parser.set_defaults(out_act="relu", loss="mse")',
     "args.out_act", "args.loss", "parser.parse_args()"),
    ('parser.add_argument("--hidden", type=int, default=32)\n    parser.add_argument("--linear-out", action="store_true")\n'
     '    parser.add_argument("--loss", default="mse")', '"none" if args.linear_out else "relu"', "args.loss",
     "parser.parse_args()"),
]


def script(options: str, out_act: str, loss: str, parse: str) -> str:
    code = SCRIPT.replace("{OPTIONS}", options).replace("{OUT_ACT}", out_act).replace("{LOSS}", loss)
    code = code.replace("{PARSE}", parse)
    if "vars(args)" in code:
        code = code.replace("def main(args):", "def main(args):\n    args = args\n", 1)
    return code


def found(code: str) -> list[tuple[str, int]]:
    result = lint_source(textwrap.dedent(code), "train.py", Settings(select=["RL101", "RL102", "RL103"]))
    return sorted((f.code, f.origin.line) for f in result.findings)


@pytest.mark.parametrize(("options", "out_act", "loss", "parse"), FIRING)
def test_defaults_that_configure_a_relu_regression_output_fire(options, out_act, loss, parse):
    assert found(script(options, out_act, loss, parse)) == [("RL101", 11)]


@pytest.mark.parametrize(("options", "out_act", "loss", "parse"), FIRING)
def test_defaults_that_configure_a_linear_output_are_silent(options, out_act, loss, parse):
    options = options.replace('default="relu"', 'default="none"').replace('out_act="relu"', 'out_act="none"')
    options = options.replace('action="store_true"', 'action="store_false"')
    assert found(script(options, out_act, loss, parse)) == []


def test_a_required_option_stays_unknown():
    options = ('parser.add_argument("--hidden", type=int, default=32)\n'
               '    parser.add_argument("--out-act", required=True)\n    parser.add_argument("--loss", default="mse")')
    code = script(options, "args.out_act", "args.loss", "parser.parse_args()")
    # both branches of `if out_act == "relu"` are joined: the relu may or may not be there
    assert found(code) in ([], [("RL101", 11)])


def test_a_classification_default_binds_the_logits_loss():
    options = ('parser.add_argument("--hidden", type=int, default=32)\n'
               '    parser.add_argument("--out-act", default="relu")\n    parser.add_argument("--loss", default="bce")')
    # not RL101 (a classification loss); the ReLU on the logits of BCEWithLogitsLoss is RL103's
    assert found(script(options, "args.out_act", "args.loss", "parser.parse_args()")) == [("RL103", 11)]
