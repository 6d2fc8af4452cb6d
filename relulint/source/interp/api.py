"""API models: what framework and builtin calls do to abstract values.

Which call is a layer, an activation, a loss, an initialiser or a data source is read from the
tables in `relulint.knowledge`; this module says how each kind acts: a layer constructor makes a
`LayerVal` holding its Op, applying it appends the Op to a tensor's chain, a loss call records a
`Binding` for the network whose output reaches it, an initialiser sets the weight init of the
layer whose parameter it is given.
"""

from __future__ import annotations

import dataclasses
import math
import re

import libcst as cst

import relulint.knowledge.torch as TORCH
from relulint.ir import PREVIOUS_OP, UNKNOWN_VALUE, Activation, Init, Loss, Op
from relulint.knowledge import Arg, LayerSpec, canonical, tables, uniform_stats
from relulint.knowledge import data as DATA
from relulint.knowledge.torch import TENSOR_METHOD_INITS
from relulint.source.common import UNKNOWN, kernel_volume
from relulint.source.interp import cli_args, library_models, pure
from relulint.source.interp.data_api import DATA_VALUES
from relulint.source.interp.keras_api import SYMBOLIC
from relulint.source.interp.values import (
    UNK,
    Binding,
    BoundMethod,
    ClassVal,
    DictVal,
    ExtRef,
    FuncVal,
    GraphModel,
    Instance,
    LayerVal,
    LibModel,
    ListVal,
    LossVal,
    ParamRef,
    SeqVal,
    SuperRef,
    Tensor,
    union,
)
from relulint.source.lowering import default_init, init_from_spec

# Packages never looked for among the project's files.
EXTERNAL_ROOTS = frozenset({
    "torch", "torchvision", "numpy", "tensorflow", "keras", "tf_keras", "sklearn", "pandas", "scipy", "os",
    "sys", "math", "random", "time", "json", "re", "collections", "functools", "itertools", "typing",
    "dataclasses", "pathlib", "argparse", "logging", "copy", "abc", "enum", "warnings", "matplotlib",
    "pytorch_lightning", "lightning", "timm", "transformers", "einops", "cv2", "PIL", "tqdm", "__future__",
})
MODULE_BASES = frozenset({"torch.nn.Module", "pytorch_lightning.LightningModule", "lightning.LightningModule",
                          "lightning.pytorch.LightningModule", "torch.nn.Sequential", "torch.nn.ModuleList",
                          "torch.nn.ModuleDict", "pytorch_lightning.core.LightningModule"})
_CONTAINERS = {"torch.nn.Sequential": "sequential", "torch.nn.ModuleList": "list", "torch.nn.ModuleDict": "dict"}
_TENSOR_ACTS = {"relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "sigmoid_": "sigmoid", "softmax": "softmax",
                "log_softmax": "log_softmax", "tanh": "tanh", "tanh_": "tanh"}
_SHAPE_METHODS = frozenset({"view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose",
                            "view_as", "reshape_as", "expand", "repeat", "mean", "sum", "contiguous_view",
                            # a selection or rearrangement keeps the values (q(s).gather(1, a): DQN's Q(s, a))
                            "gather", "index_select", "take_along_dim", "narrow", "select", "masked_select",
                            "flip", "roll", "movedim", "swapaxes", "expand_as", "tile", "repeat_interleave",
                            "unflatten", "t"})
_PASS_METHODS = frozenset({"to", "cuda", "cpu", "float", "double", "half", "long", "int", "bool", "detach",
                           "contiguous", "clone", "type", "requires_grad_", "numpy", "item", "tolist", "squeeze_",
                           "unsqueeze_", "data", "T", "type_as", "pin_memory", "astype", "values", "to_numpy"})
# torch.<name>(t, ...) that are t.<name>(...): a reshape keeps what the tensor holds
_SHAPE_FUNCS = frozenset(f"torch.{m}" for m in ("squeeze", "unsqueeze", "reshape", "permute", "transpose", "gather",
                                                 "index_select", "take_along_dim", "narrow", "select",
                                                 "flip", "roll", "movedim", "swapaxes"))
_MATMUL_FUNCS = frozenset({"torch.matmul", "torch.mm", "torch.nn.functional.linear"})
_JOIN_FUNCS = frozenset({"torch.cat", "torch.stack", "torch.add", "torch.concat", "torch.hstack", "torch.vstack"})
_LOSS_NAME = re.compile(DATA.LOSS_FUNCTION_NAME_PATTERN)
_REDUCE = frozenset({"mean", "sum"})


def is_module_class(cls: ClassVal) -> bool:
    from relulint.knowledge.keras import LAYER_BASES
    from relulint.knowledge.keras import MODEL_BASES as KERAS_MODELS

    return any(canonical(q) in MODULE_BASES or canonical(q) in KERAS_MODELS or canonical(q) in LAYER_BASES
               for q in cls.external_bases())


def forward_of(cls: ClassVal) -> object:
    """The method calling a module runs: forward(), or call() for a Keras model or layer."""
    fwd = cls.lookup("forward")
    if fwd is None and any(canonical(q).startswith("keras.") for q in cls.external_bases()):
        fwd = cls.lookup("call")
    return fwd


def sequential_base(cls: ClassVal) -> str | None:
    from relulint.knowledge.keras import SEQUENTIAL

    for q in cls.external_bases():
        if canonical(q) in _CONTAINERS or canonical(q) in SEQUENTIAL:
            return canonical(q)
    return None


def _short(q: str) -> str:
    return q.rsplit(".", 1)[-1]


class Args:
    """Evaluated call arguments, read through the tables' `Arg` references."""

    def __init__(self, args: list, kwargs: dict) -> None:
        self.args = args
        self.kwargs = kwargs

    def get(self, ref: Arg | None) -> object:
        if ref is None:
            return UNK
        if ref.kw is not None and ref.kw in self.kwargs:
            return self.kwargs[ref.kw]
        if ref.pos is not None and ref.pos < len(self.args):
            return self.args[ref.pos]
        return ref.default if ref.default is not None else UNK

    def given(self, ref: Arg | None) -> bool:
        return ref is not None and ((ref.kw is not None and ref.kw in self.kwargs) or
                                    (ref.pos is not None and ref.pos < len(self.args)))

    # the interface `lowering.init_from_spec` reads
    def arg_const(self, _call: object, ref: Arg | None) -> object:
        if ref is None:
            return UNKNOWN
        v = self.get(ref)
        if isinstance(v, tuple):
            return v if all(isinstance(x, (int, float)) for x in v) else UNKNOWN
        return v if isinstance(v, (int, float, str, bool)) or v is None and self.given(ref) else (
            UNKNOWN if v is UNK else v)


_LOOP = object()


class Api:
    def __init__(self, interp) -> None:
        self.i = interp
        self.t = tables()
        from relulint.source.interp.data_api import DataApi
        from relulint.source.interp.keras_api import KerasApi
        from relulint.source.interp.tf1_api import TF1Api

        self.keras = KerasApi(self)
        # call site -> the one layer applied there so far, or _LOOP once several were
        self._site_layer: dict[int, object] = {}
        self._site_made: dict[int, list[tuple[Op, LayerVal]]] = {}
        # id(nn.Parameter tensor) -> (the tensor, the Init its known values give): `x @ self.W` reads it
        self._param_inits: dict[int, tuple[Tensor, Init]] = {}
        self.data = DataApi(self)
        self.tf1 = TF1Api(self)

    # ================================================================ helpers

    def state(self):
        return self.i._state

    def origin(self, node):
        st = self.state()
        return st.origin(node) if st is not None and node is not None else None

    def text(self, node) -> str:
        st = self.state()
        return st.text(node) if st is not None and node is not None else ""

    def act_op(self, node: cst.CSTNode, kind: str, x: object, name: str | None = None) -> Tensor:
        t = x if isinstance(x, Tensor) else Tensor()
        op = self.i.site_op(node, "activation", kind, activation_kind=kind)
        if name and op.name is None:
            op.name = name
        return Tensor(net=t.net, chain=t.chain + (op,))

    def kind_op(self, node: cst.CSTNode | None, kind: str, x: object) -> Tensor:
        t = x if isinstance(x, Tensor) else Tensor()
        if node is None:
            return t
        return Tensor(net=t.net, chain=t.chain + (self.i.site_op(node, kind, kind),))

    # ================================================================ calls of external names

    def call(self, qname: str, args: list, kwargs: dict, node, frame, named_at=None) -> object:
        if qname.startswith("builtins."):
            return self.builtin(qname[9:], args, kwargs, node, frame)
        q = canonical(qname)
        lib = library_models.make(q, self, node)
        if lib is not None:
            return lib
        if q in cli_args.PARSER_CLASSES:
            return cli_args.ArgParser()
        if q in cli_args.NAMESPACE_CLASSES:
            return cli_args.Namespace(dict(kwargs))
        if q in pure.FUNCS:  # math.sqrt(fan_in), np.sqrt(2 / n) on known numbers
            value = pure.fold(q, args) if not kwargs else NotImplemented
            if value is not NotImplemented:
                return value
        t = self.t
        if q.startswith(("tensorflow.", "tflearn.")):  # TF1 graphs, and tf.* ops inside Keras code
            out = self.tf1.call(q, args, kwargs, node)
            if out is not NotImplemented:
                if isinstance(out, Tensor) and out.net is None and out.data is None and not out.losses and \
                        not _network_tensors(args, kwargs):  # data: a placeholder, tf.reshape(x), tf.constant
                    made = self.data.call(q, args, kwargs, node)
                    if isinstance(made, Tensor) and made.data is not None:
                        out.data = made.data
                return out
        if not q.startswith("keras.layers.") and not _network_tensors(args, kwargs):
            out = self.data.call(q, args, kwargs, node)  # data sources, loaders, scalers, transforms
            if out is not None:
                return out
        if q.startswith("keras."):
            out = self.keras.call(q, args, kwargs, node)
            if q in DATA.ADAPTABLE or q in DATA.FEATURE_LAYERS:
                self.data.layer_made(q, out, Args(args, kwargs))
            return out
        if q in _CONTAINERS:
            return self.container(q, args, node)
        if q == "collections.OrderedDict":
            if args and isinstance(args[0], (ListVal, tuple)):
                items = args[0].items if isinstance(args[0], ListVal) else args[0]
                return DictVal({p[0]: p[1] for p in items if isinstance(p, tuple) and len(p) == 2 and
                                isinstance(p[0], (str, int))})
            return DictVal(dict(kwargs))
        if q in ("torch.clamp", "torch.clip", "torch.where", "torch.minimum", "torch.min") and \
                (errors := [x for x in (*args, *kwargs.values()) if isinstance(x, Tensor) and x.error_of is not None]):
            return Tensor(error_of=errors[0].error_of)  # min(|e|, delta), where(|e| < delta, ...): Huber terms
        spec = t.layers.get(q)
        if spec is not None and q.startswith("torch."):
            if _short(q)[:1].isupper():
                return self.layer(q, spec, Args(args, kwargs), node, at=named_at)
            return self.kind_op(node, spec.kind, args[0] if args else UNK)  # F.dropout, torch.flatten
        kind = t.activations.get(q)
        if kind is not None and q.startswith("torch."):
            if kind == "clamp":
                kind = _clamp_kind(Args(args, kwargs), method=False)
                if kind is None:
                    return self._through(args, node)
            out = self.act_op(node, kind, args[0] if args else kwargs.get("input", UNK))
            if q in t.negative_slopes and out.chain and out.chain[-1].activation is not None:
                out.chain[-1].activation.negative_slope = slope_of(t.negative_slopes[q], Args(args, kwargs))
            if kind == "softmax" and out.chain and out.chain[-1].activation is not None:
                out.chain[-1].activation.axis = stated_axis(Args(args, kwargs), Arg(1, "dim"))
            return out
        lspec = t.losses.get(q)
        if lspec is not None and q.startswith("torch."):
            if _short(q)[:1].isupper():
                lv = LossVal(Loss(lspec.kind, self.text(node), self.origin(node)))
                self.i.loss_vals.append(lv)
                return lv
            return self.loss_site(self.site_loss(node, lspec.kind), args, kwargs, node)
        ispec = t.initializers.get(q)
        if ispec is not None and q.startswith("torch.nn.init."):
            a = Args(args, kwargs)
            self.apply_init(a.get(ispec.target), ispec, a, node)
            return None
        if q == "torch.nn.Parameter":
            out = Tensor(param=True)
            init = self.init_of_values(args[0] if args else kwargs.get("data"), node)
            if init is not None:
                self._param_inits[id(out)] = (out, init)
            return out
        if q in _MATMUL_FUNCS and len(args) >= 2:  # torch.matmul(x, W), torch.mm, F.linear(x, W, b)
            return self.tensor_binop(args[0], "MatrixMultiply", args[1], node)
        if q in TORCH.LOG_FUNCS and args and isinstance(args[0], Tensor):
            return self.log_of(args[0], node)
        if q == "torch.abs" and args and isinstance(args[0], Tensor):
            return self.abs_of(args[0])
        if q in ("torch.mean", "torch.sum") and args and isinstance(args[0], Tensor):
            return self.reduce(args[0], node)
        if q == "torch.square" and args and isinstance(args[0], Tensor):
            return self.square(args[0])
        if q in _SHAPE_FUNCS and args and isinstance(args[0], Tensor):  # torch.squeeze(out, -1): out.squeeze(-1)
            return self.tensor_method(args[0], _short(q), args[1:], kwargs, node)
        if q in _JOIN_FUNCS and args:
            items = args[0].items if isinstance(args[0], ListVal) else list(args[0]) if isinstance(args[0], tuple) else []
            tensors = [x for x in items if isinstance(x, Tensor)]
            if tensors:
                net = next((x.net for x in tensors if x.net is not None), None)
                return Tensor(net=net, chain=union([x.chain for x in tensors]))
        if q.startswith(("torch.", "numpy.", "pandas.", "sklearn.", "cv2.", "PIL.", "torchvision.")) or \
                q in ("tensorflow.constant",):
            tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
            if any(x.net is not None for x in tensors):
                return self.i.opaque(tensors, node)
            if q in ("torch.no_grad", "torch.enable_grad", "torch.device") or q.startswith("torch.optim"):
                return UNK
            return Tensor()  # data the API models do not know (interp/data_api.py): its range is unknown
        return self._through(args, node, kwargs)

    def _through(self, args: list, node, kwargs: dict | None = None) -> object:
        tensors = [a for a in (*args, *(kwargs or {}).values()) if isinstance(a, Tensor)]
        return self.i.opaque(tensors, node) if tensors else UNK

    def site_loss(self, node, kind: str) -> Loss:
        loss = self.i.site_losses.get(id(node))
        if loss is None:
            loss = Loss(kind, self.text(node), self.origin(node))
            self.i.site_losses[id(node)] = loss
        return loss

    # ================================================================ layers and containers

    def layer(self, q: str, spec: LayerSpec, a: Args, node, at: ExtRef | None = None) -> LayerVal:
        """`at`: the class handed in as a value that the call builds, reported where it was named (in the
        module whose tree holds that name: a builder in layers.py called from model.py)."""
        named_in = at.named_in if at is not None and at.named_in is not None else self.state()
        origin = named_in.origin(at.named_at) if at is not None and named_in is not None else self.origin(node)
        display = self.text(node)
        if spec.kind == "activation":
            kind = spec.activation_kind
            op = Op("activation", display, origin, activation=Activation(kind, display, origin) if kind else None)
            if op.activation is not None and q in self.t.negative_slopes:
                op.activation.negative_slope = slope_of(self.t.negative_slopes[q], a)
            if op.activation is not None and kind == "softmax":
                op.activation.axis = stated_axis(a, Arg(0, "dim"))
            return LayerVal(q, op, node=node)
        op = Op("embedding" if _short(q) == "Embedding" else spec.kind, display, origin)
        if spec.kind == "affine":
            fan_in = _int(a.get(spec.fan_in)) if spec.fan_in else None
            fan_out = _int(a.get(spec.fan_out)) if spec.fan_out else None
            if spec.kernel_size is not None:
                k = a.get(spec.kernel_size)
                vol = kernel_volume(k if isinstance(k, (int, tuple)) else None, spec.spatial_dims)
                fan_in = fan_in * vol if fan_in is not None and vol is not None else None
                fan_out = fan_out * vol if fan_out is not None and vol is not None else None
            op.fan_in, op.fan_out = fan_in, fan_out
            op.weight_init = default_init("torch", f"default {_short(q)} init")
        return LayerVal(q, op, node=node)

    def container(self, q: str, args: list, node) -> SeqVal:
        kind = _CONTAINERS[q]
        children: list = []
        keys: list[str] | None = None
        if kind == "dict" or (args and isinstance(args[0], DictVal)):
            d = args[0] if args and isinstance(args[0], DictVal) else DictVal({})
            keys = [str(k) for k in d.items]
            children = list(d.items.values())
        elif kind == "list":
            if args:
                children = self.i.iterate(args[0]) or []
        else:
            children = list(args)
        seq = SeqVal(kind=kind, children=children, keys=keys, node=node)
        for c in children:
            self.i.mark_part(c)
        for idx, c in enumerate(children):
            if isinstance(c, LayerVal) and c.op.name is None:
                c.op.name = keys[idx] if keys and idx < len(keys) else str(idx)
        if kind == "sequential" and self.state() is self.i.root:
            self.i.seqs.append(seq)
        return seq

    def apply_layer(self, layer: LayerVal, args: list, node, kwargs: dict | None = None) -> object:
        if self.keras.is_keras_layer(layer):
            return self.keras.apply(layer, args, kwargs or {}, node)
        if layer.qname.startswith(("tensorflow.", "tflearn.")):  # tf.layers.Dense(4)(x)
            return self.tf1.apply(layer, args, kwargs or {})
        x = args[0] if args else UNK
        return self.apply_layer_op(layer, x if isinstance(x, Tensor) else Tensor(), node)

    def apply_layer_op(self, layer: LayerVal, t: Tensor, node) -> Tensor:
        op = layer.op
        if node is not None and self._loop_site(layer, node):
            pass  # `for layer in self.layers: x = layer(x)`: the site names no layer; judge where built
        elif op.kind == "activation" and node is not None and op.activation is not None:
            # a shared activation module (self.act) is judged where it is applied
            site = layer.site_ops.get(id(node))
            if site is None:
                origin = self.origin(node)
                site = Op("activation", op.display, origin, name=op.name,
                          activation=Activation(op.activation.kind, op.display, origin,
                                                op.activation.negative_slope))
                layer.site_ops[id(node)] = site
                self._site_made.setdefault(id(node), []).append((site, layer))
            op = site
        out = Tensor(net=t.net, chain=t.chain + (op,))
        if t.data is not None:
            out.data = self.data.through_layer(layer.op, t, node)
        return out

    def _loop_site(self, layer: LayerVal, node) -> bool:
        """True once one call site has applied layers built at two places (a loop over a container).

        The site ops made there before it was known are put back to the layers' own ops."""
        built = layer.node if layer.node is not None else layer  # two instances of one class: one layer
        first = self._site_layer.setdefault(id(node), built)
        if first is built:
            return False
        if first is not _LOOP:
            self._site_layer[id(node)] = _LOOP
            for site, built in self._site_made.pop(id(node), []):
                site.origin = site.activation.origin = built.op.origin
        return True

    def super_init(self, si, args: list, kwargs: dict | None = None) -> None:
        inst = si.instance
        if isinstance(inst, Instance) and si.qname in self.keras.SEQUENTIAL:
            self.keras.sequential_subclass(inst, args, kwargs or {})
        elif isinstance(inst, Instance) and si.qname in _CONTAINERS:
            if _CONTAINERS[si.qname] == "list":
                inst.children = (self.i.iterate(args[0]) or []) if args else []
            elif args and isinstance(args[0], DictVal):
                inst.children = list(args[0].items.values())
            else:
                inst.children = list(args)
            for c in inst.children:
                self.i.mark_part(c)
        return None

    def super_attr(self, ref: SuperRef, name: str) -> object:
        from relulint.source.interp.evaluator import _SuperInit

        inst = ref.instance
        if not isinstance(inst, Instance):
            return UNK
        mro = inst.cls.mro()
        try:
            start = mro.index(ref.after) + 1
        except ValueError:
            start = 1
        for c in mro[start:]:
            if isinstance(c, ClassVal):
                if name in c.attrs:
                    v = c.attrs[name]
                    return BoundMethod(v, inst) if isinstance(v, FuncVal) else v
            elif isinstance(c, ExtRef) and name == "__init__":
                return _SuperInit(inst, canonical(c.qname))
        return UNK

    # ================================================================ losses

    def loss_site(self, loss: Loss, args: list, kwargs: dict, node=None) -> Tensor:
        pred = self.keras.prediction(loss, args, kwargs)
        if pred is None:
            pred = args[0] if args else kwargs.get("input", kwargs.get("y_pred", UNK))
            target = args[1] if len(args) > 1 else kwargs.get("target", UNK)
            target_at = (1, "target")
        else:  # a Keras loss: (y_true, y_pred)
            target = kwargs["y_true"] if "y_true" in kwargs else args[0] if args else UNK
            target_at = (0, "y_true")
        i = self.i
        self.data.targets(loss, target, node)
        fed = pred.fed_with if isinstance(pred, Tensor) else None
        if isinstance(pred, Tensor) and i.recording and (
                fed is not None and (fed is target or isinstance(fed, Tensor) and fed.derived_from is target) or
                pred.fed_text is not None and pred.fed_text == self.arg_text(node, *target_at)):
            loss.reconstruction = True  # crit(model(x), x)
        if not i.recording:
            return Tensor()
        if isinstance(pred, Tensor) and pred.net is SYMBOLIC:
            return Tensor()  # a loss on a functional graph's symbolic tensors (add_loss): no model yet
        if isinstance(pred, Tensor) and pred.detached:
            return Tensor()  # rmse(p.detach(), y): a figure logged, not what the network trains on
        if isinstance(pred, Tensor) and pred.net is not None:
            if not judgeable(pred.chain) or _same_output(pred, target):
                return Tensor()
            b = Binding(key=pred.net, name=net_name(pred.net), ops=pred.chain, loss=loss)
            i.bindings.append(b)
            return Tensor(losses=(b,))
        i.unlinked.append(loss)
        return Tensor(unlinked=(loss,))

    def reduce(self, t: Tensor, node) -> Tensor:
        if t.squared is not None:
            return self.loss_site(self.written_out(node, "mse"), [t.squared, Tensor(data=t.target)], {}, node)
        if t.log_product is not None:
            return self.loss_site(self.written_out(node, TORCH.HANDWRITTEN_XENT), [t.log_product], {})
        if t.error_of is not None:
            return self.loss_site(self.written_out(node, t.error_kind), [t.error_of], {})
        if t.losses or t.unlinked:
            return t
        return Tensor(net=t.net, chain=t.chain)

    def written_out(self, node, kind: str) -> Loss:
        """A loss recognised by its form. Outside a function named as a loss (a distance, a metric) it binds
        to no network without training evidence (Interp.trains)."""
        loss = self.site_loss(node, kind)
        loss.written_out = not any(isinstance(f, cst.FunctionDef) and _LOSS_NAME.search(f.name.value)
                                   for f in self.i.stack)
        return loss

    def abs_of(self, t: Tensor) -> Tensor:
        """|p - t| of a network output p: an absolute error (MAE once reduced, Huber once combined)."""
        if t.diff_of is not None and t.diff_of.net is not None:
            return Tensor(error_of=t.diff_of, error_kind="mae")
        return Tensor(net=t.net, chain=t.chain) if t.net is not None else Tensor()

    def log_of(self, t: Tensor, node) -> Tensor:
        """log(p) of a network output: an op of its own (nll(log(softmax(z))) is right), and a factor of
        a hand-written cross-entropy once multiplied."""
        out = self.i.opaque([t], node)
        if t.net is None or t.losses or t.unlinked:
            return out
        return dataclasses.replace(out, logged=t)

    def square(self, t: Tensor) -> Tensor:
        if t.diff_of is not None:
            return Tensor(squared=t.diff_of, target=t.target)
        if t.error_of is not None:  # min(|e|, delta) ** 2: a Huber term
            return Tensor(error_of=t.error_of)
        return Tensor(net=t.net, chain=t.chain)

    # ================================================================ initialisers

    def init_of_values(self, values: object, node) -> Init | None:
        """The initialiser a weight's known values amount to (`nn.Parameter(torch.rand(h, d))`): only a
        range known to be non-negative says something (a positive mean); a constant is exact, any other
        range is taken as uniform (what rand / uniform / a grid give, scaled)."""
        src = values.data if isinstance(values, Tensor) else None
        if src is None or src.low is None or src.high is None or not 0 <= src.low <= src.high or \
                not 0 < src.high < math.inf:
            return None
        display = self.text(node) if isinstance(node, cst.Call) else f"{self.text(node)} = {src.display}"
        init = Init(display=display, origin=self.origin(node), low=src.low, high=src.high)
        if src.low == src.high:
            init.distribution, init.mean, init.std = "constant", src.low, 0.0
        else:
            init.distribution = "uniform"
            init.mean, init.std = uniform_stats(src.low, src.high)
        return init

    def assign_weight(self, layer: LayerVal, value: object, node) -> None:
        """`self.fc.weight = nn.Parameter(torch.rand(h, d))`, `self.fc.weight.data = torch.rand(h, d)`."""
        if layer.op.kind != "affine":
            return
        known = self._param_inits.get(id(value))
        init = known[1] if known is not None and known[0] is value else self.init_of_values(value, node)
        if init is not None:
            layer.op.weight_init = init
            layer.op.init_site = init.origin

    def apply_init(self, target: object, spec, a: Args, node) -> None:
        if isinstance(target, ParamRef) and target.name == "weight" and target.layer.op.kind == "affine":
            op = target.layer.op
            origin = self.origin(node)
            op.weight_init = init_from_spec(a, spec, node, self.text(node), origin)
            op.init_site = origin

    # ================================================================ builtins

    def builtin(self, name: str, args: list, kwargs: dict, node, frame) -> object:
        from relulint.source.interp.evaluator import _Range, fold, representative

        i = self.i
        if name == "range":
            ints = [x for x in args if isinstance(x, int) and not isinstance(x, bool)]
            if len(ints) != len(args) or not args or len(args) > 3:
                return UNK
            start, stop, step = (0, ints[0], 1) if len(ints) == 1 else (ints[0], ints[1], ints[2] if len(ints) == 3 else 1)
            return _Range(start, stop, step) if step else UNK
        if name == "len":
            items = i.iterate(args[0]) if args else None
            return len(items) if items is not None and not (isinstance(args[0], ListVal) and args[0].repeated) else UNK
        if name == "abs" and args and isinstance(args[0], Tensor) and args[0].data is None:
            return self.abs_of(args[0])
        if name in ("int", "float", "abs", "round", "bool"):
            if args and isinstance(args[0], (int, float)) and (name != "bool"):
                try:
                    return {"int": int, "float": float, "abs": abs, "round": round}[name](args[0])
                except (OverflowError, ValueError):
                    return UNK
            if args and isinstance(args[0], str) and name in ("int", "float"):
                try:
                    return int(args[0]) if name == "int" else float(args[0])
                except ValueError:
                    return UNK
            return UNK if not args or not isinstance(args[0], Tensor) else args[0]
        if name in ("min", "max", "sum"):
            vals = args if len(args) > 1 else (i.iterate(args[0]) or [UNK]) if args else [UNK]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                if name == "sum":
                    out = 0
                    for v in vals:
                        out = fold(out, "Add", v)
                    return out
                return (min if name == "min" else max)(vals)
            tensors = [v for v in vals if isinstance(v, Tensor)]
            if name == "sum" and tensors:
                return Tensor(losses=tuple(b for t in tensors for b in t.losses))
            return UNK
        if name in ("list", "tuple", "sorted", "reversed", "set"):
            if not args:
                return ListVal([]) if name != "tuple" else ()
            items = i.iterate(args[0])
            if items is None:
                return UNK
            if name == "reversed":
                items = items[::-1]
            return tuple(items) if name == "tuple" else ListVal(items)
        if name == "vars" and args and isinstance(args[0], cli_args.Namespace):
            return cli_args.as_dict(args[0])
        if name == "dict":
            d = dict(kwargs)
            if args and isinstance(args[0], DictVal):
                d.update(args[0].items)
            return DictVal(d)
        if name == "zip":
            lists = [i.iterate(a) for a in args]
            if not lists:
                return UNK
            if any(x is None for x in lists):  # zip(X_train, y_train) over arrays: one row of each stands for all
                rows = tuple(representative(a) if x is None else (x[0] if x else UNK) for a, x in zip(args, lists, strict=True))
                return ListVal([rows], repeated=True) if any(isinstance(r, Tensor) for r in rows) else UNK
            return ListVal([tuple(t) for t in zip(*lists, strict=False)])
        if name == "enumerate":
            items = i.iterate(args[0]) if args else None
            return ListVal(list(enumerate(items))) if items is not None else UNK
        if name == "isinstance":
            return isinstance_of(args[0], args[1]) if len(args) == 2 else UNK
        if name == "getattr":
            if len(args) >= 2 and isinstance(args[1], str):
                v = i.getattr(args[0], args[1], node)
                return args[2] if v is UNK and len(args) == 3 else v
            return UNK
        if name == "setattr":
            if len(args) == 3 and isinstance(args[1], str):
                i.setattr(args[0], args[1], args[2])
            return None
        if name == "hasattr":
            if len(args) == 2 and isinstance(args[0], Instance) and isinstance(args[1], str):
                if args[1] in args[0].attrs or args[0].cls.lookup(args[1]) is not None:
                    return True
            return UNK
        if name == "type":
            return type_of(args[0]) if args else UNK
        if name == "str":
            return args[0] if args and isinstance(args[0], str) else UNK
        if name in ("iter",):
            return args[0] if args else UNK
        if name == "next":
            items = i.iterate(args[0]) if args else None
            return items[0] if items else UNK
        if name == "map" and len(args) == 2:
            items = i.iterate(args[1])
            if items is not None and len(items) <= 128:
                return ListVal([i.call(args[0], [x], {}, None) for x in items])
            return UNK
        if name == "print":
            return None
        return UNK

    # ================================================================ attributes and methods

    def attribute(self, obj: object, name: str, node) -> object:
        from relulint.source.interp.evaluator import _Method

        if isinstance(obj, LayerVal):
            if name in ("weight", "bias"):
                return ParamRef(obj, name)
            if name == "__class__":
                return ExtRef(obj.qname)
            if name == "in_features" and obj.op.fan_in is not None and _short(obj.qname) == "Linear":
                return obj.op.fan_in
            if name == "out_features" and obj.op.fan_out is not None and _short(obj.qname) == "Linear":
                return obj.op.fan_out
            if name in ("apply", "modules", "children", "to", "cuda", "cpu", "named_modules", "parameters", "eval",
                        "train", "adapt"):
                return _Method(name, obj)
            return UNK
        if isinstance(obj, ParamRef):
            if name == "data":
                return obj
            if name in TENSOR_METHOD_INITS or name == "copy_" and obj.name == "weight":
                return _Method(name, obj)
            return UNK
        if isinstance(obj, Tensor):
            if obj.data is not None:
                out = self.data.tensor_attribute(obj, name, node)
                if out is not NotImplemented:
                    return out
            if name in ("data", "T"):
                return obj
            if name == "shape":  # a TF1 graph's tensor knows its shape (a layer helper's fan-in)
                from relulint.source.interp.tf1_api import shape_value

                return shape_value(obj)
            if name in ("dtype", "device", "ndim"):
                return UNK
            return _Method(name, obj)
        if isinstance(obj, SeqVal):
            if obj.framework == "keras":
                return self.keras.attribute(obj, name)
            if name == "__class__":
                return ExtRef({"sequential": "torch.nn.Sequential", "list": "torch.nn.ModuleList",
                               "dict": "torch.nn.ModuleDict"}[obj.kind])
            if obj.kind == "dict" and obj.keys and name in obj.keys:
                return obj.children[obj.keys.index(name)]
            return _Method(name, obj)
        if isinstance(obj, ListVal):
            return _Method(name, obj)
        if isinstance(obj, ExtRef) and name == "__name__":
            return _short(obj.qname)
        if isinstance(obj, str):
            return _Method(name, obj)
        if isinstance(obj, tuple):
            return _Method(name, obj)
        return UNK

    def method(self, name: str, recv: object, args: list, kwargs: dict, node, frame) -> object:
        i = self.i
        if self.keras.owns(recv):
            out = self.keras.method(recv, name, args, kwargs, node)
            if out is not NotImplemented:
                return out
        if isinstance(recv, Tensor):
            return self.tensor_method(recv, name, args, kwargs, node)
        if isinstance(recv, DATA_VALUES):
            return self.data.method_of(recv, name, args, kwargs, node)
        if isinstance(recv, cli_args.ArgParser):
            return cli_args.method(recv, name, args, kwargs)
        if isinstance(recv, LibModel):
            return recv if name in TORCH.LIBRARY_MODEL_SELF else UNK
        if isinstance(recv, LayerVal) and name == "adapt":
            self.data.adapted(recv)
            return None
        if isinstance(recv, ParamRef):
            spec = TENSOR_METHOD_INITS.get(name)
            if spec is not None:
                self.apply_init(recv, spec, Args(args, kwargs), node)
            elif name == "copy_" and args and recv.name == "weight":  # fc.weight.data.copy_(torch.rand(...))
                self.assign_weight(recv.layer, args[0], node)
            return recv
        if isinstance(recv, str):
            if name == "find" and args and isinstance(args[0], str):
                return recv.find(args[0])
            if name in ("startswith", "endswith") and args and isinstance(args[0], str):
                return getattr(recv, name)(args[0])
            if name in ("lower", "upper", "strip") and not args:
                return getattr(recv, name)()
            if name == "format":
                return UNK
            return UNK
        if isinstance(recv, DictVal):
            d = recv.items
            if name == "items":
                return ListVal([(k, v) for k, v in d.items()])
            if name == "keys":
                return ListVal(list(d.keys()))
            if name == "values":
                return ListVal(list(d.values()))
            if name == "get" and args:
                k = args[0]
                return d.get(k, args[1] if len(args) > 1 else None) if isinstance(k, (str, int)) else UNK
            if name == "update" and args and isinstance(args[0], DictVal):
                d.update(args[0].items)
            if name == "pop" and args and isinstance(args[0], (str, int)):  # kind = cfg.pop("type")
                return d.pop(args[0], args[1] if len(args) > 1 else UNK)
            if name == "copy" and not args:
                return DictVal(dict(d))
            return UNK
        if isinstance(recv, ListVal):
            if name == "append" and args:
                if len(recv.items) < 10_000:
                    recv.items.append(args[0])
                return None
            if name == "extend" and args:
                more = i.iterate(args[0]) or []
                recv.items.extend(more[: max(0, 10_000 - len(recv.items))])
                return None
            if name == "insert" and len(args) == 2 and isinstance(args[0], int):
                recv.items.insert(args[0], args[1])
                return None
            if name == "pop":
                return recv.items.pop() if recv.items else UNK
            if name == "as_list":  # TF1's TensorShape.as_list()
                return recv
            return UNK
        if isinstance(recv, tuple):
            return UNK
        if isinstance(recv, SeqVal):
            if name in ("append", "add_module", "extend", "insert", "register_module"):
                new = [args[-1]] if name != "extend" else (i.iterate(args[0]) or []) if args else []
                for m in new:
                    i.mark_part(m)
                    if name in ("add_module", "register_module") and args and isinstance(args[0], str) and \
                            isinstance(m, LayerVal) and m.op.name is None:
                        m.op.name = args[0]
                if name == "insert" and len(args) == 2 and isinstance(args[0], int):
                    recv.children.insert(args[0], args[1])
                else:
                    recv.children.extend(new)
                return None
            if recv.kind == "dict" and recv.keys is not None and len(recv.keys) == len(recv.children) and \
                    name in ("items", "keys", "values"):  # nn.ModuleDict({"price": ..., "kind": ...}).items()
                return ListVal({"items": list(zip(recv.keys, recv.children, strict=True)), "keys": list(recv.keys),
                                "values": list(recv.children)}[name])
            return self.module_method(recv, name, args, kwargs, node)
        if isinstance(recv, (Instance, LayerVal)):
            if isinstance(recv, Instance) and name in ("add_module", "register_module") and len(args) == 2 and \
                    isinstance(args[0], str):
                i.setattr(recv, args[0], args[1])
                return None
            if isinstance(recv, Instance) and name == "append" and recv.children is not None and args:
                i.mark_part(args[0])
                recv.children.append(args[0])
                return None
            return self.module_method(recv, name, args, kwargs, node)
        return UNK

    def module_method(self, recv: object, name: str, args: list, kwargs: dict, node) -> object:
        i = self.i
        if name in ("modules", "children", "named_modules", "named_children"):
            mods = modules_of(recv, deep=name in ("modules", "named_modules"))
            if name.startswith("named_"):
                return ListVal([("", m) for m in mods])
            return ListVal(mods)
        if name == "apply" and args:
            for m in modules_of(recv, deep=True)[:512]:
                i.call(args[0], [m], {}, None)
            return recv
        if name in ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "requires_grad_", "share_memory"):
            return recv
        if name == "forward" and isinstance(recv, Instance):
            return i.call_instance(recv, args, kwargs, node)
        if name == "forward" and isinstance(recv, SeqVal):
            return i.apply_seq(recv, args[0] if args else UNK, node)
        if name in ("parameters", "named_parameters"):
            # each layer's weight and bias, so `for name, p in self.named_parameters(): if "weight" in name:
            # nn.init.uniform_(p, 0, 0.1)` initialises the weights it names (only a layer's own kind counts)
            params = [(f"{m.op.name or k}.{w}", ParamRef(m, w)) for k, m in enumerate(modules_of(recv)[:512])
                      if isinstance(m, LayerVal) and m.op.kind in ("affine", "norm") for w in ("weight", "bias")]
            return ListVal(params if name == "named_parameters" else [p for _, p in params])
        return UNK

    # ================================================================ tensors

    def tensor_method(self, t: Tensor, name: str, args: list, kwargs: dict, node) -> object:
        if t.data is not None and name != "get_shape":
            return self.data.tensor_method(t, name, args, kwargs, node)
        if t.param and (name in _SHAPE_METHODS or name in _PASS_METHODS or name in ("t", "t_")):
            return t  # W.t(), W.view(...), W.to(device): still the weight
        if name == "backward":
            self.i.trains(t)
            return None
        if name == "detach" and t.net is not None and not t.losses and not t.unlinked:
            # no gradient flows back through it: a loss on it (a metric logged) trains nothing
            return dataclasses.replace(t, detached=True)
        if name == "get_shape":  # TF1
            from relulint.source.interp.tf1_api import shape_value

            return shape_value(t)
        if name in _TENSOR_ACTS:
            out = self.act_op(node, _TENSOR_ACTS[name], t)
            if _TENSOR_ACTS[name] == "softmax" and out.chain[-1].activation is not None:  # x.softmax(dim=-1)
                out.chain[-1].activation.axis = stated_axis(Args(args, kwargs), Arg(0, "dim"))
            return out
        if name in ("clamp", "clamp_", "clamp_min", "clip", "clamp_min_"):
            kind = _clamp_kind(Args(args, kwargs), method=True, min_only=name.startswith("clamp_min"))
            return self.act_op(node, kind, t) if kind else Tensor(net=t.net, chain=t.chain)
        if name in ("pow", "pow_") and args and args[0] == 2 or name in ("square", "square_"):
            return self.square(t)
        if name in TORCH.LOG_METHODS:
            return self.log_of(t, node)
        if name in ("abs", "abs_"):
            return self.abs_of(t)
        if t.error_of is not None and name in ("clamp", "clamp_", "clip", "clamp_max", "clamp_min"):
            return t  # min(|e|, delta): still the error term of a Huber loss
        if name in _REDUCE:
            if t.squared is not None or t.log_product is not None or t.error_of is not None or t.losses \
                    or t.unlinked:
                return self.reduce(t, node)
            return self.kind_op(node, "shape", t) if t.net is not None or t.chain else t
        if name in _SHAPE_METHODS:
            return self.kind_op(node, "shape", t) if t.net is not None or t.chain else t
        if name in _PASS_METHODS:
            return t
        if name in ("size", "dim", "numel", "max", "min", "argmax", "argmin", "eq", "ne", "sum_to_size"):
            return UNK
        if t.net is None and not t.chain:
            return Tensor()
        return self.i.opaque([t], node)

    def tensor_binop(self, a: object, kind: str, b: object, node) -> object:
        scaled = self.tf1.scaled_init(a, kind, b)  # tf.random_normal(shape) * 0.01: a TF1 initial value
        if scaled is not None:
            return scaled
        ta = a if isinstance(a, Tensor) else None
        tb = b if isinstance(b, Tensor) else None
        if (ta is not None and (ta.data is not None or ta.stat is not None) or
                tb is not None and (tb.data is not None or tb.stat is not None)) and not _network_tensors([a, b], {}):
            return self.data.binop(a, kind, b, node)
        if kind == "Divide" and ta is not None and tb is None and _plain_unknown(ta) and \
                isinstance(b, (int, float)) and not isinstance(b, bool) and abs(b) > 1 and self.i.recording:
            # points / IMG_SIZE on values not followed: a scaling step, continuous values (labels are not divided)
            return Tensor(data=self.data.make(node, None, None, scaled=True, scaled_by=self.text(node),
                                              scaled_at=self.origin(node), continuous=True))
        if kind == "Power" and ta is not None and b == 2:
            return self.square(ta)
        if kind == "MatrixMultiply" and self.tf1.is_weight(a, b):  # x @ W, W a tf.Variable / add_weight
            return self.tf1.affine("tensorflow.matmul", Args([a, b], {}), node)
        if kind == "MatrixMultiply" and ta is not None and tb is not None and ta.param != tb.param:
            # x @ W with W an nn.Parameter: a linear layer written by hand (its fans are not read)
            x, w = (tb, ta) if ta.param else (ta, tb)
            if not (x.losses or x.unlinked):
                op = self.i.site_op(node, "affine", "matmul")
                known = self._param_inits.get(id(w))
                if known is not None and known[0] is w:  # W = nn.Parameter(torch.rand(d, h)): its init
                    op.weight_init, op.init_site = known[1], known[1].origin
                return Tensor(net=x.net, chain=x.chain + (op,))
        if kind == "Multiply":  # t * log(p): the terms of a cross-entropy, with p the prediction
            logged = next((x for x in (ta, tb) if x is not None and (x.logged or x.log_product)), None)
            if logged is not None:
                p = logged.logged or logged.log_product
                return Tensor(net=p.net, chain=p.chain, log_product=p)
        tensors = [x for x in (ta, tb) if x is not None]
        errors = [x.error_of or x.squared for x in tensors if x.error_of is not None or x.squared is not None]
        if errors and not any(x.losses or x.unlinked for x in tensors):
            plain = [x for x in tensors if x.error_of is None and x.squared is None]
            if not any(x.net is not None for x in plain):  # error terms with constants or data only
                if len(tensors) == 1 and tensors[0].squared is not None and kind in ("Multiply", "Divide"):
                    return tensors[0]  # 0.5 * (p - t) ** 2: still squared error
                return Tensor(error_of=errors[0])  # 0.5 * q ** 2 + delta * (|e| - q): Huber
        net = next((x.net for x in tensors if x.net is not None), None)
        losses = tuple(bd for x in tensors for bd in x.losses)
        unlinked = tuple(u for x in tensors for u in x.unlinked)
        if losses or unlinked:
            return Tensor(losses=losses, unlinked=unlinked)
        chain = union([x.chain for x in tensors])
        if net is not None and kind in ("Divide", "Multiply") and (ta is None or tb is None) and \
                isinstance(b if tb is None else a, (int, float)):  # x / 255.0 in a functional graph, net(x) * 1e5
            t = ta or tb
            return Tensor(net=net, chain=chain + (self.i.site_op(node, "scale", "scale"),), shape=t.shape)
        if kind == "Subtract" and not _same_output(ta, tb):
            pred = ta if ta is not None and ta.net is not None else (tb if tb is not None and tb.net is not None else ta)
            other = tb if pred is ta else ta
            target = other.data if other is not None and other.net is None else None
            return Tensor(net=net, chain=chain, diff_of=pred or tb, target=target)
        if kind == "MatrixMultiply" and net is not None:
            return Tensor(net=net, chain=chain + (self.i.site_op(node, "other", "matmul"),))
        if kind == "Add" and net is not SYMBOLIC and ((ta is not None and tb is not None) or a is UNK or b is UNK) \
                and any(op.kind == "affine" for op in chain) and not any(x.param for x in tensors):  # (+ bias: no join)
            # a residual add after a layer (relu(fc(x)) + x, x maybe unknown): the sum is no activation's
            # output. The join reads the op before it and a value the chain does not hold: every walk
            # through the IR stops there (ir.Network)
            join = self.i.site_op(node, "other", "add")
            join.inputs = (PREVIOUS_OP, UNKNOWN_VALUE)
            return Tensor(net=net, chain=chain + (join,), shape=(ta or tb).shape)
        shapes = [x.shape for x in tensors if x.shape is not None]
        if kind == "Add" and net is None and not chain and ta is not None and _plain_unknown(ta):
            # x + noise: a corrupted copy of x (a denoising autoencoder is trained to give x back)
            return Tensor(shape=shapes[0] if shapes else None, derived_from=ta.derived_from or ta)
        return Tensor(net=net, chain=chain, shape=shapes[0] if shapes else None)  # x + f(x): the same shape

    def slice_of(self, base: object, bounds, node) -> object:
        if isinstance(base, Tensor):
            return _shapeless(self._part_of(base, node))
        if isinstance(base, (ListVal, tuple)):
            items = base.items if isinstance(base, ListVal) else list(base)
            if bounds is not None and all(b is None or isinstance(b, int) for b in bounds):
                out = items[bounds[0]:bounds[1]]
                return ListVal(out) if isinstance(base, ListVal) else tuple(out)
            return UNK
        if isinstance(base, SeqVal):
            if bounds is not None and all(b is None or isinstance(b, int) for b in bounds):
                return SeqVal(kind=base.kind, children=base.children[bounds[0]:bounds[1]], node=base.node, part=True)
            return UNK
        if isinstance(base, str) and bounds is not None and all(b is None or isinstance(b, int) for b in bounds):
            return base[bounds[0]:bounds[1]]
        return UNK

    def index(self, base: object, key: object, node) -> object:
        if isinstance(base, Tensor):
            return _shapeless(self._part_of(base, node))
        if isinstance(base, (ListVal, tuple)):
            items = base.items if isinstance(base, ListVal) else base
            if isinstance(base, ListVal) and base.repeated and items:
                return items[0]
            if isinstance(key, int) and not isinstance(key, bool) and -len(items) <= key < len(items):
                return items[key]
            return UNK
        if isinstance(base, DictVal):
            return base.items.get(key, UNK) if isinstance(key, (str, int)) else UNK
        if isinstance(base, SeqVal):
            if base.kind == "dict" and isinstance(key, str) and base.keys and key in base.keys:
                return base.children[base.keys.index(key)]
            if isinstance(key, int) and -len(base.children) <= key < len(base.children):
                return base.children[key]
            return UNK
        if isinstance(base, Instance) and base.children is not None and isinstance(key, int):
            ch = base.children
            return ch[key] if -len(ch) <= key < len(ch) else UNK
        if isinstance(base, str) and isinstance(key, int) and -len(base) <= key < len(base):
            return base[key]
        return UNK


    def arg_text(self, call, pos: int, keyword: str) -> str | None:
        """The source text of a call's argument, given at `pos` or as `keyword=`; None when not written out."""
        if not isinstance(call, cst.Call):
            return None
        for i, a in enumerate(call.args):
            if a.star:
                return None
            if a.keyword is not None:
                if a.keyword.value == keyword:
                    return self.text(a.value)
            elif i == pos:
                return self.text(a.value)
        return None

    def _part_of(self, t: Tensor, node) -> Tensor:
        """data[:, :8], frame["price"]: a part of the data (DataSource.part), told apart by its subscript."""
        if t.data is None or not isinstance(node, cst.Subscript):
            return t
        part = "[" + ", ".join(self.text(el) for el in node.slice) + "]"
        return dataclasses.replace(t, data=dataclasses.replace(t.data, part=t.data.part + part))


def _plain_unknown(t: Tensor) -> bool:
    """A tensor the interpreter knows nothing of: no network, data, loss, weight or error term."""
    return t.data is None and t.stat is None and not _network_tensors([t], {})


def _network_tensors(args: list, kwargs: dict) -> bool:
    """Some argument is more than data: a network's output, a loss, a weight, an error term."""
    for x in (*args, *kwargs.values()):
        if isinstance(x, Tensor) and (x.net is not None or x.chain or x.losses or x.unlinked or x.param or x.squared is not None
                                      or x.diff_of is not None or x.error_of is not None or x.logged is not None):
            return True
    return False


def stated_axis(a: Args, ref: Arg) -> int | str | None:
    """The axis a softmax call states (see Activation.axis): a number, "unknown", or None when not given."""
    if not a.given(ref):
        return None
    v = a.get(ref)
    return v if isinstance(v, int) and not isinstance(v, bool) else "unknown"


def _shapeless(t: Tensor) -> Tensor:
    """`x[:, :10]`: the same values' tensor, of a shape no longer known."""
    if t.shape is None:
        return t
    return dataclasses.replace(t, shape=None)


def slope_of(entry: tuple, a: Args) -> float | None:
    """A leaky activation's negative slope: the argument (any of its spellings) when it is a known
    number, else the API default when no spelling is given, else None (unknown)."""
    refs, default = entry
    given = next((ref for ref in refs if a.given(ref)), None)
    if given is None:
        return default
    v = a.get(given)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def judgeable(chain: tuple[Op, ...]) -> bool:
    """A prediction can be judged when its last affine op is known and nothing unknown follows it."""
    last = None
    for idx, op in enumerate(chain):
        if op.kind == "affine":
            last = idx
    if last is None:
        return False
    return not any(op.kind == "other" for op in chain[last + 1:])


def net_name(key: object) -> str:
    if isinstance(key, Instance):
        return key.cls.name
    if isinstance(key, SeqVal):
        return key.name or "Sequential"
    if isinstance(key, GraphModel):
        return key.name or "Model"
    name = getattr(key, "name", None)  # a TF1 graph: the function that builds it
    return name if isinstance(name, str) else "model"


def modules_of(root: object, deep: bool = True, limit: int = 2000) -> list:
    out: list = []
    seen: set[int] = set()

    def subs(m: object) -> list:
        if isinstance(m, Instance):
            vals = list(m.attrs.values()) + (m.children or [])
        elif isinstance(m, SeqVal):
            vals = list(m.children)
        else:
            return []
        flat: list = []
        for v in vals:
            if isinstance(v, (Instance, SeqVal, LayerVal)):
                flat.append(v)
            elif isinstance(v, (ListVal, tuple)):
                flat.extend(x for x in (v.items if isinstance(v, ListVal) else v)
                            if isinstance(x, (Instance, SeqVal, LayerVal)))
        return [v for v in flat if not (isinstance(v, Instance) and not v.is_module)]

    def visit(m: object, top: bool) -> None:
        if id(m) in seen or len(out) >= limit:
            return
        seen.add(id(m))
        out.append(m)
        if deep or top:
            for c in subs(m):
                if deep:
                    visit(c, False)
                elif id(c) not in seen:
                    seen.add(id(c))
                    out.append(c)

    if deep:
        visit(root, True)
        return out
    seen.add(id(root))
    for c in subs(root):
        if id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def type_of(v: object) -> object:
    if isinstance(v, LayerVal):
        return ExtRef(v.qname)
    if isinstance(v, Instance):
        return v.cls
    if isinstance(v, SeqVal):
        return ExtRef("torch.nn.Sequential" if v.kind == "sequential" else "torch.nn.ModuleList")
    return UNK


def isinstance_of(obj: object, cls: object) -> object:
    if isinstance(cls, (tuple, ListVal)):
        results = [isinstance_of(obj, c) for c in (cls.items if isinstance(cls, ListVal) else cls)]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else UNK
    if isinstance(cls, ExtRef):
        q = canonical(cls.qname)
        if q in ("builtins.int", "builtins.float", "builtins.str", "builtins.list", "builtins.tuple",
                 "builtins.dict", "builtins.bool"):
            py = {"int": int, "float": float, "str": str, "list": ListVal, "tuple": tuple, "dict": DictVal,
                  "bool": bool}[q[9:]]
            if obj is UNK:
                return UNK
            return isinstance(obj, py) and not (py is int and isinstance(obj, bool))
        if isinstance(obj, LayerVal):
            if q == "torch.nn.Module":
                return True
            mine, theirs = _short(canonical(obj.qname)), _short(q)
            if canonical(obj.qname) == q:
                return True
            if theirs.startswith("_"):  # nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm
                stem = theirs.strip("_").replace("Nd", "")
                return mine.startswith(stem)
            return False
        if isinstance(obj, SeqVal):
            return q == "torch.nn.Module" or q == {"sequential": "torch.nn.Sequential", "list": "torch.nn.ModuleList",
                                                   "dict": "torch.nn.ModuleDict"}[obj.kind]
        if isinstance(obj, Instance):
            if q == "torch.nn.Module" and obj.is_module:
                return True
            return q in {canonical(b) for b in obj.cls.external_bases()} or (False if q.startswith("torch.nn.") else UNK)
        if isinstance(obj, Tensor):
            return True if q == "torch.Tensor" else UNK
        return UNK
    if isinstance(cls, ClassVal):
        if isinstance(obj, Instance):
            return cls in obj.cls.mro()
        if isinstance(obj, (LayerVal, SeqVal)):
            return False
        return UNK
    return UNK


def _int(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _clamp_kind(a: Args, method: bool, min_only: bool = False) -> str | None:
    """clamp(x, min=0) is a ReLU; clamp(x, 0, 6) a ReLU6."""
    off = 0 if method else 1
    lo = a.get(Arg(off, "min"))
    hi = None if min_only else a.get(Arg(off + 1, "max"))
    if isinstance(lo, (int, float)) and not isinstance(lo, bool) and lo == 0:
        if not isinstance(hi, (int, float)) or isinstance(hi, bool):
            return "relu"
        return "relu6" if hi == 6 else "hardtanh"
    return None


def _same_output(pred: object, target: object) -> bool:
    """`F.mse_loss(feat(out), feat(ref))`: a network's output compared with its own output on other data
    (a perceptual or feature-matching loss). Both sides pass the same output activation, so it clamps no
    target away: the loss judges no output layer."""
    return isinstance(pred, Tensor) and isinstance(target, Tensor) and target.net is pred.net and \
        bool(pred.chain) and bool(target.chain) and target.chain[-1] is pred.chain[-1]
