"""The TensorFlow 1 / tflearn API model of the source interpreter.

TF1 code has no model object: a network is the graph of ops built on a placeholder. What TF1 calls do
to abstract values, read from `relulint.knowledge.tf1` and `relulint.knowledge.tflearn`:

- `tf.placeholder(tf.float32, [None, 784])` / `tflearn.input_data(shape=...)` is a data tensor that
  remembers its (batch-less) shape, whose last dimension is the first layer's fan-in;
- `tf.Variable(tf.truncated_normal([784, 256], stddev=0.1))` / `tf.get_variable(..., initializer=...)`
  is a `Variable`: a learned weight carrying its initialiser and, from its shape, its fans;
- a layer function (`tf.layers.dense`, `tf.contrib.layers.fully_connected`, tflearn's
  `fully_connected`, `conv_2d`), `tf.matmul(x, W)` / `tf.nn.conv2d(x, W)` with `W` a Variable, and
  an activation (`tf.nn.relu`) append an Op to the tensor's chain. The first layer applied to data
  starts a network (`TF1Net`), so two graphs in one file are two networks;
- losses (`tf.losses.*`, `tf.nn.*_with_logits`, tflearn's `regression(loss=...)`, and the hand-written
  forms `tf.reduce_mean(tf.square(p - t))`, `-tf.reduce_sum(y * tf.log(p))`) bind through the tensor
  that reaches them, like every loss call of the interpreter; `optimizer.minimize(loss)` marks the
  loss the graph trains with.

A layer built inside a helper that is called once per layer (`def fc(x, n_out): ...`) is reported at
the helper's call, which is what tells the layers apart; its initialiser is reported where the
initialiser is written (in the helper), where the fix goes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from relulint.ir import Activation, Init, Loss, ModuleFacts, Network, Op, Origin
from relulint.knowledge import Arg, LayerSpec, canonical
from relulint.knowledge import tf1 as K
from relulint.knowledge import tflearn as L
from relulint.source.common import kernel_volume
from relulint.source.interp.keras_api import _dim, _is_num, _plain
from relulint.source.interp.values import UNK, ExtRef, LayerVal, ListVal, Tensor
from relulint.source.lowering import default_init, init_from_spec

_ROOTS = ("tensorflow.", "tflearn.")
_MAX_TENSORS = 4096  # outputs remembered per network (the candidates for its output)
# layer-making calls, for telling a layer factory (one layer per call) from a model function
_CALLED = re.compile(r"(?<![\w.])(?:self\.)?([A-Za-z_]\w*)\s*\(")  # `name(` / `self.name(` / `def name(`
_LAYER_CALL = re.compile(r"\b(dense|conv[123]d|conv_[123]d|fully_connected|matmul|xw_plus_b|Dense|Conv[123]D|"
                         r"Convolution[123]D|SeparableConv[12]D|DepthwiseConv2D)\s*\(")


class TF1Net:
    """The `net` of the tensors of one TF1 graph: made by the first layer applied to data."""

    framework = "tf1"

    def __init__(self, prefix: list) -> None:
        self.prefix = prefix  # the functions running whenever a layer was added: the common caller
        self.tensors: list[Tensor] = []

    @property
    def name(self) -> str:
        return self.prefix[-1].node.name.value if self.prefix else "module"

    def origin(self) -> Origin | None:
        if not self.prefix:
            return None
        fn = self.prefix[-1]
        return fn.module.origin(fn.node.name)

    def note(self, running: list) -> None:
        n = 0
        while n < len(self.prefix) and n < len(running) and self.prefix[n] is running[n]:
            n += 1
        del self.prefix[n:]


@dataclass(eq=False)
class Variable(Tensor):
    """tf.Variable / tf.get_variable: a learned weight with its initialiser and fans."""

    init: Init | None = None
    fan_in: int | None = None
    fan_out: int | None = None
    site: Origin | None = None  # where its initial value is chosen (reported for RL201-RL204)
    keras: bool = False  # made by a custom Keras layer's add_weight: its matmul is a Keras layer's op


@dataclass(eq=False)
class Placeholder(Tensor):
    """A graph input (tf.placeholder, tflearn's input_data), also after reshapes: a Keras layer applied
    to it builds a TF1 graph (`tf.keras.layers.Dense(64)(x)` in graph-mode code)."""


@dataclass(eq=False)
class InitTensor(Tensor):
    """tf.truncated_normal(shape, stddev=...) and other random / constant tensors: data, or a Variable's
    initial value."""

    init: Init | None = None
    dims: tuple | None = None


def _dims(v: object) -> tuple | None:
    """A shape argument as a tuple of ints (None for unknown dims); None when not a sequence."""
    if isinstance(v, ListVal) and not v.repeated:
        v = tuple(v.items)
    if not isinstance(v, tuple):
        return None
    return tuple(d if d is not None and d > 0 else None for d in map(_dim, v))


def _last(shape: tuple | None) -> int | None:
    return shape[-1] if shape and isinstance(shape[-1], int) else None


def _variable(init: Init | None, dims: tuple | None, site: Origin | None) -> Variable:
    """A weight of that shape: its last dimension is the fan-out, the product of the others the fan-in."""
    fan_in = fan_out = None
    if dims and all(d is not None for d in dims):
        fan_out = dims[-1]
        fan_in = math.prod(dims[:-1]) if len(dims) > 1 else None
    return Variable(param=True, init=init, fan_in=fan_in, fan_out=fan_out, site=site)


class TF1Api:
    def __init__(self, api) -> None:
        self.api = api
        self.i = api.i
        self.t = api.t
        self.nets: list[TF1Net] = []
        self.layer_specs: dict[int, tuple[str, LayerSpec]] = {}  # id(op) of tf.layers.Dense(...) objects
        self._calls: dict[int, Counter] = {}  # id(module) -> calls of each name in its text
        self._factory: dict[int, bool] = {}
        self._scoped: dict[int, bool] = {}  # id(module) -> it uses arg_scope  # id(function node) -> builds at most one layer

    # ================================================================ dispatch

    def call(self, q: str, args: list, kwargs: dict, node) -> object:
        """The value of a TF1 / tflearn call; NotImplemented for what this model does not know."""
        from relulint.source.interp.api import Args

        a = Args(args, kwargs)
        t = self.t
        if q in K.PLACEHOLDERS:
            return Placeholder(shape=self._batchless(a.get(K.PLACEHOLDERS[q])))
        if q in K.VARIABLE_FACTORIES:
            return self.variable(q, a, node)
        if q.startswith(K.OPTIMIZER_MODULE) and q.endswith("Optimizer"):
            return ExtRef(K.OPTIMIZER)
        if q in K.MINIMIZE:
            self.i.trains(a.get(K.MINIMIZE[q]))
            return UNK
        if q in L.ESTIMATORS:
            return self.estimator(q, a, node)
        x = next((v for v in (a.get(r) for r in K.ACTIVATION_INPUT_ARGS) if isinstance(v, Tensor)), None)
        if q in K.DIFFERENCE_LOSSES:
            return self.difference_loss(q, x, node)
        if q in K.POWERS and a.get(K.POWERS[q]) == 2 and x is not None:  # tf.pow(pred - y, 2)
            return self.api.square(x)
        if q in K.LOG_LOSSES:
            return self.api.log_of(x, node) if x is not None else UNK
        if q in K.REDUCERS:  # a reduction of a loss's terms is the loss
            t0 = args[0] if args and isinstance(args[0], Tensor) else kwargs.get("input_tensor")
            if not isinstance(t0, Tensor):
                return UNK
            if t0.squared is not None or t0.log_product is not None or t0.error_of is not None or t0.losses \
                    or t0.unlinked:
                return self.api.reduce(t0, node)
            return self.api.kind_op(node, "shape", t0) if t0.net is not None else t0
        lspec = t.losses.get(q)
        if lspec is not None and q.startswith("tensorflow."):
            return self.loss(lspec.kind, a, node)
        if q in K.AFFINE_OPS:
            return self.affine(q, a, node)
        if q in K.BIAS_ADDS:  # tf.add(tf.matmul(x, W), b) is x's layer; tf.add(x, f(x)) a residual join
            refs = K.BIAS_ADDS[q]
            if len(refs) == 1:
                v = a.get(refs[0])
                return v if isinstance(v, Tensor) else UNK
            left, right = a.get(refs[0]), a.get(refs[1])
            if isinstance(left, Tensor) or isinstance(right, Tensor):
                return self.api.tensor_binop(left, "Add", right, node)
            return UNK
        spec = t.layers.get(q)
        if spec is not None and q.startswith(_ROOTS):
            if spec.input_arg is None:  # tf.layers.Dense(4): applied later
                op = self.layer_op(q, spec, a, node)
                self.layer_specs[id(op)] = (q, spec)
                return LayerVal(q, op)
            return self.layer(q, spec, a, node)
        kind = t.activations.get(q)
        if kind is not None and q.startswith("tensorflow."):
            if x is None:
                return UNK
            if x.net is not None and not isinstance(x.net, TF1Net):  # tf.nn.relu inside a Keras call()
                return self.api.keras.activation_applied(node, kind, x, a if kind == "softmax" else None)
            op = self.activation_op(kind, node, on_graph=x.net is not None)
            if kind == "softmax":  # tf.nn.softmax(logits, axis=1); TF1's older spelling is dim=
                from relulint.source.interp.api import stated_axis

                dim = Arg(None, "dim")
                op.activation.axis = stated_axis(a, dim if a.given(dim) else Arg(1, "axis"))
            if q in t.negative_slopes:  # tf.nn.leaky_relu(x, alpha=0.01)
                from relulint.source.interp.api import slope_of

                op.activation.negative_slope = slope_of(t.negative_slopes[q], a)
            return self.extend(x, op, x.shape)
        ispec = t.initializers.get(q)
        if ispec is not None and q.startswith("tensorflow."):
            init = init_from_spec(a, ispec, node, self.api.text(node), self.api.origin(node))
            if ispec.shape is not None or q in ("tensorflow.constant",):
                return InitTensor(init=init, dims=_dims(a.get(ispec.shape)) if ispec.shape else None)
            from relulint.source.interp.keras_api import InitVal

            return InitVal(init)
        return NotImplemented

    # ================================================================ tensors and weights

    @staticmethod
    def _batchless(shape: object) -> tuple | None:
        dims = _dims(shape)
        return dims[1:] if dims and len(dims) > 1 else None

    def variable(self, q: str, a, node) -> Variable:
        init_ref, shape_ref = K.VARIABLE_FACTORIES[q]
        value = a.get(init_ref)
        dims = _dims(a.get(shape_ref)) if shape_ref is not None else None
        init: Init | None = None
        site = self.api.origin(node)
        if isinstance(value, InitTensor):  # tf.Variable(tf.truncated_normal(shape, stddev=...))
            init = value.init
            dims = dims or value.dims
            if init is not None and init.origin is not None:
                site = init.origin
        elif isinstance(value, Tensor):  # an array or a computed tensor: statistics unknown
            init = None
        elif value is not UNK and not isinstance(value, (int, float, str, ListVal, tuple)):
            from relulint.source.interp.keras_api import InitVal

            if isinstance(value, InitVal):  # get_variable(initializer=tf.random_normal_initializer(...))
                init = value.init
            elif isinstance(value, ExtRef):  # initializer=tf.glorot_uniform_initializer (uncalled)
                spec = self.t.initializers.get(canonical(value.qname))
                init = init_from_spec(None, spec, None, value.qname.rsplit(".", 1)[-1], site) if spec else None
        elif q == "tensorflow.get_variable" and not a.given(init_ref):
            spec = K.VARIABLE_DEFAULT_INIT
            init = init_from_spec(None, spec, None, "default glorot_uniform", None)
            init.mean = 0.0
        return _variable(init, dims, site)

    def weight(self, init: Init | None, shape: object, node) -> Variable:
        """A weight made with a known initialiser and shape (Keras `add_weight`)."""
        site = init.origin if init is not None and init.origin is not None else self.api.origin(node)
        weight = _variable(init, _dims(shape), site)
        weight.keras = True
        return weight

    @staticmethod
    def is_weight(a: object, b: object) -> bool:
        """`a @ b` multiplies by a TF weight variable (either side: tf.matmul(W, x) is one too)."""
        return isinstance(a, Variable) or isinstance(b, Variable)

    def affine(self, q: str, a, node) -> object:
        """tf.matmul(x, W) / tf.nn.conv2d(x, W): a layer when W is a Variable."""
        x_ref, w_refs = K.AFFINE_OPS[q]
        x = a.get(x_ref)
        w = next((a.get(r) for r in w_refs if a.given(r)), UNK)
        transposed = False
        if not isinstance(w, Variable) and isinstance(x, Variable) and q.endswith("matmul"):  # tf.matmul(W, x)
            x, w, transposed = w, x, True
        if x is UNK and isinstance(w, Variable):  # an input the interpreter does not know: data
            x = Tensor()
        if isinstance(w, Variable) and isinstance(x, Tensor) and not x.param:
            op = Op("affine", self.api.text(node), self.api.origin(node), weight_init=w.init, init_site=w.site)
            # tf.matmul(x, W, transpose_b=True): W is [out, in]
            flags = [a.kwargs.get(k, False) for k in K.MATMUL_TRANSPOSES]
            if any(f is not False for f in flags):
                transposed = transposed != (sum(f is True for f in flags) % 2 == 1) if all(
                    isinstance(f, bool) for f in flags) else None
            if transposed is None:
                op.fan_in = op.fan_out = None
            else:
                op.fan_in, op.fan_out = (w.fan_out, w.fan_in) if transposed else (w.fan_in, w.fan_out)
            shape = _with_last(x.shape, op.fan_out, keep=q.endswith("matmul"))
            if w.keras:  # inside a custom Keras layer's call(): an op of the Keras model it is part of
                out = Tensor(net=x.net, chain=x.chain + (op,), shape=shape)
                if x.data is not None:
                    out.data = self.api.data.through_layer(op, x, node)
                return self.keras_layer_applied(x, op, out, node)
            self.at_call_site(op)
            return self.extend(x, op, shape)
        tensors = [v for v in (x, w) if isinstance(v, Tensor)]
        # attention, or a weight the model does not know: an op the rules know nothing of
        return self.i.opaque(tensors, node) if tensors else UNK

    @staticmethod
    def scaled_init(a: object, kind: str, b: object) -> InitTensor | None:
        """`tf.random_normal(shape) * 0.01`, `tf.truncated_normal(shape) / math.sqrt(n)`: the initial value
        scaled by a known number (its mean, std and bounds scale with it); None for anything else."""
        if isinstance(a, InitTensor) and _is_num(b) and kind in ("Multiply", "Divide"):
            t, k = a, (b if kind == "Multiply" else (1.0 / b if b else None))
        elif isinstance(b, InitTensor) and _is_num(a) and kind == "Multiply":
            t, k = b, a
        else:
            return None
        init = t.init
        if init is None or k is None or not math.isfinite(k):
            return InitTensor(dims=t.dims)
        scaled = Init(display=init.display, origin=init.origin, distribution=init.distribution,
                      mean=init.mean * k if init.mean is not None else None,
                      std=init.std * abs(k) if init.std is not None else None)
        if init.low is not None and init.high is not None:
            scaled.low, scaled.high = sorted((init.low * k, init.high * k))
        if init.scheme is not None:
            return InitTensor(dims=t.dims)  # a fan-dependent scheme scaled: left unknown
        return InitTensor(init=scaled, dims=t.dims)

    # ================================================================ layers

    def layer(self, q: str, spec: LayerSpec, a, node) -> object:
        """tf.layers.dense(x, 64, activation=tf.nn.relu): made and applied at once."""
        x = a.get(spec.input_arg)
        if x is UNK and a.given(spec.input_arg):  # an input the interpreter does not know: data
            x = Tensor()
        if not isinstance(x, Tensor):
            return UNK
        op = self.layer_op(q, spec, a, node)
        return self.apply_op(op, q, spec, a, x)

    def apply(self, layer: LayerVal, args: list, kwargs: dict) -> object:
        """A tf.layers.Dense(...) object applied to a tensor."""
        from relulint.source.interp.api import Args

        x = args[0] if args else kwargs.get("inputs", UNK)
        if x is UNK:
            x = Tensor()
        if not isinstance(x, Tensor):
            return UNK
        q, spec = self.layer_specs.get(id(layer.op), (layer.qname, LayerSpec("other")))
        return self.apply_op(layer.op, q, spec, Args([], {}), x)

    def apply_op(self, op: Op, q: str, spec: LayerSpec, a, x: Tensor) -> Tensor:
        """The layer's op on x; the output's shape (batch-less, every dim an int or None) where known."""
        last = _last(x.shape)
        shape: tuple | None = None
        short = q.rsplit(".", 1)[-1]
        if spec.kind == "affine":
            vol = kernel_volume(_plain(a.get(spec.kernel_size)), spec.spatial_dims) if spec.kernel_size else 1
            if op.fan_in is None and last and vol:
                op.fan_in = last * vol
            units = _dim(a.get(spec.fan_out)) if a.given(spec.fan_out) else None
            units = units or (op.fan_out // vol if op.fan_out and vol else None)
            shape = _with_last(x.shape, units, keep=not spec.kernel_size)
        elif spec.kind in ("dropout", "norm"):
            shape = x.shape
        elif q in K.RESHAPES:
            dims = _dims(a.get(K.RESHAPES[q]))
            shape = dims[1:] if dims and len(dims) > 1 else None
        elif "pool" in short:
            shape = _with_last(x.shape, last, keep=False)
        elif "flatten" in short:
            shape = (None,)
        return self.extend(x, op, shape)

    def layer_op(self, q: str, spec: LayerSpec, a, node) -> Op:
        op = Op(spec.kind if spec.kind != "activation" else "other", self.api.text(node), self.api.origin(node))
        if spec.kind == "affine":
            vol = kernel_volume(_plain(a.get(spec.kernel_size)), spec.spatial_dims) if spec.kernel_size else 1
            units = _dim(a.get(spec.fan_out))
            op.fan_out = units * vol if units and vol else None
            if spec.activation is not None:
                given = a.given(spec.activation)
                value = a.get(spec.activation) if given else spec.activation.default
                if given or isinstance(value, str) and not self._scoped_defaults():
                    act = self.api.keras.activation_of(value, node, spec.activation)
                    if act is not None and act.kind != "linear":
                        op.activation = act
            if spec.kernel_init is not None and a.given(spec.kernel_init):
                value = a.get(spec.kernel_init)
                if not isinstance(value, str):  # tflearn's init strings are its own, not Keras's
                    op.weight_init = self.api.keras.init_of(value, node, spec.kernel_init)
                op.init_site = op.origin
            else:
                op.weight_init = default_init("tf1", "default glorot_uniform")
        self.at_call_site(op)
        return op

    def activation_op(self, kind: str, node, on_graph: bool) -> Op:
        origin = self.api.origin(node)
        text = self.api.text(node)
        op = Op("activation", text, origin, activation=Activation(kind, text, origin))
        if on_graph:  # (an activation on data is on no network yet: where it is reported does not matter)
            self.at_call_site(op)
        return op

    def extend(self, x: Tensor, op: Op, shape: tuple | None) -> Tensor:
        """x with one more op; the first layer applied to data starts a network."""
        net = x.net
        if net is None and op.kind in ("shape", "dropout"):  # tf.reshape(images, ...) of data: still data
            return type(x)(chain=x.chain, shape=shape, data=x.data) if isinstance(x, Placeholder) else \
                Tensor(chain=x.chain, shape=shape, data=x.data)
        data = self.api.data.through_layer(op, x, None) if net is None and x.data is not None else None
        if net is None and op.kind == "affine":
            net = TF1Net([fn for fn, _ in self.i.sites])
            self.nets.append(net)
        if isinstance(net, TF1Net) and op.kind == "affine":
            net.note([fn for fn, _ in self.i.sites])
        out = Tensor(net=net, chain=x.chain + (op,), shape=shape, data=data if op.kind != "affine" else None)
        if isinstance(net, TF1Net) and len(net.tensors) < _MAX_TENSORS:
            net.tensors.append(out)
        return out

    def keras_layer_applied(self, x: Tensor, op: Op, out: Tensor, node) -> Tensor:
        """A Keras layer applied to a placeholder in the program's text starts a TF1 graph (not one inside a
        Keras model applied to it: that model is the network); applied to one, it extends it."""
        if isinstance(x, Placeholder) and x.net is None and op.kind == "affine" and node is not None:
            out.net = TF1Net([fn for fn, _ in self.i.sites])
            self.nets.append(out.net)
        if isinstance(out.net, TF1Net) and len(out.net.tensors) < _MAX_TENSORS:
            out.net.tensors.append(out)
        return out

    # ================================================================ call sites

    def at_call_site(self, op: Op) -> None:
        """A layer built inside a layer factory (a helper called once per layer) is reported at the call."""
        for fn, site in reversed(self.i.sites):
            if site is None:
                return
            if self._called_more_than_once(fn, site[1]) and self._is_factory(fn):
                node, state = site
                origin = state.origin(node) if state is not None else None
                if origin is None:
                    return
                op.origin = origin
                if op.activation is not None:
                    op.activation = Activation(op.activation.kind, op.activation.display, origin,
                                               op.activation.negative_slope)
                return

    def _called_more_than_once(self, fn, caller=None) -> bool:
        """fn's name is called at least twice: in its own module's text (where its `def` counts once), and
        in the caller's module when that is another one (`from ops import fc` in the training script)."""
        name = fn.node.name.value if hasattr(fn.node, "name") else None
        if name is None:
            return False
        count = self._call_counts(fn.module).get(name, 0)
        if caller is not None and caller is not fn.module:
            count += self._call_counts(caller).get(name, 0)
        return count > 2

    def _scoped_defaults(self) -> bool:
        """The module uses slim's `arg_scope`: a layer's default activation may not be the API's."""
        state = self.api.state()
        if state is None:
            return True
        hit = self._scoped.get(id(state))
        if hit is None:
            code = state.module.code
            hit = self._scoped[id(state)] = any(name in code for name in K.DEFAULT_SCOPES)
        return hit

    def _call_counts(self, state) -> Counter:
        counts = self._calls.get(id(state))
        if counts is None:  # once per module: how often each name is called in its text (its def included)
            counts = self._calls[id(state)] = Counter(_CALLED.findall(state.module.code))
        return counts

    def _is_factory(self, fn) -> bool:
        key = id(fn.node)
        if key not in self._factory:
            body = fn.module.module.code_for_node(fn.node.body) if hasattr(fn.node, "body") else ""
            self._factory[key] = len(_LAYER_CALL.findall(body)) <= 1
        return self._factory[key]

    # ================================================================ losses

    def loss(self, kind: str, a, node) -> object:
        """tf.losses.mean_squared_error(labels, predictions), softmax_cross_entropy_with_logits(logits=)."""
        pred = self._prediction(a)
        loss = self.api.site_loss(node, kind)
        self.api.data.loss_labels(loss, a, pred, node)
        return self.api.loss_site(loss, [pred if pred is not None else UNK], {})

    def _prediction(self, a) -> Tensor | None:
        named = [a.get(r) for r in K.LOSS_PREDICTION_ARGS if a.given(r)]
        cands = [v for v in (*named, *a.args, *a.kwargs.values()) if isinstance(v, Tensor)]
        for v in cands:
            if v.net is not None:
                return v
            if v.diff_of is not None and v.diff_of.net is not None:  # l2_loss(pred - y)
                return v.diff_of
        return None

    def difference_loss(self, q: str, x: Tensor | None, node) -> object:
        """tf.square / tf.abs of a difference are a loss's terms; tf.nn.l2_loss of one is a loss."""
        if x is None:
            return UNK
        kind, needs_reduce = K.DIFFERENCE_LOSSES[q]
        if not needs_reduce:
            if x.diff_of is not None and x.diff_of.net is not None:
                return self.api.loss_site(self.api.site_loss(node, kind), [x.diff_of], {})
            return Tensor()  # tf.nn.l2_loss(W): a regulariser
        return self.api.square(x) if kind == "mse" else self.api.abs_of(x)

    def estimator(self, q: str, a, node) -> object:
        """tflearn's regression(net, loss="mean_square"): the loss the model is trained with."""
        incoming_ref, loss_ref = L.ESTIMATORS[q]
        name = a.get(loss_ref) if a.given(loss_ref) else loss_ref.default
        kind = L.LOSS_STRINGS.get(name) if isinstance(name, str) else None
        net = a.get(incoming_ref)
        if kind is None or not isinstance(net, Tensor):
            return UNK
        out = self.api.loss_site(self.api.site_loss(node, kind), [net], {})
        self.i.trains(out)
        return out

    # ================================================================ networks

    def networks(self, facts: ModuleFacts, keyed: dict[int, Network]) -> None:
        """A Network per graph: what its losses read first (the trained one before metrics), then its
        deepest output, then outputs through layers no other took."""
        emitted: set[tuple] = set()
        for net in self.nets:
            chains = [t.chain for t in net.tensors]
            used = {(id(c[i]), i) for c in chains for i in range(len(c) - 1)}
            sinks = [c for c in chains if c and (id(c[-1]), len(c) - 1) not in used]
            # deepest first; at equal depth the shortest path (logits before softmax(logits))
            sinks.sort(key=lambda c: (-sum(op.kind == "affine" for op in c), len(c)))
            bound = sorted((b for b in self.i.bindings if b.key is net), key=lambda b: not b.trained)
            sinks = [b.ops for b in bound] + sinks
            taken: set[int] = set()
            for chain in sinks:
                fresh = [op for op in chain if op.kind == "affine" and id(op) not in taken]
                if not fresh:
                    continue
                taken.update(id(op) for op in chain)
                sig = tuple((op.kind, op.origin.line if op.origin else None, op.fan_in) for op in chain)
                if sig in emitted:  # the same code evaluated again (an entry point and a call)
                    continue
                emitted.add(sig)
                origin = net.origin() or chain[0].origin
                network = Network(name=net.name, framework="tf1", origin=origin, ops=list(chain))
                network.followed = True
                facts.networks.append(network)
                keyed.setdefault(id(net), network)


def _with_last(shape: tuple | None, last: int | None, keep: bool) -> tuple | None:
    """The shape with a new last dim; the leading dims kept (dense) or unknown (conv, pooling)."""
    if not shape or not isinstance(shape, tuple) or shape[0] is Ellipsis or not last:
        return None
    lead = shape[:-1] if keep else (None,) * (len(shape) - 1)
    return (*lead, last)


class TensorShape(ListVal):
    """`x.shape` / `x.get_shape()` of a TF1 tensor: [None (the batch), dims...], a dim None when unknown."""


def shape_value(t: Tensor) -> object:
    shape = t.shape
    if not isinstance(shape, tuple) or not shape or shape[0] is Ellipsis or not isinstance(t.net, (TF1Net, type(None))):
        return UNK
    return TensorShape([None, *shape])


__all__ = ["TF1Api", "TF1Net", "Variable", "InitTensor", "Loss"]
