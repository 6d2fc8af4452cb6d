"""The source pass's abstract interpreter (PyTorch, Keras and TF1 / tflearn; see docs/interpreter.md for what it follows).

`lower(ctx, facts)` evaluates the file: its top level and `__main__` block, then every model class,
top-level function and method that nothing in the file calls, as entry points with unknown
arguments. It records the networks the program builds and, for every loss call, the network whose
output reaches it with the ops applied on the way (`facts.bound`).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter

import libcst as cst

from relulint.ir import Loss, ModelIR, ModuleFacts, Network, Op
from relulint.source.interp.api import is_module_class, judgeable, net_name
from relulint.source.interp.evaluator import NET_STEPS, SAFETY_SECONDS, UNK, Interp, OutOfBudget
from relulint.source.interp.keras_api import framework_of, is_keras_class, is_keras_model_class
from relulint.source.interp.program import ModuleState
from relulint.source.interp.values import Binding, ClassVal, FuncVal, Instance, SeqVal, Tensor
from relulint.source.text_hints import trains

_ENTRY_SKIP = frozenset({"__init__", "forward", "__call__", "__repr__", "__str__"})
_TRAINING_METHODS = frozenset({"training_step", "train_step", "compute_loss", "training_loss"})


def lower(ctx, facts: ModuleFacts) -> None:
    state = ModuleState(path=ctx.path, module=ctx.module, name="__main__")
    state.positions = ctx.positions  # the metadata pass already computed them for this tree
    keras = ctx.imports_any(("keras", "tensorflow", "tf_keras", "tflearn"))
    # a training script's functions that the file names again but never runs (`def train(model)` beside
    # `model.train()`) are entry points too; library model files skip the cost
    interpret(state, facts, follow_imports=os.path.exists(ctx.path), code=ctx.code,
                   run_uncalled=keras or trains(ctx.code))


def interpret(state: ModuleState, facts: ModuleFacts, follow_imports: bool, code: str,
              run_uncalled: bool = False) -> Interp:
    """`run_uncalled`: also run, as entry points, functions whose name the text repeats but that nothing
    ran (Keras builders registered by name: `@keras_export("keras.applications.VGG16") def VGG16(...)`)."""
    it = Interp(state, follow_imports=follow_imports)
    _guarded(it, lambda: it.run_module(state))
    referenced = _referenced_names(code)
    classes = [v for v in list(state.env.values()) if isinstance(v, ClassVal) and v.module is state]
    for cls in classes:  # classes nothing instantiated: build one with unknown arguments
        if not cls.instances:
            _guarded(it, lambda c=cls: it.instantiate(c, _unknown_args(c.lookup("__init__"))[1:], {}, None)
                     if isinstance(c.lookup("__init__"), FuncVal) else it.instantiate(c, [], {}, None))
    for name, fn in list(state.env.items()):
        if isinstance(fn, FuncVal) and fn.module is state and not referenced.get(name):
            _guarded(it, lambda f=fn: it.invoke(f, _unknown_args(f), {}))
    if run_uncalled:
        for fn in list(state.env.values()):
            if isinstance(fn, FuncVal) and fn.module is state and id(fn.node) not in it.invoked:
                _guarded(it, lambda f=fn: it.invoke(f, _unknown_args(f), {}))
    for cls in classes:
        if not cls.instances:
            continue
        inst = cls.instances[0]
        for name, fn in list(cls.attrs.items()):
            if not isinstance(fn, FuncVal) or name in _ENTRY_SKIP or referenced.get(name):
                continue
            _guarded(it, lambda f=fn, n=name, s=inst: _run_method(it, f, n, s))
        for name in _TRAINING_METHODS - cls.attrs.keys():  # a training_step inherited from a local base
            fn = cls.lookup(name)
            if isinstance(fn, FuncVal):
                _guarded(it, lambda f=fn, n=name, s=inst: _run_method(it, f, n, s))
    _declared_losses(it, state)
    facts.followed = True
    n_nets, n_bound = len(facts.networks), len(facts.bound)
    _networks(it, state, facts)
    it.api.data.attach(facts.networks[n_nets:], facts.bound[n_bound:], lambda m: _model_chain(it, m),
                       it.api.keras.compiled, code, getattr(it, "keyed", {}))
    facts.data.extend(it.api.data.foreign())
    return it


def _run_method(it: Interp, fn: FuncVal, name: str, inst: object) -> None:
    out = it.invoke(fn, [inst, *_unknown_args(fn)[1:]], {}, self_val=inst)
    if name in _TRAINING_METHODS:  # Lightning: the returned loss is what the trainer backpropagates
        for v in (out, *(out.items.values() if hasattr(out, "items") and isinstance(out.items, dict) else ())):
            it.trains(v)


def _unknown_args(fn: FuncVal) -> list:
    """Arguments of an entry point: unknown tensors (a helper `loss(pred, target)` is still read as one)."""
    params = fn.node.params
    return [fn.defaults.get(p.name.value, Tensor()) for p in (*params.posonly_params, *params.params)]


def _guarded(it: Interp, fn) -> None:
    try:
        fn()
    except OutOfBudget:
        pass
    except RecursionError:
        pass
    finally:
        it.depth = 0
        it.nesting = 0
        it.stack.clear()


def _referenced_names(code: str) -> dict[str, bool]:
    """Names used more than once in the file text (their definition plus a use): not entry points."""
    counts = Counter(_IDENTIFIER.findall(code))  # (counted in C: a large file has ~100,000 words)
    return {k: v > 1 for k, v in counts.items()}


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _declared_losses(it: Interp, state: ModuleState) -> None:
    for lv in it.loss_vals:
        if not lv.called and lv.loss.origin is not None and lv.loss.origin.path == state.path:
            it.unlinked.append(lv.loss)
            it.declared_unapplied.add(id(lv.loss))


def _networks(it: Interp, state: ModuleState, facts: ModuleFacts) -> None:
    """One Network per model class of this file and per top-level Sequential, then the loss bindings."""
    it.recording = False
    it.steps = 0  # the networks' own forward passes get a fresh, smaller budget
    it.max_steps = NET_STEPS
    it.deadline = time.process_time() + SAFETY_SECONDS / 2
    keyed: dict[int, Network] = {}
    classes = [v for v in state.env.values() if isinstance(v, ClassVal) and v.module is state and is_module_class(v)]
    for cls in classes:
        if cls.part or not cls.instances:
            continue
        framework = "keras" if is_keras_class(cls) else "torch"
        if framework == "keras" and not is_keras_model_class(cls):
            continue  # a custom Keras layer is a part, not a model
        inst = cls.instances[0]
        ops = _forward_ops(it, inst)
        net = Network(name=cls.name, framework=framework, origin=state.origin(cls.node.name), ops=ops)
        net.followed = True
        facts.networks.append(net)
        for i in cls.instances:
            keyed[id(i)] = net
    seen_nodes: set[int] = set()
    for seq in it.seqs:
        if seq.part or seq.node is None or id(seq.node) in seen_nodes:
            continue
        seen_nodes.add(id(seq.node))
        ops = _chain(it, lambda s=seq: it.apply_seq(s, Tensor(), None))
        if not ops:
            continue
        net = Network(name=seq.name or "Sequential", framework=seq.framework, origin=state.origin_if_held(seq.node),
                      ops=ops)
        net.followed = True
        facts.networks.append(net)
        keyed[id(seq)] = net
    for seq in it.seqs:  # the same Sequential built again (a builder called twice): the same network
        if seq.node is not None and id(seq) not in keyed:
            first = next((keyed[id(s)] for s in it.seqs if s.node is seq.node and id(s) in keyed), None)
            if first is not None:
                keyed[id(seq)] = first
    it.api.keras.networks(state, facts, keyed, lambda m: _model_chain(it, m))
    it.api.tf1.networks(facts, keyed)
    for model, loss in it.pairs:
        chain = _model_chain(it, model)
        if chain:
            it.bindings.append(Binding(key=model, name=net_name(model), ops=tuple(chain), loss=loss, trained=True))
    it.keyed = keyed
    facts.bound.extend(_bound_irs(it, keyed))
    # a loss applied to a model the interpreter does not know (`def train(model)` run as an entry) stands
    # for the file's one network only: with two (a GAN) nothing says which one it trains. A loss declared
    # and never applied stands for all of them (short snippets)
    applied_ok = sum(1 for net in facts.networks if net.ops) == 1
    # a loss recognised by its form on values from no known network (a distance in a Lambda, a metric, a
    # helper nobody calls) is a loss only when the program trains on it (backward, minimize, ...)
    facts.unlinked_losses.extend(loss for loss in it.unlinked if loss.origin and loss.origin.path == state.path
                                 and (applied_ok or id(loss) in it.declared_unapplied)
                                 and (not loss.written_out or id(loss) in it.trained_unlinked))


def _model_chain(it: Interp, model: object) -> list[Op]:
    if isinstance(model, Instance):
        return _forward_ops(it, model)
    if isinstance(model, SeqVal):
        return _chain(it, lambda: it.apply_seq(model, it.api.data.probe(), None))
    return it.api.keras.model_ops(model)


def _forward_ops(it: Interp, inst: Instance) -> list[Op]:
    ops = _chain(it, lambda: it.call_instance(inst, [it.api.data.probe()], {}, None))
    if ops:
        return ops
    # its layers in declaration order: the path of a container module without forward(); with a forward
    # whose output was not followed (a library function on it) they are only the parts, and nothing
    # may be read from their order: an opaque last step says so
    from relulint.source.interp.api import forward_of, modules_of
    from relulint.source.interp.values import FuncVal, LayerVal

    layers = [m.op for m in modules_of(inst) if isinstance(m, LayerVal)]
    submodels = [m for m in modules_of(inst, deep=False) if isinstance(m, (Instance, SeqVal))]
    if layers and (isinstance(forward_of(inst.cls), FuncVal) or len(submodels) >= 2):
        # (a wrapper of several networks with no forward of its own, a GAN trained by train_step: the
        # order its parts were declared in is no path either)
        layers.append(Op("other", "forward output not followed"))
    return layers


def _chain(it: Interp, run) -> list[Op]:
    out = None
    try:
        out = run()
    except (OutOfBudget, RecursionError):
        out = None
    finally:
        it.depth = 0
        it.nesting = 0
        it.stack.clear()
    if isinstance(out, tuple):
        out = next((v for v in out if isinstance(v, Tensor)), None)
    if hasattr(out, "items") and isinstance(getattr(out, "items", None), dict):
        out = next((v for v in out.items.values() if isinstance(v, Tensor)), None)
    return list(out.chain) if isinstance(out, Tensor) else []


def _bound_irs(it: Interp, keyed: dict[int, Network]) -> list[ModelIR]:
    by_key: dict[int, list[Binding]] = {}
    for b in it.bindings:
        by_key.setdefault(id(b.key), []).append(b)
    out: list[ModelIR] = []
    for group in by_key.values():
        trained = [b for b in group if b.trained]
        seen: set[tuple] = set()
        for b in trained or group:
            sig = (tuple(map(id, b.ops)), id(b.loss))
            if sig in seen or not judgeable(b.ops):
                continue
            seen.add(sig)
            base = keyed.get(id(b.key))
            origin = base.origin if base is not None else _key_origin(b.key)
            net = Network(name=b.name or net_name(b.key), framework=framework_of(b.key), origin=origin,
                          ops=list(b.ops))
            net.followed = True
            out.append(ModelIR(network=net, losses=[b.loss], data=[]))
            it.api.data.fed_model(b.key, net)
    return out


def _key_origin(key: object):
    if isinstance(key, Instance):
        st = key.cls.module
        return st.origin(key.cls.node.name) if isinstance(st, ModuleState) else None
    if isinstance(key, SeqVal) and key.node is not None:
        return None
    return None


__all__ = ["lower", "interpret", "Loss", "UNK", "cst"]
