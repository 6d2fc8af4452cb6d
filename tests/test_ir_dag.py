"""The IR as a small DAG: `Op.inputs` and the `Network` helpers that follow producers and consumers.

Chains (every `Op.inputs` None) keep the answers the helpers gave when the IR was a list; residual
and branching networks answer through the DAG, and where a DAG has no single answer (a fan-out, a
join, heads that disagree) the helpers give the answer that keeps rules silent.
"""

from __future__ import annotations

import random

import pytest

from relulint.ir import (
    NETWORK_INPUT,
    PREVIOUS_OP,
    UNKNOWN_VALUE,
    Activation,
    Loss,
    ModelIR,
    Network,
    Op,
    Origin,
)

IN = NETWORK_INPUT


def affine(name: str, inputs=None, act: str | None = None) -> Op:
    op = Op("affine", f"Linear {name}", name=name, inputs=inputs)
    if act is not None:
        op.activation = Activation(act, act)
    return op


def act(kind: str, inputs=None, name: str | None = None) -> Op:
    return Op("activation", kind, name=name or kind, activation=Activation(kind, kind), inputs=inputs)


def other(name: str, inputs=None) -> Op:
    return Op("other", name, name=name, inputs=inputs)


def net(*ops: Op, outputs=None) -> Network:
    return Network("n", "onnx", None, ops=list(ops), outputs=outputs)


# ------------------------------------------------------------------------------ residual and branches


def test_relu_into_a_residual_add_then_a_final_linear_has_a_linear_output():
    # x -> fc1 -> relu -> add(relu, x) -> out
    n = net(affine("fc1"), act("relu"), other("add", (1, IN)), affine("out"))
    assert not n.is_chain()
    assert n.output_activation() is None
    assert n.activation_after(0).kind == "relu"  # the hidden layer still feeds its ReLU
    assert n.consumers(1) == [2] and n.producers(2) == (1,)


def test_final_linear_and_relu_after_a_residual_add_is_a_clamped_output():
    # x -> fc1 -> relu -> add(relu, x) -> out -> relu
    n = net(affine("fc1"), act("relu"), other("add", (1, IN)), affine("out"), act("relu", name="last"))
    out = n.output_activation()
    assert out is not None and out.kind == "relu"
    assert n.output_indices() == [4]


def test_a_residual_add_after_the_last_relu_is_not_a_clamped_output():
    """relu(W x) + x can be negative: the list order [fc, relu, add] must not read as a ReLU output."""
    n = net(affine("fc1"), act("relu"), other("add", (1, IN)))
    assert n.output_activation() is None
    # the same ops as a plain chain (the add reading only the ReLU) still end in the ReLU's value
    assert net(affine("fc1"), act("relu"), other("add")).output_activation().kind == "relu"


def test_two_heads_answer_only_when_they_agree():
    # trunk: fc -> relu; head a: fa -> relu; head b: fb (linear)
    disagree = net(affine("fc"), act("relu"), affine("fa", (1,)), act("relu", (2,), "ra"), affine("fb", (1,)))
    assert disagree.output_indices() == [3, 4]
    assert disagree.output_activation() is None
    agree = net(affine("fc"), act("relu"), affine("fa", (1,)), act("relu", (2,), "ra"), affine("fb", (1,)),
                act("relu", (4,), "rb"))
    assert agree.output_indices() == [3, 5]
    assert agree.output_activation().kind == "relu"
    sigmoid_and_relu = net(affine("fc"), act("relu"), affine("fa", (1,)), act("sigmoid", (2,)), affine("fb", (1,)),
                           act("relu", (4,), "rb"))
    assert sigmoid_and_relu.output_activation() is None


def test_recorded_outputs_win_over_unconsumed_ops():
    """A graph output read by another op too (features returned beside the logits) is a head."""
    n = net(affine("fc"), act("relu"), affine("out"), outputs=[1, 2])
    assert n.output_indices() == [1, 2]
    assert n.output_activation() is None  # the ReLU features and the linear logits disagree
    assert net(affine("fc"), act("relu"), affine("out"), outputs=[2]).output_activation() is None
    assert net(affine("fc"), act("relu"), outputs=[1]).output_activation().kind == "relu"


def test_an_affine_output_that_also_feeds_a_relu_is_raw():
    """fc's own value is an output: the ReLU on another path does not clamp it."""
    n = net(affine("fc"), act("relu"), outputs=[0])
    assert n.output_activation() is None
    assert n.activation_after(0).kind == "relu"  # but the layer does feed a ReLU (init rules)


def test_fan_out_and_join_stop_activation_after():
    fan_out = net(affine("fc"), act("relu", (0,)), other("skip", (0,)))
    assert fan_out.activation_after(0) is None  # fc's value also goes elsewhere
    join = net(affine("fa"), affine("fb", (IN,)), other("cat", (0, 1)), act("relu", (2,)))
    assert join.activation_after(0) is None and join.activation_after(1) is None
    through = net(affine("fc"), Op("dropout", "drop", inputs=(0,)), act("relu", (1,)))
    assert through.activation_after(0).kind == "relu"


def test_interleaved_branches_find_their_own_activation():
    """Topological order may interleave branches: a1, b1, relu(a1), tanh(b1)."""
    n = net(affine("a1", (IN,)), affine("b1", (IN,)), act("relu", (0,)), act("tanh", (1,)),
            other("cat", (2, 3)), affine("out", (4,)))
    assert n.activation_after(0).kind == "relu"
    assert n.activation_after(1).kind == "tanh"
    assert [i for i, _, _ in n.iter_relu_affines()] == [0]
    assert n.output_activation() is None


def test_output_through_norm_on_a_branch_head():
    n = net(affine("fc"), affine("head", (0,)), Op("norm", "bn", inputs=(1,)), act("relu", (2,)))
    assert n.output_activation().kind == "relu"


def test_layer_before_follows_producers():
    n = net(affine("fa", (IN,)), affine("fb", (IN,)), Op("norm", "bn", inputs=(1,)), act("relu", (2,)),
            act("relu", (0,), "ra"))
    assert n.layer_before(3).name == "fb"
    assert n.layer_before(4).name == "fa"
    joined = net(affine("fa"), other("add", (0, IN)), act("relu", (1,)))
    assert joined.layer_before(2) is None


def test_scales_input_in_a_dag():
    # input -> scale -> fc, and a second branch input -> fc2: some first layer reads scaled data
    n = net(Op("scale", "x / 255"), affine("fc", (0,)), affine("fc2", (IN,)), other("add", (1, 2)))
    assert n.scales_input()
    unscaled = net(affine("fc", (IN,)), Op("scale", "norm", inputs=(0,)), affine("fc2", (1,)))
    assert not unscaled.scales_input()  # the scale op comes after the first layer
    mixed = net(Op("scale", "x / 255"), other("add", (0, IN)), affine("fc", (1,)))
    assert not mixed.scales_input()  # the raw input joins before the layer


def test_embeds_input_in_a_dag():
    n = net(Op("embedding", "emb"), affine("fc", (IN,)), other("cat", (0, 1)), affine("out", (2,)))
    assert n.embeds_input()
    late = net(affine("fc"), Op("embedding", "emb", inputs=(0,)))
    assert not late.embeds_input()


def test_prepend_keeps_the_dag():
    n = net(affine("fc"), act("relu"), other("add", (1, IN)), affine("out"), outputs=[3])
    n.prepend(Op("scale", "x / 255"))
    assert [op.inputs for op in n.ops] == [None, None, None, (2, 0), None]
    assert n.outputs == [4]
    assert n.scales_input() and n.output_activation() is None
    assert n.activation_after(1).kind == "relu"


def test_a_join_with_a_value_the_ir_does_not_hold():
    """The source pass's residual add: (PREVIOUS_OP, UNKNOWN_VALUE), wherever the shared op sits."""
    join = other("add", (PREVIOUS_OP, UNKNOWN_VALUE))
    n = net(affine("fc1"), act("relu"), join)
    assert n.inputs_of(2) == (1, UNKNOWN_VALUE) and n.consumers(1) == [2]
    assert n.output_indices() == [2] and n.output_activation() is None
    assert n.activation_after(0).kind == "relu"
    clamped = net(affine("fc1"), act("relu"), join, affine("fc2"), act("relu", name="out"))
    assert clamped.output_activation().kind == "relu" and clamped.output_indices() == [4]
    n.prepend(Op("scale", "x / 255"))
    assert join.inputs == (PREVIOUS_OP, UNKNOWN_VALUE) and n.inputs_of(3) == (2, UNKNOWN_VALUE)


def test_malformed_inputs_are_never_followed():
    n = net(affine("fc"), act("relu", (5,)), act("relu", (-7,), "r2"))
    assert n.activation_after(0) is None
    assert n.output_activation() is None
    assert n.layer_before(1) is None


def test_rl101_on_residual_and_two_headed_networks():
    from rules.rl101_relu_regression_output import ReluRegressionOutput

    rule = ReluRegressionOutput()

    def findings(n: Network) -> list:
        return list(rule.check(ModelIR(n, losses=[Loss("mse", "nn.MSELoss()")]), dict(rule.OPTIONS)))

    def located(op: Op) -> Op:
        op.activation.origin = Origin("m.onnx", 1, node=f"{op.name} (Relu)")
        return op

    assert findings(net(affine("fc1"), located(act("relu")), other("add", (1, IN)), affine("out"))) == []
    assert findings(net(affine("fc1"), located(act("relu")), other("add", (1, IN)))) == []
    (f,) = findings(net(affine("fc1"), located(act("relu")), other("add", (1, IN)), affine("out"),
                        located(act("relu", name="last"))))
    assert f.code == "RL101" and f.origin.node == "last (Relu)"
    two_heads = net(affine("fc"), located(act("relu")), affine("fa", (1,)), located(act("relu", (2,), "ra")),
                    affine("fb", (1,)))
    assert findings(two_heads) == []


# ------------------------------------------------------------------------------ chains: the old answers


def _old(n: Network) -> dict:
    """The helpers as they were when `Network.ops` was a list (the reference for chains)."""
    ops = n.ops

    def after(index, through):
        op = ops[index]
        if op.activation is not None and op.kind == "affine" and "norm" not in through:
            return op.activation
        for j in range(index + 1, len(ops)):
            if ops[j].kind == "activation":
                return ops[j].activation
            if ops[j].kind in through:
                continue
            return None
        return None

    def output_after(index, through):
        # a fused activation is the output's only while what follows keeps it; a later activation replaces it
        op = ops[index]
        if op.activation is not None and "norm" not in through:
            act = op.activation
            for j in range(index + 1, len(ops)):
                if ops[j].kind == "activation":
                    act = ops[j].activation
                elif ops[j].kind not in through:
                    return None
            return act
        return after(index, through)

    sign = ("dropout", "alpha_dropout", "shape")
    affine_idx = [i for i, op in enumerate(ops) if op.kind == "affine"]
    out = None
    if affine_idx:
        out = output_after(affine_idx[-1], sign) or output_after(affine_idx[-1], sign + ("norm",))
        out = out if out is not None and out.kind != "linear" else None

    def first_of(kinds_true, kinds_false):
        for op in ops:
            if op.kind in kinds_true:
                return True
            if op.kind in kinds_false:
                return False
        return False

    return {"after": [after(i, sign) for i in range(len(ops))], "output": out,
            "scales": first_of(("scale", "norm"), ("affine",)), "embeds": first_of(("embedding",), ("affine",))}


KINDS = ["affine", "activation", "dropout", "alpha_dropout", "norm", "scale", "shape", "embedding", "other"]
ACTS = ["relu", "sigmoid", "softmax", "linear", "tanh"]


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("explicit", [False, True])
def test_chains_answer_as_the_list_did(seed, explicit, monkeypatch):
    """Random chains: the DAG code (forced, with explicit `inputs`) gives the list helpers' answers."""
    rng = random.Random(seed)
    ops = []
    for i in range(rng.randint(1, 12)):
        kind = rng.choice(KINDS)
        op = Op(kind, f"{kind}{i}", name=f"{kind}{i}")
        if kind == "activation" or (kind == "affine" and rng.random() < 0.3):
            op.activation = Activation(rng.choice(ACTS), "a")
        if explicit:
            op.inputs = (i - 1,) if i else (IN,)
        ops.append(op)
    n = net(*ops)
    ref = _old(n)
    if explicit:  # take the DAG paths, not the chain shortcuts
        monkeypatch.setattr(Network, "is_chain", lambda self: False)
        monkeypatch.setattr(Network, "_consumer_table", lambda self: Network._build_consumers(self))
    got = {"after": [n.activation_after(i) for i in range(len(ops))], "output": n.output_activation(),
           "scales": n.scales_input(), "embeds": n.embeds_input()}
    assert got == ref
    old_layer = []
    for i in range(len(ops)):
        found = None
        for op in reversed(ops[:i]):
            if op.kind == "affine":
                found = op
                break
            if op.kind not in ("shape", "dropout", "alpha_dropout", "norm", "scale"):
                break
        old_layer.append(found)
    assert [n.layer_before(i) for i in range(len(ops))] == old_layer
