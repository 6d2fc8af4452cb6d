"""Data API models: tensors and arrays carry what is known of their values.

A data tensor's `Tensor.data` (an `ir.DataSource`) holds its range (an interval), dtype, whether a
scaling step was applied on the way, and where it was made. Data sources, loaders, transforms,
scalers and pipelines are read from `relulint.knowledge.data`; interval arithmetic follows the
program's own expressions (`x / 255`, `(img - MEAN) / STD`, `100 * x.sum(1)`). Where data reaches
the first affine layer of a network, the interpreter records it (`feeds`); a loss call records the
data of its target argument on the loss (`Loss.targets`), and `fit(x, y)` does both.

Anything not understood drops the range (data None): no range, no finding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import libcst as cst

from relulint.ir import DataSource, Loss, Network, Op
from relulint.knowledge import Arg, canonical, tables
from relulint.knowledge import data as D
from relulint.source.interp.values import (
    UNK,
    BoundMethod,
    DictVal,
    ExtRef,
    FuncVal,
    Instance,
    LayerVal,
    ListVal,
    Tensor,
)

_MODEL_NAME = re.compile(D.MODEL_NAME_PATTERN)
PROBE = "<network input>"  # the data a network's own forward pass is run with: only its scaling is tracked
_SMALL = 10.0  # a range within +-10 counts as scaled (see DataSource.is_raw_large_scale)
_MAX_FEEDS = 8  # data records kept per layer
# methods and calls that keep a tensor's shape (a TF1 layer reads its fan-in from it)
# layer kinds that pass the data's values on to the next layer (a Keras fit's data reaches the first affine
# layer through them): reshapes, crops, pooling, dropout
_KEEPS_VALUES = frozenset({"shape", "dropout", "alpha_dropout"})
_ELEMENTWISE = frozenset({"astype", "to", "type", "float", "double", "half", "cuda", "cpu", "detach", "clone",
                          "copy", "contiguous", "numpy", "requires_grad_"})
_ELEMENTWISE_CALLS = frozenset({"tensorflow.cast", "tensorflow.convert_to_tensor", "tensorflow.identity",
                                "numpy.asarray", "numpy.array", "torch.as_tensor", "torch.tensor",
                                "torch.from_numpy"})


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _flatten(v: object, out: list[float], budget: int = 20_000) -> bool:
    """The numbers of a (nested) literal list / tuple; False when something else is inside."""
    if len(out) > budget:
        return False
    n = _num(v)
    if n is not None:
        out.append(n)
        return True
    items = v.items if isinstance(v, ListVal) else v if isinstance(v, tuple) else None
    if not items:
        return False
    return all(_flatten(x, out, budget) for x in items)


def _small(lo: float | None, hi: float | None) -> bool:
    return lo is not None and hi is not None and max(abs(lo), abs(hi)) <= _SMALL


@dataclass(eq=False)
class Transform:
    """A scaler, transform or pipeline object: StandardScaler(), ToTensor(), Compose([...]), make_pipeline."""

    qname: str
    display: str
    low: float | None = None
    high: float | None = None
    role: str = "scale"  # scale | normalize | raw (keeps the values) | keep (crops, flips) | compose
    steps: list = field(default_factory=list)
    args: object = None  # the constructor's Args (Normalize(mean, std))


@dataclass(eq=False)
class Batches:
    """A dataset or loader: iterating it gives `item` (an (x, y) tuple or a tensor) once."""

    item: object
    raw: DataSource | None = None  # torchvision datasets' `.data`: the raw uint8 images


@dataclass(eq=False)
class Bunch:
    """A dataset object a loader returns (sklearn's Bunch): `.data` the features, `.target` the targets,
    `.frame` both in one table (its columns' ranges differ: a table of unknown range)."""

    data: Tensor
    target: Tensor
    frame: Tensor


@dataclass(eq=False)
class Trainer:
    """A Lightning Trainer: `fit` runs the model's training_step on a batch of its loader."""


DATA_VALUES = (Transform, Batches, Trainer, Bunch)


class DataApi:
    def __init__(self, api) -> None:
        self.api = api
        self.i = api.i
        self.t = tables()
        self.feeds: dict[int, list[DataSource]] = {}  # id(first affine op) -> data that reached it
        self.fits: list[tuple[object, object, object, object]] = []  # (model, x, y, node) of fit calls
        self.by_model: dict[int, list[DataSource]] = {}  # id(model called on data) -> the data
        self.models: dict[int, object] = {}
        self.pending: dict[int, Op] = {}  # Normalization layers not (yet) adapt()-ed
        self.feature_ops: set[int] = set()  # recurrent layers: they read the data as it is (D.FEATURE_LAYERS)
        self.input_scaling: dict[int, Op] = {}  # id(first affine op) -> the scaling forward() applies first
        self.unknown_models: list[DataSource] = []  # data given to a model the interpreter cannot see
        self.adapts = 0
        self.placeholders: dict[tuple, _Placeholder] = {}  # TF1 graph inputs, by where they are made

    # ================================================================ helpers

    def make(self, node, lo: float | None, hi: float | None, dtype: str | None = None, **kw) -> DataSource:
        return DataSource(self.api.text(node), self.api.origin(node), lo, hi, dtype, **kw)

    def dtype_of(self, v: object) -> str | None:
        if isinstance(v, str):
            return D.DTYPES.get(v)
        if isinstance(v, ExtRef):
            return D.DTYPES.get(canonical(v.qname))
        return None

    # ================================================================ calls of library names

    def call(self, q: str, args: list, kwargs: dict, node) -> object | None:
        """The data value a library call makes, or None when the call is not a data API."""
        from relulint.source.interp.api import Args

        a = Args(args, kwargs)
        spec = self.t.data.get(q)
        if q in D.BUNDLED:
            return self.bundled(q, D.BUNDLED[q], a, node)
        if q == D.OPENML:
            name = a.get(D.OPENML_NAME)
            return self.bundled(q, D.OPENML_IMAGES[name], a, node) if isinstance(name, str) and \
                name in D.OPENML_IMAGES else UNK
        if q in D.TFDS_LOAD:
            return self.tfds(a, node)
        if q in D.UNPACKED_INPUTS:  # (x_train, y_train), (x_test, y_test) = mnist.load_data()
            images = self._source(q, spec, a, node) if spec is not None else Tensor()
            return ((images, Tensor()), (images, Tensor()))
        if spec is not None and spec.role in ("source", "randint", "randint_torch", "arange"):
            return self._source(q, spec, a, node)
        if q in D.NORMAL_SOURCES:
            mean_ref, std_ref = D.NORMAL_SOURCES[q]
            m, s = _num(a.get(mean_ref)), _num(a.get(std_ref))
            if m is None or s is None:
                return Tensor()
            return Tensor(data=self.make(node, m - 3 * abs(s), m + 3 * abs(s), continuous=True))
        if q in D.GENERATORS:  # rng = np.random.default_rng(0); rng.uniform(...) draws like np.random.uniform
            return ExtRef("numpy.random")
        if q in D.GRAPH_INPUT_DTYPE and q.startswith("tensorflow."):
            return self.placeholder(q, a, node)
        if q in D.STAT_FUNCS and args and isinstance(args[0], Tensor) and args[0].data is not None and \
                not (len(args) > 1 and isinstance(args[1], Tensor)):  # np.min(y); not torch.max(a, b)
            return Tensor(stat=(D.STAT_FUNCS[q], args[0].data))
        if q in D.TABLE_SOURCES:
            return Tensor(data=self.make(node, None, None, tabular=True))
        if q in D.LOADERS:
            data_ref, collate_ref = D.LOADERS[q]
            item = self.item_of(a.get(data_ref))
            collate = a.get(collate_ref) if collate_ref is not None else UNK
            if isinstance(collate, (FuncVal, BoundMethod)):
                item = self.i.call(collate, [ListVal([item])], {}, None)
            return Batches(item)
        if q in D.TRAINERS:
            return Trainer()
        if q in D.IMAGE_GENERATORS:
            return Transform(q, self.api.text(node), role="generator", args=a)
        if q in D.SUBSETS and args:
            lengths = args[1] if len(args) > 1 else kwargs.get("lengths", UNK)
            n = len(lengths.items) if isinstance(lengths, ListVal) else len(lengths) if isinstance(lengths, tuple) else 2
            return tuple(args[0] for _ in range(n)) if q.endswith("random_split") else args[0]
        if q in D.ZIPPED:
            return Batches(tuple(self.item_of(x) for x in args))
        if q in D.PASSTHROUGH:
            return self._passthrough(q, D.PASSTHROUGH[q], a, node)
        if q in D.CHUNKS and args and isinstance(args[0], Tensor) and args[0].data is not None:
            return ListVal([Tensor(data=args[0].data)], repeated=True)  # np.array_split(X, 10): one batch for all
        if q in D.SPLITS:  # X_train, X_test, y_train, y_test = train_test_split(X, y)
            return tuple(x for x in args[:4] for _ in range(2))
        if q.startswith(D.DATASET_PREFIXES) and q[len(D.DATASET_PREFIXES[0]):][:1].isupper():
            raw = self.make(node, *D.UINT8_RANGE, dtype="uint8")
            transform = a.get(D.DATASET_TRANSFORM)
            image = self.transform(transform, Tensor(data=raw)) if transform not in (UNK, None) else Tensor()
            return Batches((image, Tensor()), raw=raw)
        if spec is not None and spec.role in ("scale", "normalize") and not q.startswith("keras.layers."):
            if q.rsplit(".", 1)[-1][:1].isupper():  # a class: the transform object
                return Transform(q, self.api.text(node), spec.low, spec.high, spec.role, args=a)
            x = args[0] if args else kwargs.get("x", kwargs.get("X", UNK))
            if q in D.INT_ONLY_SCALING and isinstance(x, Tensor) and x.data is not None and \
                    x.data.dtype in D.FLOAT_DTYPES:
                return Tensor(data=x.data)  # convert_image_dtype(float image): passed through as it is
            return self.scaled(x, node, spec.low, spec.high)  # preprocessing.scale(x), F.normalize(x)
        if q in D.COMPOSE or q in D.ALBU_COMPOSE or q in ("sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline"):
            steps = args if q == "sklearn.pipeline.make_pipeline" else (self.i.iterate(args[0]) or []) if args else []
            if q == "sklearn.pipeline.Pipeline":
                steps = [s[1] if isinstance(s, tuple) and len(s) == 2 else s for s in steps]
            return Transform(q, self.api.text(node), role="compose", steps=list(steps))
        if q in D.KEEP_TRANSFORMERS:
            return Transform(q, self.api.text(node), role="keep", args=a)
        if q.startswith(D.ALBU_PREFIX) and q.rsplit(".", 1)[-1][:1].isupper() and q not in D.RAW_TRANSFORMS:
            return Transform(q, self.api.text(node), role="other" if q in D.ALBU_OTHER else "keep", args=a)
        if q in D.RAW_TRANSFORMS or q.startswith(D.TRANSFORM_PREFIX) and q[len(D.TRANSFORM_PREFIX):][:1].isupper():
            role = "raw" if q in D.RAW_TRANSFORMS else ("other" if q.endswith(".Lambda") else "keep")
            return Transform(q, self.api.text(node), role=role, args=a)
        if q.endswith(D.NORMALIZE_SUFFIXES) and args:  # keras.applications.*.preprocess_input(x)
            return self.scaled(args[0], node, None, None)
        return None

    def bundled(self, q: str, b: D.Bundled, a, node) -> object:
        """A library's tabular dataset: features and targets with the ranges the loader returns them in."""
        lo, hi = b.scaled_x if b.scaled_x is not None and a.get(b.scaled_arg) is True else b.x
        x = Tensor(data=self.make(node, lo, hi, continuous=True))
        y = Tensor(data=self.make(node, *b.y, continuous=b.regression))
        if q.startswith("keras.datasets."):  # (x_train, y_train), (x_test, y_test)
            return ((x, y), (x, y))
        if a.get(D.BUNDLED_X_Y) is True:
            return (x, y)
        return Bunch(x, y, Tensor(data=self.make(node, None, None, tabular=True)))

    def tfds(self, a, node) -> object:
        """tfds.load(name, split=..., as_supervised=..., with_info=...): the datasets of an image dataset, whose
        images are uint8 pixels; any other dataset is unknown."""
        name = a.get(D.TFDS_NAME)
        if not isinstance(name, str) or name.split(":")[0].split("/")[0] not in D.TFDS_IMAGES:
            return UNK
        image = Tensor(data=self.make(node, *D.UINT8_RANGE, dtype="uint8"))
        item = (image, Tensor()) if a.get(D.TFDS_SUPERVISED) is True else DictVal({"image": image, "label": Tensor()})
        split = a.get(D.TFDS_SPLIT)
        if isinstance(split, str):
            out: object = Batches(item)
        elif isinstance(split, (ListVal, tuple)):
            out = tuple(Batches(item) for _ in (split.items if isinstance(split, ListVal) else split))
        elif a.given(D.TFDS_SPLIT):
            return UNK
        else:
            out = DictVal({"train": Batches(item), "test": Batches(item), "validation": Batches(item)})
        return (out, UNK) if a.get(D.TFDS_WITH_INFO) is True else out

    def _source(self, q: str, spec, a, node) -> Tensor:
        pos = [_num(x) for x in a.args]
        if spec.role == "randint_torch":  # torch.randint(high, size) / torch.randint(low, high, size)
            if "high" in a.kwargs:
                lo, hi = _num(a.kwargs.get("low", 0)), _num(a.kwargs["high"])
            elif len(pos) >= 3:
                lo, hi = pos[0], pos[1]
            elif len(pos) == 2:
                lo, hi = 0.0, pos[0]
            else:
                lo = hi = None
        elif spec.role == "arange":  # arange(stop) / arange(start, stop[, step])
            lo, hi = (0.0, pos[0]) if len(pos) == 1 else (pos[0], pos[1]) if len(pos) >= 2 else (None, None)
        else:
            lo = spec.low if spec.low is not None else _num(a.get(spec.low_arg))
            hi = spec.high if spec.high is not None else _num(a.get(spec.high_arg))
            if spec.role == "randint" and not a.given(spec.high_arg) and lo is not None:
                lo, hi = 0.0, lo  # np.random.randint(256, size=...) draws from [0, 256)
        if spec.role in ("randint", "randint_torch") and lo is not None and hi is not None and hi > lo:
            hi -= 1  # randint's high is exclusive
        dtype = self.dtype_of(a.kwargs.get("dtype")) or spec.dtype
        if dtype == "uint8" and (lo is None or hi is None):
            lo, hi = D.UINT8_RANGE
        if lo is None and hi is None and dtype is None:
            return Tensor()
        continuous = q in D.CONTINUOUS or spec.role == "arange" and any(
            isinstance(x, float) for x in a.args[:3])
        return Tensor(data=self.make(node, lo, hi, dtype, continuous=continuous))

    def _passthrough(self, q: str, p: D.Passthrough, a, node) -> Tensor:
        x = a.get(p.data)
        base: DataSource | None = None
        if isinstance(x, Tensor):
            base = x.data
        elif isinstance(x, (ListVal, tuple)):
            values: list[float] = []
            if p.literal and _flatten(x, values) and values:
                base = self.make(node, min(values), max(values),
                                 continuous=any(not float(v).is_integer() for v in values))
            elif p.many or q in ("numpy.array", "numpy.asarray", "torch.tensor"):  # np.stack([a, b])
                items = x.items if isinstance(x, ListVal) else list(x)
                base = join_data([t.data if isinstance(t, Tensor) else None for t in items])
        elif isinstance(x, Batches):
            return Batches(x.item, x.raw)  # DataLoader(TensorDataset(...)): handled by LOADERS
        dtype = p.as_dtype or (self.dtype_of(a.get(p.dtype)) if p.dtype is not None else None)
        if dtype == "uint8":
            if base is None:  # np.array(images, dtype=np.uint8): raw bytes whatever they were
                return Tensor(data=self.make(node, *D.UINT8_RANGE, dtype="uint8"))
            return Tensor(data=replace(base, low=base.low if base.low is not None else D.UINT8_RANGE[0],
                                       high=base.high if base.high is not None else D.UINT8_RANGE[1], dtype="uint8"))
        if base is not None and dtype is not None:
            base = replace(base, dtype=dtype)
        return Tensor(data=base, shape=x.shape if isinstance(x, Tensor) and q in _ELEMENTWISE_CALLS else None)

    # ================================================================ datasets, transforms, scalers

    def item_of(self, ds: object) -> object:
        """What one iteration of a dataset gives."""
        if isinstance(ds, Batches):
            return ds.item
        if isinstance(ds, Tensor):
            return ds
        if isinstance(ds, (ListVal, tuple)):
            items = ds.items if isinstance(ds, ListVal) else ds
            return items[0] if items else UNK
        if isinstance(ds, Instance):
            getitem = ds.cls.lookup("__getitem__")
            if isinstance(getitem, FuncVal):
                return self.i.invoke(getitem, [ds, UNK], {}, self_val=ds)
        return UNK

    def scaled(self, x: object, node, lo: float | None, hi: float | None) -> Tensor:
        base = x.data if isinstance(x, Tensor) else None
        if base is None:
            base = self.make(node, None, None)
        # a scaled value is a fraction (x / 255, ToTensor), not a class label
        return Tensor(data=replace(base, low=lo, high=hi, dtype=None, scaled=True, scaled_by=self.api.text(node),
                                   scaled_at=self.api.origin(node), tabular=False, continuous=True))

    def transform(self, tf: object, x: object) -> object:
        """A transform object (or Compose / Pipeline) applied to data."""
        if not isinstance(tf, Transform):
            return self.i.call(tf, [x], {}, None) if isinstance(tf, (FuncVal, BoundMethod)) else Tensor()
        if not isinstance(x, Tensor):
            return Tensor()
        if tf.role == "compose":
            for step in tf.steps:
                x = self.transform(step, x)
                if not isinstance(x, Tensor) or x.data is None:
                    return Tensor()
            return x
        base = x.data
        if tf.role in ("raw", "keep"):
            return x
        if tf.role == "other" or base is None:
            return Tensor()
        if tf.qname in D.INT_ONLY_SCALING and base.dtype in D.FLOAT_DTYPES:
            return x  # ToTensor() on a float array: no scaling
        flag = D.SCALE_FLAG.get(tf.qname)
        if flag is not None and tf.args is not None and tf.args.get(flag) is not True:
            return Tensor(data=replace(base, dtype=None))  # v2.ToDtype(torch.float32) without scale=True
        if tf.qname.endswith(".Normalize") and tf.args is not None:  # Normalize(mean, std) on a known range
            mean: list[float] = []
            std: list[float] = []
            if _flatten(tf.args.get(Arg(0, "mean")), mean) and _flatten(tf.args.get(Arg(1, "std")), std) and \
                    base.low is not None and base.high is not None and std and min(abs(s) for s in std) > 0:
                vals = [(v - m) / s for m, s in zip(mean, std, strict=False) for v in (base.low, base.high)]
                lo, hi = min(vals), max(vals)
                return Tensor(data=replace(base, low=lo, high=hi, dtype=None, scaled=base.scaled or _small(lo, hi),
                                           scaled_by=tf.display))
        return Tensor(data=replace(base, low=tf.low, high=tf.high, dtype=None, scaled=True, scaled_by=tf.display,
                                   tabular=False, continuous=True))

    def apply(self, tf: Transform, args: list, kwargs: dict) -> object:
        """A transform object called: `tf(x)`, or albumentations' `tf(image=x)`, which returns a dict holding
        the transformed image under the same key (the other targets, masks and boxes, are not followed)."""
        if not args and D.ALBU_IMAGE_KW in kwargs:
            return DictVal({D.ALBU_IMAGE_KW: self.transform(tf, kwargs[D.ALBU_IMAGE_KW])})
        return self.transform(tf, args[0] if args else UNK)

    def generated(self, gen: Transform, x: object, node) -> Tensor:
        """What an ImageDataGenerator yields of x: rescaled (x * rescale), standardised, or x itself."""
        if not isinstance(x, Tensor) or x.data is None:
            return Tensor()
        kwargs = gen.args.kwargs if gen.args is not None else {}
        given = [k for k in D.GENERATOR_SCALING if kwargs.get(k) not in (None, False, 0, UNK) or k in kwargs
                 and kwargs[k] is UNK]
        if not given and gen.args is not None and gen.args.args:
            return Tensor()  # positional arguments: what they set is not read
        if not given:
            return x
        rescale = _num(kwargs.get("rescale"))
        if given == ["rescale"] and rescale is not None:
            return self.binop(x, "Multiply", rescale, node)
        return self.scaled(x, node, None, None)

    def is_scaler(self, tf: object) -> bool:
        if not isinstance(tf, Transform):
            return False
        if tf.role == "compose":
            return any(self.is_scaler(s) for s in tf.steps)
        return tf.role in ("scale", "normalize")

    def method_of(self, recv: object, name: str, args: list, kwargs: dict, node) -> object:
        """Methods of a transform, scaler or loader."""
        if isinstance(recv, Transform) and recv.role == "generator":
            if name not in D.GENERATOR_FLOWS:
                return recv if name == "fit" else UNK
            x = args[0] if name == "flow" and args else kwargs.get("x", UNK) if name == "flow" else \
                Tensor(data=self.make(node, 0.0, 255.0, "float32"))  # image files decoded to float
            y = args[1] if name == "flow" and len(args) > 1 else kwargs.get("y", Tensor())
            return Batches((self.generated(recv, x, node), y))
        if isinstance(recv, Transform):
            if name in D.SCALER_METHODS and args:
                if recv.role == "compose" and not self.is_scaler(recv):
                    return Tensor()
                if recv.role == "compose":
                    return self.scaled(args[0], node, None, None)
                return self.transform(recv, args[0])
            if name == "fit":
                return recv
            return UNK
        if isinstance(recv, Trainer):
            if name == "fit":
                self.lightning_fit(args, kwargs)
            return UNK
        if isinstance(recv, Batches):
            if name in D.LOADER_KEEP:
                return recv
            if name == "map" and args:  # dataset.map(lambda x, y: (x / 255, y))
                item = recv.item
                out = self.i.call(args[0], list(item) if isinstance(item, tuple) else [item], {}, None)
                return Batches(out)
            return UNK
        return UNK

    def lightning_fit(self, args: list, kwargs: dict) -> None:
        """trainer.fit(model, train_dataloaders=None, val_dataloaders=None, datamodule=None): a batch of the
        training loader (the datamodule's, or the model's own train_dataloader()) through training_step."""
        from relulint.source.interp.evaluator import _Method

        model = args[0] if args else kwargs.get("model", UNK)
        if not isinstance(model, Instance):
            return
        loader = args[1] if len(args) > 1 else kwargs.get("train_dataloaders", kwargs.get("train_dataloader", UNK))
        dm = args[3] if len(args) > 3 else kwargs.get("datamodule", UNK)
        if isinstance(loader, Instance) and loader.cls.lookup("train_dataloader") is not None:
            dm, loader = loader, UNK  # trainer.fit(model, dm)
        for owner in (dm, model):
            if loader not in (UNK, None) or not isinstance(owner, Instance):
                continue
            setup = self.i.getattr(owner, "setup")
            if owner is dm and isinstance(setup, BoundMethod):
                self.i.call(setup, ["fit"], {}, None)
            make = self.i.getattr(owner, "train_dataloader")
            if isinstance(make, BoundMethod):
                loader = self.i.call(make, [], {}, None)
        step = self.i.getattr(model, "training_step")
        if loader in (UNK, None) or not isinstance(step, BoundMethod) or isinstance(step, _Method):
            return
        out = self.i.call(step, [self.item_of(loader), 0], {}, None)
        for v in (out, *(out.items.values() if hasattr(out, "items") and isinstance(out.items, dict) else ())):
            self.i.trains(v)

    def attribute(self, obj: object, name: str, node=None) -> object:
        from relulint.source.interp.evaluator import _Method

        if isinstance(obj, Bunch):
            return obj.data if name == "data" else obj.target if name == "target" else obj.frame if name == "frame" \
                else UNK
        if isinstance(obj, Batches):
            if name in D.DATASET_RAW_ATTRS and obj.raw is not None:  # MNIST(...).data: the raw uint8 images
                return Tensor(data=replace(obj.raw, display=self.api.text(node), origin=self.api.origin(node))
                              if node is not None else obj.raw)
            if name in ("targets", "labels", "train_labels", "test_labels"):
                return Tensor()
            if name == "dataset":
                return obj
        return _Method(name, obj)

    # ================================================================ tensors

    def tensor_attribute(self, t: Tensor, name: str, node) -> object:
        if name == "values" and t.data.tabular:  # frame.values: the array the program feeds, made here
            return Tensor(data=replace(t.data, display=self.api.text(node), origin=self.api.origin(node)))
        if name in ("iloc", "loc", "T", "data", "values", "str"):
            return t
        return NotImplemented

    def tensor_method(self, t: Tensor, name: str, args: list, kwargs: dict, node) -> object:
        base = t.data
        if name in D.TO_ARRAY and base.tabular:
            return Tensor(data=replace(base, display=self.api.text(node), origin=self.api.origin(node)))
        if name in D.STAT_METHODS:  # y.min(), y.max(axis=0): a step of a min-max scaling
            return Tensor(stat=(D.STAT_METHODS[name], base))
        if name in D.PASSTHROUGH_METHODS or name in D.FRAME_KEEP:
            dtype = D.PASSTHROUGH_METHODS.get(name)
            if name in ("astype", "to", "type"):
                dtype = self.dtype_of(args[0] if args else kwargs.get("dtype"))
            if dtype == "uint8":
                return Tensor(data=replace(base, low=base.low if base.low is not None else 0.0,
                                           high=base.high if base.high is not None else 255.0, dtype="uint8"))
            keep = name in _ELEMENTWISE
            return Tensor(data=replace(base, dtype=dtype) if dtype is not None else base,
                          shape=t.shape if keep else None)
        if name == "mean" and not base.tabular:
            return Tensor(data=replace(base, dtype=None))
        if name == "sum" and not base.tabular and base.low is not None and base.high is not None and \
                base.low <= 0 <= base.high:
            return Tensor(data=replace(base, dtype=None))  # k >= 1 terms: at least [low, high] is reached
        return Tensor()

    def unary_minus(self, t: Tensor) -> Tensor:
        d = t.data
        lo = -d.high if d.high is not None else None
        hi = -d.low if d.low is not None else None
        return Tensor(data=replace(d, low=lo, high=hi, dtype=None if d.dtype == "uint8" else d.dtype), shape=t.shape)

    def binop(self, a: object, kind: str, b: object, node) -> Tensor:
        """Interval arithmetic: data <op> number, number <op> data, data <op> data (elementwise: the shape
        of the tensor operand is kept, which gives a TF1 layer its fan-in)."""
        out = self._binop(a, kind, b, node)
        out.shape = a.shape if isinstance(a, Tensor) and a.shape is not None else \
            b.shape if isinstance(b, Tensor) else None
        return out

    def _binop(self, a: object, kind: str, b: object, node) -> Tensor:
        da = a.data if isinstance(a, Tensor) else None
        db = b.data if isinstance(b, Tensor) else None
        text = self.api.text(node)
        if isinstance(a, Tensor) and a.stat is not None or isinstance(b, Tensor) and b.stat is not None:
            step = self._minmax_step(a, kind, b, node)
            if step is not None:
                return step
        if da is not None and db is not None:
            if None in (da.low, da.high, db.low, db.high) or da.tabular or db.tabular:
                return Tensor()
            if kind == "Add":
                lo, hi = da.low + db.low, da.high + db.high
            elif kind == "Subtract":
                lo, hi = da.low - db.high, da.high - db.low
            elif kind == "Multiply":
                ends = [x * y for x in (da.low, da.high) for y in (db.low, db.high)]
                lo, hi = min(ends), max(ends)
            elif kind == "Divide" and (db.low > 0 or db.high < 0):  # (x - MEAN) / STD with constant tensors
                ends = [x / y for x in (da.low, da.high) for y in (db.low, db.high)]
                lo, hi = min(ends), max(ends)
                scaled = da.scaled or _small(lo, hi) and not _small(da.low, da.high)
                return Tensor(data=replace(da, low=lo, high=hi, dtype=None, scaled=scaled,
                                           continuous=da.continuous or db.continuous))
            else:
                return Tensor()
            return Tensor(data=replace(da, low=lo, high=hi, dtype=None, scaled=da.scaled and db.scaled,
                                       continuous=da.continuous or db.continuous))
        base, other, left = (da, b, True) if da is not None else (db, a, False)
        if base is None:
            return Tensor()
        c = _num(other)
        if c is None:
            if kind == "Divide" and left and not isinstance(other, Tensor) or \
                    kind == "Divide" and left and isinstance(other, Tensor) and other.data is None:
                # x / std, x / x.max(): a normalisation whose result's range is unknown (continuous values)
                return Tensor(data=replace(base, low=None, high=None, dtype=None, scaled=True, scaled_by=text,
                                           scaled_at=self.api.origin(node), tabular=False, continuous=True))
            return Tensor()
        lo, hi = base.low, base.high
        if lo is None or hi is None:  # no range: any division or multiplication by a constant is a scaling step
            if kind == "Divide" and left and abs(c) > 1 or kind == "Multiply" and abs(c) < 1:
                # coords / IMG_SIZE: scaled, and continuous values (labels are not divided)
                return Tensor(data=replace(base, scaled=True, scaled_by=text, scaled_at=self.api.origin(node),
                                           tabular=False, continuous=True))
            if kind in ("Add", "Subtract"):
                return Tensor(data=base)
            return Tensor()
        new = const_range(kind, lo, hi, c, left)
        if new is None:
            return Tensor()
        shrinks = kind in ("Divide", "Multiply") and _small(*new) and not _small(lo, hi)
        keep_int = base.dtype == "uint8" and kind in ("Add", "Subtract", "Multiply") and float(c).is_integer()
        return Tensor(data=replace(base, low=new[0], high=new[1], dtype=base.dtype if keep_int else None,
                                   scaled=base.scaled or shrinks, scaled_by=text if shrinks else base.scaled_by,
                                   continuous=base.continuous or not float(c).is_integer() or kind == "Divide"))

    def _minmax_step(self, a: object, kind: str, b: object, node) -> Tensor | None:
        """The steps of a min-max scaling written by hand: y - y.min() (shifted to start at 0),
        y.max() - y.min() (the range, + a small epsilon), shifted / range and y / y.max() for y >= 0 (within
        [0, 1]: continuous values, scaled). None for any other arithmetic, which then sees an unknown value."""
        sa = a.stat if isinstance(a, Tensor) else None
        sb = b.stat if isinstance(b, Tensor) else None
        da = a.data if isinstance(a, Tensor) else None
        if kind == "Subtract" and sa is None and da is not None and sb is not None and sb[0] == "min":
            hi = da.high - sb[1].low if da.high is not None and sb[1].low is not None else None
            return Tensor(data=replace(da, low=0.0, high=hi, dtype=None), stat=("shifted", da))
        if kind == "Subtract" and sa is not None and sb is not None and sa[0] == "max" and sb[0] == "min":
            return Tensor(stat=("range", sa[1]))
        eps = _num(b)
        if kind == "Add" and sa is not None and sa[0] in ("range", "std", "max") and eps is not None and \
                0.0 <= eps <= 1e-3:
            return a  # (y.max() - y.min() + 1e-8): a guard against division by zero
        if kind == "Divide" and da is not None and sb is not None and \
                (sb[0] == "range" and sa is not None and sa[0] == "shifted" or
                 sb[0] == "max" and sa is None and da.low is not None and da.low >= 0.0):
            return Tensor(data=replace(da, low=0.0, high=1.0, dtype=None, scaled=True, scaled_by=self.api.text(node),
                                       scaled_at=self.api.origin(node), tabular=False, continuous=True))
        return None

    # ================================================================ layers, feeds, targets

    def through_layer(self, op: Op, t: Tensor, node) -> DataSource | None:
        """The data after a layer op: recorded where it reaches the first affine layer; kept through
        shape ops and dropout; scaled by a norm / scale layer (not by a Normalization never adapted)."""
        d = t.data
        if op.kind == "affine":
            ph = self.placeholders.get(_key(d.origin)) if self.placeholders else None
            if ph is not None:  # a TF1 graph input: what feed_dict gives it reaches this layer
                if op not in ph.ops:
                    ph.ops.append(op)
                if d.scaled and id(op) not in self.input_scaling:  # tf.cast(x, tf.float32) / 255. in the graph
                    self.input_scaling[id(op)] = Op("scale", d.scaled_by or "scale", d.scaled_at)
                if d.dtype != "uint8" or d.scaled:
                    return None
            if d.display == PROBE:  # the network's own forward pass: x / 255 before its first layer
                if d.scaled and id(op) not in self.input_scaling:
                    self.input_scaling[id(op)] = Op("scale", d.scaled_by or "scale", d.scaled_at)
                return None
            site = self.i.feed_site
            fed_at = site[1].origin(site[0]) if site is not None and site[1] is not None else None
            self.record(op, replace(d, fed_at=fed_at) if fed_at is not None else d, site[2] if site else None)
            return None
        if op.kind in ("shape", "dropout", "alpha_dropout"):
            return d
        if op.kind in ("norm", "scale"):
            if id(op) in self.pending:
                return d
            return replace(d, low=None, high=None, dtype=None, scaled=True, scaled_by=op.display, tabular=False)
        return None

    def record(self, op: Op, d: DataSource, model: object = None) -> None:
        """Data reaching a first affine layer (and the model called on it, whose first layer that is)."""
        _add(self.feeds.setdefault(id(op), []), d)
        if model is not None:
            self.models[id(model)] = model
            _add(self.by_model.setdefault(id(model), []), d)

    def fed_model(self, model: object, net: Network) -> None:
        """A network built for a model the program called: the data it fed that model."""
        feeds = self.by_model.get(id(model))
        if feeds:
            net.inputs = list(feeds)
            net.inputs_followed = True

    def targets(self, loss: Loss, target: object, node) -> None:
        if loss.targets is None and isinstance(target, Tensor) and target.data is not None and self.i.recording:
            ph = self.placeholders.get(_key(target.data.origin))
            if ph is not None and ph.ops:  # the placeholder the network reads: an autoencoder's target
                loss.reconstruction = True
            if ph is not None:  # a placeholder: its targets are what feed_dict gives it
                if loss not in ph.losses:
                    ph.losses.append(loss)
                return
            loss.targets = replace(target.data, fed_at=self.api.origin(node) if node is not None else None)

    def loss_labels(self, loss: Loss, a, pred: object, node) -> None:
        """A TF1 loss call's targets: its labels argument, else the positional tensor that is not the prediction."""
        labels = [a.get(r) for r in D.TF1_LABEL_ARGS if a.given(r)] or list(a.args)
        target = next((v for v in labels if isinstance(v, Tensor) and v is not pred and v.data is not None), None)
        self.targets(loss, target, node)

    def placeholder(self, q: str, a, node) -> Tensor | None:
        """tf.placeholder(dtype, shape): data whose values come from feed_dict (uint8: raw by declaration)."""
        dtype = self.dtype_of(a.get(D.GRAPH_INPUT_DTYPE[q]))
        d = self.make(node, *(D.UINT8_RANGE if dtype == "uint8" else (None, None)), dtype=dtype)
        if d.origin is None:
            return None
        self.placeholders.setdefault(_key(d.origin), _Placeholder())
        return Tensor(data=d)

    def feed_dict(self, pairs: list, node) -> None:
        """sess.run(..., feed_dict={x: batch_x, y: batch_y}): each placeholder's first layers get the batch,
        the losses whose targets it is get it as targets."""
        fed_at = self.api_origin(node)
        for key, value in pairs:
            ph = self.placeholders.get(_key(key.data.origin)) if key.data is not None else None
            d = value.data if isinstance(value, Tensor) else None
            if ph is None or d is None or not self.i.recording:
                continue
            for op in ph.ops:
                self.record(op, replace(d, fed_at=fed_at))
            for loss in ph.losses:
                if loss.targets is None:
                    loss.targets = replace(d, fed_at=fed_at)

    def fit(self, model: object, args: list, kwargs: dict, node) -> None:
        x = args[0] if args else kwargs.get("x", UNK)
        y = args[1] if len(args) > 1 else kwargs.get("y", UNK)
        if isinstance(x, Instance) and isinstance(x.cls.lookup("__getitem__"), FuncVal):
            x = Batches(self.item_of(x))  # fit(keras.utils.Sequence): its (x, y) batches
        if isinstance(x, Batches):  # fit(dataset): its (x, y) batches
            item = x.item
            x, y = (item[0], item[1]) if isinstance(item, tuple) and len(item) >= 2 else (item, UNK)
        if self.i.recording and len(self.fits) < 64:
            self.fits.append((model, x, y, node))

    def _fits_input_to_itself(self, node) -> bool:
        """fit(x, x) written out, whatever x is (an unknown loader's result too)."""
        x = self.api.arg_text(node, 0, "x")
        return x is not None and x == self.api.arg_text(node, 1, "y")

    def layer_made(self, q: str, layer: object, a) -> None:
        """A Keras layer made: a Normalization without mean / variance normalises only once adapt()-ed; a
        recurrent layer reads the data as it is."""
        if q in D.FEATURE_LAYERS and isinstance(layer, LayerVal):
            self.feature_ops.add(id(layer.op))
        refs = D.ADAPTABLE.get(q)
        if refs is not None and isinstance(layer, LayerVal) and not any(a.given(r) for r in refs):
            self.pending[id(layer.op)] = layer.op

    def adapted(self, layer: LayerVal) -> None:
        self.adapts += 1
        self.pending.pop(id(layer.op), None)

    # ================================================================ networks

    def attach(self, nets: list[Network], irs: list, chain_of, compiled, code: str, keyed: dict) -> None:
        """Give each network the data its program fed it and each compiled loss the targets fit gave it."""
        for model, x, y, node in self.fits:
            ops = chain_of(model)
            first = next((op for op in ops if op.kind == "affine"), None)
            if first is not None and isinstance(x, Tensor) and x.data is not None:
                d = x.data
                for op in ops:
                    if op is first:
                        self.record(op, replace(d, fed_at=self.api_origin(node)))
                        break
                    if op.kind in ("norm", "scale") and id(op) not in self.pending:
                        break  # a first Normalization / Rescaling / BatchNorm: the network scales its input
                    if op.kind not in _KEEPS_VALUES and id(op) not in self.pending and id(op) not in self.feature_ops:
                        break  # a Lambda, preprocess_input, an Embedding lookup: what reaches the layer is unknown
            loss = next((lo for m, lo in reversed(compiled) if m is model), None)
            if loss is not None and (y is x and x is not UNK or self._fits_input_to_itself(node)):
                loss.reconstruction = True  # fit(x, x): an autoencoder
            if loss is not None and isinstance(y, Tensor) and y.data is not None and loss.targets is None:
                loss.targets = replace(y.data, fed_at=self.api_origin(node))
        # a Normalization the program never adapt()-s passes data unchanged; where adapt() is called on
        # something the interpreter cannot see (model.get_layer(...).adapt(x)), it is trusted
        trust_pending = code.count(".adapt(") <= self.adapts
        for key in self.by_model:
            net = keyed.get(key)
            if net is not None:
                self.fed_model(self.models[key], net)
        for net in [*nets, *(ir.network for ir in irs)]:
            found = net.first_affine()
            if found is None:
                continue
            scale = self.input_scaling.get(id(found[1]))
            if scale is not None and not net.scales_input():
                net.prepend(scale)
                found = net.first_affine()
            feeds = self.feeds.get(id(found[1]))
            if feeds:
                for d in feeds:
                    _add(net.inputs, d)
                net.inputs_followed = True
            if not net.inputs_followed:
                continue
            if trust_pending:
                for op in net.ops[:found[0]]:
                    if id(op) in self.pending:
                        op.inert = True
        for ir in irs:
            if ir.network.inputs_followed:
                ir.data = list(ir.network.inputs)

    def foreign(self) -> list[DataSource]:
        """Data the program fed to a model defined in another file (from model import Net; Net()(x)), or to
        one it cannot see: the engine gives it to that file's networks."""
        out: list[DataSource] = []
        for key, model in self.models.items():
            if isinstance(model, Instance) and model.cls.module is not self.i.root:
                for d in self.by_model[key]:
                    _add(out, d)
        for d in self.unknown_models:
            _add(out, d)
        return out

    def probe(self) -> Tensor:
        return Tensor(data=DataSource(PROBE, None))

    def declared_input(self, a, node) -> DataSource | None:
        """keras.Input(shape=..., dtype="uint8"): raw pixels by declaration."""
        if self.dtype_of(a.kwargs.get("dtype")) != "uint8":
            return None
        return self.make(node, *D.UINT8_RANGE, dtype="uint8")

    def unknown_model(self, func, x: object) -> None:
        """`net(x)` with `net` a model the interpreter cannot read (an import it could not follow), by name."""
        if isinstance(x, Tensor) and x.data is not None and x.data.display != PROBE and self.i.recording and \
                _MODEL_NAME.search(_callee_name(func)):
            _add(self.unknown_models, x.data)

    def api_origin(self, node):
        return self.api.origin(node) if node is not None else None


@dataclass(eq=False)
class _Placeholder:
    ops: list = field(default_factory=list)  # the first layers it reaches
    losses: list = field(default_factory=list)  # the losses whose targets it is


def _key(origin) -> tuple | None:
    return (origin.path, origin.line, origin.col) if origin is not None else None


def _callee_name(func) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _add(bucket: list[DataSource], d: DataSource) -> None:
    same = (d.origin, d.low, d.high, d.dtype, d.scaled, d.tabular)
    if len(bucket) < _MAX_FEEDS and not any((x.origin, x.low, x.high, x.dtype, x.scaled, x.tabular) == same
                                            for x in bucket):
        bucket.append(d)


def join_data(parts: list[DataSource | None]) -> DataSource | None:
    if not parts or any(p is None for p in parts):
        return None
    first = parts[0]
    lows = [p.low for p in parts]
    highs = [p.high for p in parts]
    lo = min(lows) if None not in lows else None
    hi = max(highs) if None not in highs else None
    dtype = first.dtype if all(p.dtype == first.dtype for p in parts) else None
    return replace(first, low=lo, high=hi, dtype=dtype, scaled=all(p.scaled for p in parts),
                   tabular=any(p.tabular for p in parts))


def const_range(kind: str, lo: float, hi: float, c: float, left: bool) -> tuple[float, float] | None:
    """The interval of [lo, hi] <kind> c (left) or c <kind> [lo, hi], or None when it is not computed."""
    if kind == "Add":
        return lo + c, hi + c
    if kind == "Subtract":
        return (lo - c, hi - c) if left else (c - hi, c - lo)
    if kind == "Multiply":
        return min(lo * c, hi * c), max(lo * c, hi * c)
    if kind in ("Divide", "FloorDivide") and left and c != 0:
        return min(lo / c, hi / c), max(lo / c, hi / c)
    if kind == "Power" and left and float(c).is_integer() and 1 <= c <= 8 and max(abs(lo), abs(hi)) < 1e30:
        return _power_range(lo, hi, int(c))  # y = x ** 4: the targets' scale
    return None


def _power_range(lo: float, hi: float, n: int) -> tuple[float, float]:
    ends = (lo ** n, hi ** n)
    if n % 2 == 0 and lo <= 0 <= hi:
        return 0.0, max(ends)
    return min(ends), max(ends)

