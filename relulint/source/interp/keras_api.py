"""The Keras / tf.keras API model of the source interpreter.

What Keras calls do to abstract values, read from `relulint.knowledge.keras`:

- a layer constructor (`Dense(64, activation="relu")`) is a `LayerVal` holding one Op with its fused
  activation and kernel initialiser; applying it to a tensor appends the Op and carries the
  (batch-less) shape, which gives each Dense / Conv its fan-in (Keras never names it);
- `keras.Input(shape=...)` is a symbolic tensor: it belongs to no model until `Model(inputs, outputs)`
  makes a `GraphModel` of the ops from the inputs to each output;
- `Sequential([...])` and `Sequential()` + `.add(...)` are a `SeqVal` (framework keras); models are
  layers too, so `decoder(encoder(x))` carries the decoder's last activation;
- a subclassed `keras.Model` runs `__init__` and `call()` like a torch module runs `forward()`;
- `model.compile(loss=...)` binds that loss to that model (a string, a loss class or instance, a
  variable holding one); a Keras loss called as `loss_fn(y_true, y_pred)` binds through its second
  argument, like any loss call of the interpreter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import libcst as cst

from relulint.ir import Activation, Init, Loss, ModuleFacts, Network, Op
from relulint.knowledge import Arg, LayerSpec, canonical, tables
from relulint.knowledge import keras as K
from relulint.source.common import kernel_volume
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
    ListVal,
    LossVal,
    SeqVal,
    Tensor,
    union,
)
from relulint.source.lowering import init_from_spec

# element-wise squares and reductions: `K.mean(K.square(y_pred - y_true))` is a hand-written squared error
_SQUARES = frozenset({"keras.backend.square", "keras.ops.square", "tensorflow.square", "tensorflow.math.square"})
_REDUCES = frozenset({"keras.backend.mean", "keras.backend.sum", "keras.ops.mean", "keras.ops.sum",
                      "tensorflow.reduce_mean", "tensorflow.reduce_sum", "tensorflow.math.reduce_mean",
                      "tensorflow.math.reduce_sum"})
_SHAPE_KWS = frozenset({*K.INPUT_SHAPE_KWS, *K.BATCH_SHAPE_KWS, K.INPUT_DIM_KW})
Shape = tuple | None  # batch-less dims (int or None); a leading Ellipsis means "unknown leading dims"


class _Symbolic:
    """The `net` of a tensor in a functional graph (made from keras.Input): neither data nor a model's
    output, so no loss binds to it (a VAE's `mse(inputs, outputs)` handed to `add_loss`)."""

    __slots__ = ()


SYMBOLIC = _Symbolic()


@dataclass(eq=False)
class InitVal:
    """An initialiser object: `keras.initializers.HeNormal()`, `RandomNormal(stddev=0.01)`."""

    init: Init


def is_keras_class(cls: ClassVal) -> bool:
    return any(canonical(q).startswith("keras.") for q in cls.external_bases())


def is_keras_model_class(cls: ClassVal) -> bool:
    return any(canonical(q) in K.MODEL_BASES for q in cls.external_bases())


def framework_of(value: object) -> str:
    if isinstance(value, GraphModel):
        return "keras"
    if isinstance(value, SeqVal):
        return value.framework
    if isinstance(value, Instance) and is_keras_class(value.cls):
        return "keras"
    if getattr(value, "framework", None) == "tf1":
        return "tf1"
    return "torch"


def _short(q: str) -> str:
    return q.rsplit(".", 1)[-1]


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _dim(v: object) -> int | None:
    return int(v) if _is_num(v) and math.isfinite(v) and float(v).is_integer() else None


def _plain(v: object) -> object:
    """A ListVal of numbers as the tuple the shape rules read."""
    if isinstance(v, ListVal) and not v.repeated:
        return tuple(v.items)
    return v


def _tuple(v: object, dims: int) -> tuple[int, ...] | None:
    v = _plain(v)
    if _dim(v) is not None:
        return (_dim(v),) * dims
    if isinstance(v, tuple) and len(v) == dims and all(_dim(x) is not None for x in v):
        return tuple(_dim(x) for x in v)
    return None


def _spatial(shape: Shape, dims: int) -> tuple[int, ...] | None:
    if not shape or len(shape) != dims + 1 or shape[0] is Ellipsis:
        return None
    spatial = shape[:-1]
    return spatial if all(isinstance(d, int) for d in spatial) else None


def _window(spatial: tuple[int, ...], k: tuple[int, ...], strides: tuple[int, ...], padding: object) -> tuple:
    if any(s <= 0 for s in strides) or any(kk <= 0 for kk in k):
        return tuple(None for _ in spatial)  # not a valid layer: unknown, not a crash
    if padding == "same":
        return tuple(-(-n // s) for n, s in zip(spatial, strides, strict=False))
    if padding == "valid":
        return tuple(max((n - kk) // s + 1, 0) for n, kk, s in zip(spatial, k, strides, strict=False))
    return tuple(None for _ in spatial)


def declared_shape(a, input_layer: bool) -> Shape:
    """Input(shape=(784,)), InputLayer(input_shape=...), Dense(64, input_shape=(784,)) / input_dim=784."""
    refs = [K.INPUT_SHAPE] if input_layer else []
    refs += [Arg(None, kw) for kw in K.INPUT_SHAPE_KWS]
    for ref in refs:
        v = _plain(a.get(ref))
        if isinstance(v, tuple):
            return tuple(_dim(d) for d in v)
        if _dim(v) is not None:
            return (_dim(v),)
    for kw in K.BATCH_SHAPE_KWS:
        v = _plain(a.get(Arg(None, kw)))
        if isinstance(v, tuple) and len(v) >= 2:
            return tuple(_dim(d) for d in v[1:])
    dim = _dim(a.get(Arg(None, K.INPUT_DIM_KW)))
    return (dim,) if dim else None


def _tensors_in(v: object) -> list[Tensor]:
    if isinstance(v, Tensor):
        return [v]
    if isinstance(v, (ListVal, tuple)):
        return [x for x in (v.items if isinstance(v, ListVal) else v) if isinstance(x, Tensor)]
    if isinstance(v, DictVal):
        return [x for x in v.items.values() if isinstance(x, Tensor)]
    return []


class KerasApi:
    SEQUENTIAL = K.SEQUENTIAL

    def __init__(self, api) -> None:
        self.api = api
        self.i = api.i
        self.t = api.t
        self.layer_args: dict[int, tuple[str, object]] = {}  # id(op) -> (qname, Args): the shape rules
        self.models: list[GraphModel] = []  # functional models the linted file builds
        self.compiled: list[tuple[object, Loss]] = []  # model.compile(loss=...)
        self.loss_ids: set[int] = set()  # Keras losses: called as (y_true, y_pred)

    # ================================================================ calls of keras names

    def call(self, q: str, args: list, kwargs: dict, node) -> object:
        from relulint.source.interp.api import Args

        a = Args(args, kwargs)
        if q in K.SEQUENTIAL:
            return self.sequential(a, node)
        if q in K.FUNCTIONAL_MODEL:
            return self.functional(a, node)
        if q in K.INPUTS:
            return Tensor(net=SYMBOLIC, shape=declared_shape(a, input_layer=True),
                          data=self.api.data.declared_input(a, node))
        if q in K.WRAPPERS and isinstance(a.get(K.WRAPPERS[q]), LayerVal):
            return a.get(K.WRAPPERS[q])
        spec = self.t.layers.get(q)
        if spec is not None or q.startswith("keras.layers.") and _short(q)[:1].isupper():
            layer = self.layer(q, spec or LayerSpec("other"), a, node)
            if _short(q)[:1].islower():  # keras.layers.add([a, b]): the function form applies at once
                return self.apply(layer, args[:1], {}, None)
            return layer
        out = self.tensor_op(q, args, node)
        if out is not None:
            return out
        kind = self.t.activations.get(q)
        if kind is not None:  # keras.activations.relu(x), keras.ops.relu(x) inside call()
            x = args[0] if args else kwargs.get("x", UNK)
            if not isinstance(x, Tensor):
                return UNK
            return self.activation_applied(node, kind, x, a if kind == "softmax" else None)
        lspec = self.t.losses.get(q)
        if lspec is not None:
            from_logits = a.get(lspec.from_logits) if lspec.from_logits is not None else None
            if _short(q)[:1].isupper() and not _short(q).isupper():  # a class (MSE is a function): an object
                loss = Loss(lspec.kind, self.api.text(node), self.api.origin(node),
                            from_logits=from_logits if isinstance(from_logits, bool) else None)
                self.loss_ids.add(id(loss))
                lv = LossVal(loss)
                self.i.loss_vals.append(lv)
                return lv
            loss = self.api.site_loss(node, lspec.kind)
            loss.from_logits = from_logits if isinstance(from_logits, bool) else None
            self.loss_ids.add(id(loss))
            return self.api.loss_site(loss, args, kwargs, node)
        ispec = self.t.initializers.get(q)
        if ispec is not None:
            return InitVal(init_from_spec(a, ispec, node, self.api.text(node), self.api.origin(node)))
        return self.api._through(args, node, kwargs)

    def tensor_op(self, q: str, args: list, node) -> object | None:
        """tf.square / K.square and the reductions, so a hand-written squared error is a loss site."""
        x = args[0] if args else None
        if not isinstance(x, Tensor):
            return None
        if q in _SQUARES:
            return self.api.square(x)
        if q in _REDUCES:
            if x.squared is not None or x.losses or x.unlinked:
                return self.api.reduce(x, node)
            return self.api.kind_op(node, "shape", x) if x.net is not None else x
        return None

    def prediction(self, loss: Loss, args: list, kwargs: dict) -> object:
        """The prediction a Keras loss call compares: `loss_fn(y_true, y_pred)`."""
        if id(loss) not in self.loss_ids:
            return None
        if "y_pred" in kwargs:
            return kwargs["y_pred"]
        return args[1] if len(args) > 1 else UNK

    # ================================================================ layers

    def layer(self, q: str, spec: LayerSpec, a, node) -> LayerVal:
        origin = self.api.origin(node)
        text = self.api.text(node)
        label = a.kwargs.get("name")
        name = label if isinstance(label, str) else None
        if spec.kind == "activation":
            op = Op("activation", text, origin, name=name, activation=self._layer_activation(q, spec, a, node))
        else:
            op = Op(spec.kind, text, origin, name=name)
            if spec.kind == "affine":
                self._affine(op, spec, a, node)
        self.layer_args[id(op)] = (q, a)
        if op.kind in ("affine", "activation"):  # a layer factory (`def block(units): return Dense(units, ...)`)
            self.api.tf1.at_call_site(op)  # is reported at its call, as in TF1 (a Dropout stays where written)
        return LayerVal(q, op, node=node)

    def _layer_activation(self, q: str, spec: LayerSpec, a, node) -> Activation | None:
        origin = self.api.origin(node)
        text = self.api.text(node)
        if spec.activation_kind:
            kind = spec.activation_kind
            if kind == "relu" and _is_num(a.get(Arg(0, "max_value"))):  # ReLU(max_value=6) is relu6
                kind = "relu6"
            act = Activation(kind, text, origin)
            if kind == "softmax":
                from relulint.source.interp.api import stated_axis

                act.axis = stated_axis(a, Arg(0, "axis"))
            slopes = tables().negative_slopes
            if q in slopes:
                from relulint.source.interp.api import slope_of

                act.negative_slope = slope_of(slopes[q], a)
            return act
        if spec.activation_from is not None:
            inner = self.activation_of(a.get(spec.activation_from), node, spec.activation_from)
            if inner is not None:
                return Activation(inner.kind, text, origin)
        return None

    def _affine(self, op: Op, spec: LayerSpec, a, node) -> None:
        fan_out = _dim(a.get(spec.fan_out)) if spec.fan_out else None
        if spec.kernel_size is not None:
            vol = kernel_volume(_plain(a.get(spec.kernel_size)), spec.spatial_dims)
            fan_out = fan_out * vol if fan_out is not None and vol is not None else None
        op.fan_out = fan_out
        if spec.activation is not None and a.given(spec.activation):
            act = self.activation_of(a.get(spec.activation), node, spec.activation)
            if act is not None and act.kind != "linear":  # activation=None / "linear" is the identity
                op.activation = act
        if spec.kernel_init is not None:
            if a.given(spec.kernel_init):
                op.weight_init = self.init_of(a.get(spec.kernel_init), node, spec.kernel_init)
                op.init_site = op.origin
            elif isinstance(spec.kernel_init.default, str):
                ds = self.t.init_strings.get(spec.kernel_init.default)
                if ds is not None:
                    op.weight_init = init_from_spec(None, ds, None, f"default {spec.kernel_init.default}", None)

    def _arg_node(self, node, ref: Arg) -> cst.CSTNode | None:
        """The argument expression a call passes for `ref` (for the origin of what it names)."""
        if not isinstance(node, cst.Call):
            return None
        positional = [x for x in node.args if x.keyword is None and not x.star]
        for x in node.args:
            if x.keyword is not None and x.keyword.value == ref.kw:
                return x.value
        if ref.pos is not None and ref.pos < len(positional):
            return positional[ref.pos].value
        return None

    def activation_of(self, v: object, node, ref: Arg) -> Activation | None:
        """activation='relu', activation=tf.nn.relu, activation=None, activation=ReLU()."""
        at = self._arg_node(node, ref)
        origin = self.api.origin(at) if at is not None else self.api.origin(node)
        if isinstance(v, str):
            kind = self.t.activation_strings.get(v.lower())
            return Activation(kind, repr(v), origin) if kind else None
        if v is None:
            return Activation("linear", "None", origin)
        if isinstance(v, ExtRef):
            kind = self.t.activations.get(canonical(v.qname))
            return Activation(kind, self.api.text(at) if at is not None else _short(v.qname), origin) if kind else None
        if isinstance(v, LayerVal) and v.op.kind == "activation" and v.op.activation is not None:
            return Activation(v.op.activation.kind, v.op.display, origin)
        return None

    def init_of(self, v: object, node, ref: Arg) -> Init | None:
        if isinstance(v, InitVal):
            return v.init
        at = self._arg_node(node, ref)
        origin = self.api.origin(at) if at is not None else None
        if isinstance(v, str):
            spec = self.t.init_strings.get(v)
            return init_from_spec(None, spec, None, repr(v), origin) if spec else None
        if isinstance(v, ExtRef):  # kernel_initializer=tf.keras.initializers.he_normal (uncalled)
            spec = self.t.initializers.get(canonical(v.qname))
            return init_from_spec(None, spec, None, self.api.text(at) if at is not None else v.qname, origin) \
                if spec else None
        return None

    def activation_applied(self, node, kind: str, x: Tensor, a=None) -> Tensor:
        """`a`: a softmax call's arguments, for the axis it states (keras.activations.softmax(x, axis=1))."""
        out = self.api.act_op(node, kind, x)
        out.shape = x.shape
        if a is not None and out.chain[-1].activation is not None:
            from relulint.source.interp.api import stated_axis

            out.chain[-1].activation.axis = stated_axis(a, Arg(1, "axis"))
        return out

    def apply(self, layer: LayerVal, args: list, kwargs: dict, node) -> object:
        """A layer called on a tensor (or, for merges, on a list of them)."""
        x = args[0] if args else kwargs.get("inputs", UNK)
        q, a = self.layer_args.get(id(layer.op), (layer.qname, None))
        merged = _tensors_in(x) if isinstance(x, (ListVal, tuple)) else None
        if merged is not None:  # Add()([a, b]), Concatenate()([a, b])
            net = next((t.net for t in merged if t.net is not None), None)
            rule = K.SHAPE_RULES.get(q)
            shapes = [t.shape for t in merged]
            shape = None
            if rule and rule[0] == "add":
                shape = next((s for s in shapes if s is not None), None)
            elif rule and rule[0] == "concat":
                lasts = [s[-1] if s else None for s in shapes]
                if lasts and all(isinstance(v, int) for v in lasts):
                    shape = (..., sum(lasts))
            return Tensor(net=net, chain=union([t.chain for t in merged]) + (layer.op,), shape=shape)
        t = x if isinstance(x, Tensor) else Tensor()
        in_shape = t.shape
        if in_shape is None and a is not None and (q == "keras.layers.InputLayer" or
                                                   not _SHAPE_KWS.isdisjoint(a.kwargs)):
            in_shape = declared_shape(a, input_layer=q == "keras.layers.InputLayer")
        if q == "keras.layers.InputLayer":
            return Tensor(net=t.net, chain=t.chain, shape=in_shape)
        if q in K.LAMBDA_LAYERS and a is not None:  # Lambda(lambda x: tf.nn.relu(x)): what its function does
            out = self.i.call(a.get(K.LAMBDA_LAYERS[q]), [t], {}, layer.node)
            if isinstance(out, Tensor) and out.chain[:len(t.chain)] == t.chain and out.chain != t.chain:
                return Tensor(net=t.net, chain=out.chain, shape=out.shape)
        out = self.api.apply_layer_op(layer, t, node)
        site = out.chain[-1] if out.chain else None
        if site is not None and site is not layer.op and site.kind == "activation":
            self.api.tf1.at_call_site(site)  # judged where applied: in a layer factory, at the factory's call
        out.shape = self.advance(layer.op, in_shape)
        return self.api.tf1.keras_layer_applied(t, layer.op, out, node)

    # ================================================================ models

    def sequential(self, a, node) -> SeqVal:
        layers = a.get(K.SEQUENTIAL_LAYERS)
        children = list(self.i.iterate(layers) or []) if layers not in (UNK, None) else []
        seq = SeqVal(kind="sequential", children=children, node=node, framework="keras")
        for idx, c in enumerate(children):
            self._adopt(c, idx)
        if self.api.state() is self.i.root:
            self.i.seqs.append(seq)
        return seq

    def sequential_subclass(self, inst: Instance, args: list, kwargs: dict) -> None:
        """`class Net(keras.Sequential)`: `super().__init__([...])` (or nothing, then `self.add(...)`)."""
        from relulint.source.interp.api import Args

        layers = Args(args, kwargs).get(K.SEQUENTIAL_LAYERS)
        inst.children = list(self.i.iterate(layers) or []) if layers not in (UNK, None) else []
        for idx, c in enumerate(inst.children):
            self._adopt(c, idx)

    def _adopt(self, child: object, idx: int) -> None:
        self.i.mark_part(child)
        if isinstance(child, LayerVal) and child.op.name is None:
            child.op.name = str(idx)

    def functional(self, a, node) -> GraphModel:
        outputs = a.get(K.MODEL_OUTPUTS[0])
        if outputs is UNK:
            outputs = a.get(K.MODEL_OUTPUTS[1])
        gm = GraphModel(outputs=outputs, node=node)
        if self.api.state() is self.i.root:
            self.models.append(gm)
        return gm

    def apply_seq(self, seq: SeqVal, x: object, node) -> object:
        t = x if isinstance(x, Tensor) else Tensor()
        if t.net is SYMBOLIC:  # a model used as a layer of a functional model: a part of that model
            seq.part = True
        for child in seq.children:
            t = self.apply_child(child, t)
        return t if t.net is SYMBOLIC else self.i.retag(t, seq)

    def apply_child(self, child: object, t: Tensor) -> Tensor:
        if isinstance(child, LayerVal):
            out = self.apply(child, [t], {}, None) if self.is_keras_layer(child) else self.api.apply_layer(child, [t], None)
        elif isinstance(child, Tensor):  # keras.Input(shape=...) as the first item of a Sequential
            out = Tensor(net=t.net, chain=t.chain, shape=t.shape if t.shape is not None else child.shape)
        elif isinstance(child, Instance):
            out = self.i.call_instance(child, [t], {}, None)
        elif isinstance(child, SeqVal):
            out = self.i.apply_seq(child, t, None)
        elif isinstance(child, GraphModel):
            out = self.apply_graph(child, [t])
        elif isinstance(child, ExtRef) and self.t.activations.get(canonical(child.qname)):
            kind = self.t.activations[canonical(child.qname)]
            op = Op("activation", _short(child.qname), None, activation=Activation(kind, _short(child.qname)))
            out = Tensor(net=t.net, chain=t.chain + (op,), shape=t.shape)
        else:  # something unknown: it breaks activation adjacency
            out = Tensor(net=t.net, chain=t.chain + (Op("other", "unknown layer"),))
        if isinstance(out, (tuple, ListVal)):
            out = next(iter(_tensors_in(out)), Tensor())
        return out if isinstance(out, Tensor) else Tensor()

    def apply_graph(self, gm: GraphModel, args: list) -> object:
        """A functional model called on a tensor: its outputs, behind the input's own ops."""
        x = args[0] if args else UNK
        ins = _tensors_in(x)
        chain = union([t.chain for t in ins]) if ins else ()
        symbolic = any(t.net is SYMBOLIC for t in ins)
        if symbolic:  # a model used as a layer of a functional model: a part of that model
            gm.part = True

        def through(out: object) -> object:
            if isinstance(out, Tensor):
                return Tensor(net=SYMBOLIC if symbolic else gm, chain=chain + out.chain, shape=out.shape)
            if isinstance(out, tuple):
                return tuple(through(v) for v in out)
            if isinstance(out, ListVal):
                return ListVal([through(v) for v in out.items])
            if isinstance(out, DictVal):
                return DictVal({k: through(v) for k, v in out.items.items()})
            return UNK

        return through(gm.outputs)

    def is_keras_layer(self, layer: LayerVal) -> bool:
        return canonical(layer.qname).startswith("keras.")

    def owns(self, v: object) -> bool:
        return isinstance(v, GraphModel) or isinstance(v, SeqVal) and v.framework == "keras" or \
            isinstance(v, Instance) and is_keras_class(v.cls)

    def attribute(self, obj: object, name: str) -> object:
        from relulint.source.interp.evaluator import _Method

        if isinstance(obj, GraphModel):
            if name in ("output", "outputs"):
                return obj.outputs
            if name in ("input", "inputs"):
                return Tensor(net=SYMBOLIC)
            return _Method(name, obj)
        if isinstance(obj, SeqVal) and name == "layers":
            return ListVal(list(obj.children))
        return _Method(name, obj)

    def method(self, recv: object, name: str, args: list, kwargs: dict, node) -> object:
        """Methods of a Keras model; NotImplemented hands the rest to the module methods."""
        from relulint.source.interp.api import Args

        if name == "compile":
            value = Args(args, kwargs).get(K.COMPILE_LOSS)
            loss = self.compile_loss(value, node)
            if loss is not None:
                self.compiled.append((recv, loss))
            elif isinstance(value, (FuncVal, BoundMethod)):
                self.custom_loss(recv, value)
            elif isinstance(value, (ListVal, tuple, DictVal)) and isinstance(recv, GraphModel):
                self.per_output(recv, value, node)
            return None
        if name == "add" and isinstance(recv, (SeqVal, Instance)) and args:
            if isinstance(recv, Instance) and recv.children is None:
                return NotImplemented
            self._adopt(args[0], len(recv.children))
            recv.children.append(args[0])
            return None
        if name == "add_weight" and isinstance(recv, Instance):
            return self.add_weight(args, kwargs, node)
        if name in ("predict", "predict_on_batch", "__call__"):
            return self.i.call(recv, args[:1], {}, node)
        if name in ("fit", "fit_generator", "train_on_batch"):
            self.api.data.fit(recv, args, kwargs, node)
        if name in ("fit", "fit_generator", "train_on_batch", "evaluate", "summary", "save", "build",
                    "load_weights", "save_weights", "get_weights", "set_weights"):
            return UNK
        return NotImplemented

    def add_weight(self, args: list, kwargs: dict, node) -> object:
        """`self.add_weight(shape=(n_in, units), initializer=...)` in a custom layer: a weight variable with
        its initialiser and fans, which `tf.matmul(x, self.w)` in `call()` makes a layer (as in TF1)."""
        from relulint.source.interp.api import Args

        if args and isinstance(args[0], (tuple, ListVal)):  # Keras 3: add_weight(shape, initializer, ...)
            args, kwargs = [], {**dict(zip(K.ADD_WEIGHT_POSITIONAL, args, strict=False)), **kwargs}
        a = Args([], kwargs)  # tf.keras: add_weight(name, shape, dtype, initializer, ...) is used by keyword
        shape = a.get(K.ADD_WEIGHT_SHAPE)
        ref = K.ADD_WEIGHT_INIT
        value = a.get(ref) if a.given(ref) else K.ADD_WEIGHT_DEFAULT_INIT
        init = self.init_of(value, node, ref)
        if init is not None and not a.given(ref):
            init.origin = None  # the default is written nowhere: reported at the layer
        return self.api.tf1.weight(init, shape, node)

    def build_once(self, inst: Instance, args: list) -> None:
        """A custom Keras layer's `build(input_shape)` runs before its first call, with the input's shape:
        that is where `add_weight` makes the weights `call()` uses."""
        if inst.built or not is_keras_class(inst.cls):
            return
        inst.built = True
        build = inst.cls.lookup("build")
        if not isinstance(build, FuncVal):
            return
        x = args[0] if args else None
        shape = (None, *x.shape) if isinstance(x, Tensor) and x.shape is not None else UNK
        self.i.invoke(build, [inst, shape], {}, self_val=inst)

    def per_output(self, model: GraphModel, losses: object, node) -> None:
        """compile(loss=[...]) / compile(loss={"name": ...}) on a multi-output model: each loss judges the
        output it is given (by position, or by the output layer's name or the outputs dict's key)."""
        from relulint.source.interp.api import net_name

        outs = model.outputs
        if isinstance(losses, DictVal):
            if isinstance(outs, DictVal):
                named = dict(outs.items)
            else:
                named = {t.chain[-1].name: t for t in _tensors_in(outs) if t.chain and t.chain[-1].name}
            pairs = [(named.get(k), v) for k, v in losses.items.items()]
        else:
            items = losses.items if isinstance(losses, ListVal) else list(losses)
            tensors = outs.items if isinstance(outs, ListVal) else list(outs) if isinstance(outs, tuple) else [outs]
            if len(items) != len(tensors):
                return
            pairs = list(zip(tensors, items, strict=True))
        for out, value in pairs:
            loss = self.compile_loss(value, node)
            if isinstance(out, Tensor) and out.chain and loss is not None:
                self.i.bindings.append(Binding(key=model, name=net_name(model), ops=out.chain, loss=loss, trained=True))

    def custom_loss(self, model: object, fn: object) -> None:
        """compile(loss=my_loss): run my_loss(y_true, y_pred) on the model's output, so a hand-written
        squared error inside it binds to this model (and is what it trains with)."""
        pred = self.i.call(model, [Tensor()], {}, None)
        pred = next(iter(_tensors_in(pred)), None) if not isinstance(pred, Tensor) else pred
        if pred is None or pred.net is None:
            return
        self.i.trains(self.i.call(fn, [Tensor(), pred], {}, None))

    def compile_loss(self, v: object, node) -> Loss | None:
        """loss='mse', loss=MeanSquaredError(), loss=keras.losses.mse, or a variable holding one."""
        at = self._arg_node(node, K.COMPILE_LOSS)
        origin = self.api.origin(at) if at is not None else self.api.origin(node)
        if isinstance(v, str):
            kind = self.t.loss_strings.get(v)
            return Loss(kind, repr(v), origin) if kind else None
        if isinstance(v, LossVal):
            v.called = True
            return v.loss
        if isinstance(v, ExtRef):
            spec = self.t.losses.get(canonical(v.qname))
            return Loss(spec.kind, self.api.text(at) if at is not None else _short(v.qname), origin) if spec else None
        return None

    # ================================================================ shapes

    def advance(self, op: Op, shape: Shape) -> Shape:
        """The shape after `op`; sets an affine op's fan-in (and Keras' conv fan-out) on the way."""
        q, a = self.layer_args.get(id(op), (None, None))
        if op.kind in K.SHAPE_KEEPING_KINDS:
            return shape
        rule = K.SHAPE_RULES.get(q) if q else None
        if a is None or rule is None:
            return None

        def const(ref: Arg | None) -> object:
            if ref is None:
                return None
            return _plain(a.get(ref)) if a.given(ref) else ref.default

        last = shape[-1] if shape else None
        last = last if isinstance(last, int) else None
        kind = rule[0]
        spec = self.t.layers.get(q)
        if kind == "dense":
            if op.fan_in is None:
                op.fan_in = last
            units = _dim(const(spec.fan_out)) if spec else None
            op.fan_out = op.fan_out or units
            return ((*shape[:-1], units) if shape else (..., units)) if units else None
        if kind == "conv":
            if const(Arg(None, "data_format")) == "channels_first":
                return None  # channels are not the last axis: leave the fan-in unknown
            dims = rule[1]
            spatial = _spatial(shape, dims)
            k = _tuple(const(spec.kernel_size if spec else None), dims)
            filters = _dim(const(spec.fan_out if spec else None))
            if last is not None and k is not None and op.fan_in is None:
                op.fan_in = last * math.prod(k)
            if filters is None:
                return None
            if op.fan_out is None and k is not None:
                op.fan_out = filters * math.prod(k)
            strides = _tuple(const(K.CONV_STRIDES), dims)
            padding = const(K.CONV_PADDING)
            dilation = _tuple(const(K.CONV_DILATION), dims)
            if spatial is None or k is None or strides is None or dilation != (1,) * dims:
                return (..., filters)
            return (*_window(spatial, k, strides, padding), filters)
        if kind == "pool":
            dims = rule[1]
            spatial = _spatial(shape, dims)
            size = _tuple(const(K.POOL_SIZE), dims)
            strides_v = const(K.POOL_STRIDES)
            strides = size if strides_v is None else _tuple(strides_v, dims)
            if spatial is None or size is None or strides is None:
                return (..., last) if last else None
            return (*_window(spatial, size, strides, const(K.POOL_PADDING)), last)
        if kind in ("keep", "add"):
            return shape
        if kind == "global":
            return (last,) if last else None
        if kind == "flatten":
            if shape and all(isinstance(d, int) for d in shape):
                return (math.prod(shape),)
            return (None,)
        if kind == "reshape":
            v = const(rule[1])
            return tuple(_dim(d) for d in v) if isinstance(v, tuple) else None
        if kind == "embedding":
            dim = _dim(const(rule[1]))
            return ((*shape, dim) if shape else (..., dim)) if dim else None
        return None

    # ================================================================ networks

    def networks(self, state, facts: ModuleFacts, keyed: dict[int, Network], chain_of) -> None:
        """A Network per functional model the file builds, then each compile's loss on its model."""
        by_node: dict[int, Network] = {}
        compiled = {id(m) for m, _ in self.compiled}
        for gm in self.models:
            if gm.node is None or gm.part and id(gm) not in compiled:
                continue
            net = by_node.get(id(gm.node))
            if net is None:
                ops = list(union([t.chain for t in _tensors_in(gm.outputs)]))
                if not ops:
                    continue
                net = Network(name=gm.name or "Model", framework="keras", origin=state.origin_if_held(gm.node),
                              ops=ops)
                net.followed = True
                facts.networks.append(net)
                by_node[id(gm.node)] = net
            keyed[id(gm)] = net
        for model, loss in self.compiled:
            net = keyed.get(id(model))
            if net is not None and (net.loss is None or net.loss is loss):
                net.loss = loss
                continue
            ops = chain_of(model)
            if ops:
                from relulint.source.interp.api import net_name

                self.i.bindings.append(Binding(key=model, name=net_name(model), ops=tuple(ops), loss=loss,
                                               trained=True))

    def model_ops(self, model: object) -> list[Op]:
        if isinstance(model, GraphModel):
            return list(union([t.chain for t in _tensors_in(model.outputs)]))
        return []
