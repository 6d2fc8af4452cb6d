"""Data sources with a known range or dtype, the steps that scale or normalise data, and the calls
that pass data through unchanged in range: the API models of the interpreter's data values
(`relulint.source.interp.data_api`).

Every key is a canonical qualified name (see `relulint.knowledge.canonical`).
"""

from __future__ import annotations

from dataclasses import dataclass

from relulint.knowledge import Arg, DataSpec, Tables

_U8 = DataSpec("source", low=0.0, high=255.0, dtype="uint8")
_IMG_F = DataSpec("source", low=0.0, high=255.0, dtype="float32")  # decoded to float, still 0..255
data = {
    # image datasets that arrive as uint8 in [0, 255]
    "keras.datasets.mnist.load_data": _U8,
    "keras.datasets.fashion_mnist.load_data": _U8,
    "keras.datasets.cifar10.load_data": _U8,
    "keras.datasets.cifar100.load_data": _U8,
    "keras.utils.image_dataset_from_directory": _IMG_F,
    "keras.preprocessing.image_dataset_from_directory": _IMG_F,
    "keras.utils.load_img": _U8,
    "keras.preprocessing.image.load_img": _U8,
    "keras.utils.img_to_array": _IMG_F,
    "keras.preprocessing.image.img_to_array": _IMG_F,
    "cv2.imread": _U8,
    "PIL.Image.open": _U8,
    "imageio.imread": _U8,
    "imageio.v2.imread": _U8,
    "imageio.v3.imread": _U8,
    "skimage.io.imread": _U8,
    "matplotlib.pyplot.imread": _U8,
    "torchvision.io.read_image": _U8,
    "torchvision.io.decode_image": _U8,
    "tensorflow.image.decode_jpeg": _U8,
    "tensorflow.image.decode_png": _U8,
    "tensorflow.image.decode_image": _U8,
    "tensorflow.io.decode_jpeg": _U8,
    "tensorflow.io.decode_png": _U8,
    "tensorflow.io.decode_image": _U8,
    # random or constant data with a range given by the arguments
    "numpy.random.uniform": DataSpec("source", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", 1.0)),
    "numpy.random.rand": DataSpec("source", low=0.0, high=1.0),
    "numpy.random.random": DataSpec("source", low=0.0, high=1.0),
    "numpy.random.random_sample": DataSpec("source", low=0.0, high=1.0),
    "numpy.random.randint": DataSpec("randint", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", None)),
    "torch.rand": DataSpec("source", low=0.0, high=1.0),
    "torch.randint": DataSpec("randint_torch"),
    "tensorflow.random.uniform": DataSpec("source", low_arg=Arg(1, "minval", 0.0), high_arg=Arg(2, "maxval", 1.0)),
    "numpy.linspace": DataSpec("source", low_arg=Arg(0, "start"), high_arg=Arg(1, "stop")),
    "torch.linspace": DataSpec("source", low_arg=Arg(0, "start"), high_arg=Arg(1, "end")),
    # arange(stop) / arange(start, stop[, step]): the grid's range
    "numpy.arange": DataSpec("arange"),
    "torch.arange": DataSpec("arange"),
    "numpy.zeros": DataSpec("source", low=0.0, high=0.0),
    # an array to be filled item by item: its values are unknown, its dtype may be stated
    "numpy.empty": DataSpec("source"),
    "torch.empty": DataSpec("source"),
    "numpy.ones": DataSpec("source", low=1.0, high=1.0),
    "numpy.full": DataSpec("source", low_arg=Arg(1, "fill_value"), high_arg=Arg(1, "fill_value")),
    "torch.zeros": DataSpec("source", low=0.0, high=0.0),
    "torch.ones": DataSpec("source", low=1.0, high=1.0),
    # steps that bring data to a sane scale
    "torchvision.transforms.ToTensor": DataSpec("scale", low=0.0, high=1.0),
    "torchvision.transforms.ConvertImageDtype": DataSpec("scale", low=0.0, high=1.0),
    "torchvision.transforms.Normalize": DataSpec("normalize"),
    "torchvision.transforms.v2.Normalize": DataSpec("normalize"),
    "torchvision.transforms.v2.ToDtype": DataSpec("scale", low=0.0, high=1.0),
    "torchvision.transforms.functional.to_tensor": DataSpec("scale", low=0.0, high=1.0),
    "torchvision.transforms.functional.convert_image_dtype": DataSpec("scale", low=0.0, high=1.0),
    "torchvision.transforms.functional.normalize": DataSpec("normalize"),
    "tensorflow.image.convert_image_dtype": DataSpec("scale", low=0.0, high=1.0),
    "tensorflow.image.per_image_standardization": DataSpec("normalize"),
    "keras.layers.Rescaling": DataSpec("scale"),
    "keras.layers.Normalization": DataSpec("normalize"),
    "sklearn.preprocessing.StandardScaler": DataSpec("normalize"),
    "sklearn.preprocessing.RobustScaler": DataSpec("normalize"),
    "sklearn.preprocessing.MaxAbsScaler": DataSpec("normalize", low=-1.0, high=1.0),
    "sklearn.preprocessing.MinMaxScaler": DataSpec("normalize", low=0.0, high=1.0),
    "sklearn.preprocessing.Normalizer": DataSpec("normalize", low=-1.0, high=1.0),
    "sklearn.preprocessing.normalize": DataSpec("normalize", low=-1.0, high=1.0),
    "sklearn.preprocessing.scale": DataSpec("normalize"),
    "sklearn.preprocessing.minmax_scale": DataSpec("normalize", low=0.0, high=1.0),
    "keras.utils.normalize": DataSpec("normalize"),
    "torch.nn.functional.normalize": DataSpec("normalize"),
    "albumentations.Normalize": DataSpec("normalize"),
    "albumentations.ToFloat": DataSpec("scale", low=0.0, high=1.0),
}

# albumentations: `A.Compose([...])(image=img)["image"]`. Its pixel augmentations (Resize, HorizontalFlip,
# RandomBrightnessContrast...) keep the pixels' scale; Normalize / ToFloat scale (data table above); these do
# something the tables do not follow
ALBU_PREFIX = "albumentations."
ALBU_COMPOSE = frozenset({"albumentations.Compose", "albumentations.ReplayCompose",
                          "albumentations.core.composition.Compose"})
ALBU_OTHER = frozenset({"albumentations.Lambda", "albumentations.FromFloat", "albumentations.OneOf",
                        "albumentations.SomeOf", "albumentations.OneOrOther", "albumentations.Sequential",
                        "albumentations.pytorch.ToTensor", "albumentations.pytorch.transforms.ToTensor",
                        "albumentations.TemplateTransform", "albumentations.FDA", "albumentations.HistogramMatching",
                        "albumentations.PixelDistributionAdaptation"})
ALBU_IMAGE_KW = "image"  # the keyword the image is passed and returned under

# tensorflow_datasets: image datasets whose examples hold uint8 pixels. `tfds.load(name, split=..., as_supervised=True)`
# gives (image, label) pairs; without as_supervised, {"image": ..., "label": ...} dicts; a list of splits gives one
# dataset per split, no split a dict of them, with_info=True a (datasets, info) pair
TFDS_LOAD = frozenset({"tensorflow_datasets.load"})
TFDS_IMAGES = frozenset({
    "mnist", "fashion_mnist", "kmnist", "emnist", "cifar10", "cifar100", "svhn_cropped", "stl10", "tf_flowers",
    "cats_vs_dogs", "horses_or_humans", "rock_paper_scissors", "beans", "food101", "oxford_flowers102",
    "oxford_iiit_pet", "caltech101", "eurosat", "imagenette", "colorectal_histology", "malaria", "stanford_dogs",
    "deep_weeds", "citrus_leaves", "plant_village", "cassava", "binary_alpha_digits", "cmaterdb",
})
TFDS_NAME = Arg(0, "name")
TFDS_SPLIT = Arg(1, "split")
TFDS_SUPERVISED = Arg(None, "as_supervised", False)
TFDS_WITH_INFO = Arg(None, "with_info", False)

# Fitted transformers that keep the values' scale: imputers fill gaps with a column statistic, so raw columns stay
# raw (`SimpleImputer().fit_transform(x)`); in a pipeline with a scaler the pipeline scales.
KEEP_TRANSFORMERS = frozenset({"sklearn.impute.SimpleImputer", "sklearn.impute.KNNImputer"})

# Conversions that scale integer images only: ToTensor / convert_image_dtype divide uint8 pixels by 255 but pass
# float ones through unchanged (np.array(img, dtype=np.float32) then ToTensor() stays in [0, 255])
INT_ONLY_SCALING = frozenset({
    "torchvision.transforms.ToTensor", "torchvision.transforms.ConvertImageDtype", "torchvision.transforms.v2.ToDtype",
    "torchvision.transforms.functional.to_tensor", "torchvision.transforms.functional.convert_image_dtype",
    "tensorflow.image.convert_image_dtype",
})
FLOAT_DTYPES = frozenset({"float16", "float32", "float64"})

# A `transform=` step that keeps raw uint8 pixels (no scaling): PILToTensor, v2.ToImage.
RAW_TRANSFORMS = frozenset({
    "albumentations.pytorch.ToTensorV2",  # HWC -> CHW only: the uint8 values stay as they are
    "albumentations.pytorch.transforms.ToTensorV2",
    "torchvision.transforms.PILToTensor",
    "torchvision.transforms.v2.PILToTensor",
    "torchvision.transforms.v2.ToImage",
    "torchvision.transforms.functional.pil_to_tensor",
})
TRANSFORM_PREFIX = "torchvision.transforms."  # other steps here (crops, flips, resizes) keep the range
COMPOSE = frozenset({"torchvision.transforms.Compose", "torchvision.transforms.v2.Compose"})
# `v2.ToDtype(torch.float32)` only scales with scale=True
SCALE_FLAG = {"torchvision.transforms.v2.ToDtype": Arg(1, "scale", False)}

# Vision datasets: items are raw uint8 images unless a `transform=` scales them; `.data` is the
# raw uint8 array (MNIST: a uint8 tensor, CIFAR: a uint8 numpy array).
DATASET_PREFIXES = ("torchvision.datasets.",)
DATASET_TRANSFORM = Arg(None, "transform")
DATASET_RAW_ATTRS = frozenset({"data", "train_data", "test_data"})

# Normal sources: (mean, std) arguments; the range is taken as mean +- 3 std.
NORMAL_SOURCES: dict[str, tuple[Arg, Arg]] = {
    "numpy.random.normal": (Arg(0, "loc", 0.0), Arg(1, "scale", 1.0)),
    "numpy.random.randn": (Arg(None, None, 0.0), Arg(None, None, 1.0)),
    "numpy.random.standard_normal": (Arg(None, None, 0.0), Arg(None, None, 1.0)),
    "torch.randn": (Arg(None, None, 0.0), Arg(None, None, 1.0)),
    "torch.normal": (Arg(0, "mean", 0.0), Arg(1, "std", 1.0)),
    "tensorflow.random.normal": (Arg(1, "mean", 0.0), Arg(2, "stddev", 1.0)),
    "tensorflow.random_normal": (Arg(1, "mean", 0.0), Arg(2, "stddev", 1.0)),
}

# Graph inputs whose declared dtype says what the data is: a uint8 placeholder / Input is raw pixels.
GRAPH_INPUT_DTYPE: dict[str, Arg] = {
    "tensorflow.placeholder": Arg(0, "dtype"),
    "keras.Input": Arg(None, "dtype"),
    "keras.layers.Input": Arg(None, "dtype"),
}


@dataclass(frozen=True)
class Passthrough:
    """A call whose result carries the data of one argument with the same range.

    literal: the data argument may be a literal list whose values give the range (np.array([...])).
    many: the data argument is a list of data (np.stack([a, b])); the ranges are joined.
    dtype: where the call states the result's dtype (np.array(x, dtype=np.uint8)).
    """

    data: Arg
    dtype: Arg | None = None
    literal: bool = False
    many: bool = False
    as_dtype: str | None = None  # the dtype the call itself implies (np.uint8(x), torch.ByteTensor(x))


_LIT = Passthrough(Arg(0, "data"), dtype=Arg(None, "dtype"), literal=True)
PASSTHROUGH: dict[str, Passthrough] = {
    "numpy.array": Passthrough(Arg(0, "object"), dtype=Arg(1, "dtype"), literal=True),
    "numpy.asarray": Passthrough(Arg(0, "a"), dtype=Arg(1, "dtype"), literal=True),
    "numpy.asanyarray": Passthrough(Arg(0, "a"), dtype=Arg(1, "dtype"), literal=True),
    "numpy.ascontiguousarray": Passthrough(Arg(0, "a"), dtype=Arg(1, "dtype")),
    "numpy.float32": Passthrough(Arg(0, None), literal=True),
    "numpy.uint8": Passthrough(Arg(0, None), literal=True, as_dtype="uint8"),
    "numpy.copy": Passthrough(Arg(0, "a")),
    "numpy.expand_dims": Passthrough(Arg(0, "a")),
    "numpy.reshape": Passthrough(Arg(0, "a")),
    "numpy.squeeze": Passthrough(Arg(0, "a")),
    "numpy.transpose": Passthrough(Arg(0, "a")),
    "numpy.moveaxis": Passthrough(Arg(0, "a")),
    "numpy.stack": Passthrough(Arg(0, "arrays"), many=True),
    "numpy.concatenate": Passthrough(Arg(0, None), many=True),
    "numpy.vstack": Passthrough(Arg(0, "tup"), many=True),
    "numpy.hstack": Passthrough(Arg(0, "tup"), many=True),
    "torch.tensor": _LIT,
    "torch.as_tensor": _LIT,
    "torch.Tensor": Passthrough(Arg(0, None), literal=True),
    "torch.FloatTensor": Passthrough(Arg(0, None), literal=True, as_dtype="float32"),
    "torch.ByteTensor": Passthrough(Arg(0, None), literal=True, as_dtype="uint8"),
    "torch.from_numpy": Passthrough(Arg(0, None)),
    # the pre-0.4 autograd wrapper (still in old tutorials): the same values
    "torch.autograd.Variable": Passthrough(Arg(0, "data")),
    "torch.autograd.variable.Variable": Passthrough(Arg(0, "data")),
    "torch.stack": Passthrough(Arg(0, "tensors"), many=True),
    "torch.cat": Passthrough(Arg(0, "tensors"), many=True),
    "torch.flatten": Passthrough(Arg(0, "input")),
    "torch.reshape": Passthrough(Arg(0, "input")),
    "torch.unsqueeze": Passthrough(Arg(0, "input")),
    "torch.squeeze": Passthrough(Arg(0, "input")),
    "torch.utils.data.TensorDataset": Passthrough(Arg(0, None)),
    "torch.utils.data.DataLoader": Passthrough(Arg(0, "dataset")),
    "tensorflow.constant": Passthrough(Arg(0, "value"), dtype=Arg(1, "dtype"), literal=True),
    "tensorflow.convert_to_tensor": Passthrough(Arg(0, "value"), dtype=Arg(1, "dtype"), literal=True),
    "tensorflow.cast": Passthrough(Arg(0, "x"), dtype=Arg(1, "dtype")),
    "tensorflow.reshape": Passthrough(Arg(0, "tensor")),
    "tensorflow.expand_dims": Passthrough(Arg(0, "input")),
    "tensorflow.squeeze": Passthrough(Arg(0, "input")),
    "tensorflow.layers.flatten": Passthrough(Arg(0, "inputs")),
    "tensorflow.data.Dataset.from_tensor_slices": Passthrough(Arg(0, "tensors")),
    "tensorflow.data.Dataset.from_tensors": Passthrough(Arg(0, "tensors")),
    "cv2.resize": Passthrough(Arg(0, "src")),
    # resizing interpolates between pixels: the values keep their scale (as float32)
    "tensorflow.image.resize": Passthrough(Arg(0, "images"), as_dtype="float32"),
    "tensorflow.image.resize_with_pad": Passthrough(Arg(0, "image"), as_dtype="float32"),
    "tensorflow.image.resize_with_crop_or_pad": Passthrough(Arg(0, "image")),
    "tensorflow.image.central_crop": Passthrough(Arg(0, "image")),
    "tensorflow.image.random_crop": Passthrough(Arg(0, "value")),
    "tensorflow.image.flip_left_right": Passthrough(Arg(0, "image")),
    "tensorflow.image.random_flip_left_right": Passthrough(Arg(0, "image")),
    "tensorflow.image.rgb_to_grayscale": Passthrough(Arg(0, "images")),
    "cv2.cvtColor": Passthrough(Arg(0, "src")),
    "cv2.flip": Passthrough(Arg(0, "src")),
}

# Methods of an array / tensor / dataset that keep the range. Value: the dtype they give, if any.
PASSTHROUGH_METHODS: dict[str, str | None] = {
    "astype": None, "to": None, "type": None,  # dtype from the argument
    "float": "float32", "double": "float64", "half": "float16", "byte": "uint8",
    "cuda": None, "cpu": None, "numpy": None, "detach": None, "clone": None, "copy": None,
    "contiguous": None, "reshape": None, "view": None, "flatten": None, "squeeze": None,
    "unsqueeze": None, "permute": None, "transpose": None, "requires_grad_": None,
    "batch": None, "shuffle": None, "prefetch": None, "cache": None, "repeat": None, "take": None,
    "unbatch": None,
}
# Statistics of an array, the steps of a min-max scaling written by hand ((y - y.min()) / (y.max() - y.min())):
# method name -> statistic. `range` is max - min (np.ptp); the value itself stays unknown.
STAT_METHODS: dict[str, str] = {
    "min": "min", "amin": "min", "max": "max", "amax": "max", "ptp": "range", "std": "std",
}
# The same as functions of the array (first argument): np.min(y), torch.max(y). torch.max(a, b) with a
# tensor second argument is an elementwise maximum, not a statistic.
STAT_FUNCS: dict[str, str] = {
    "numpy.min": "min", "numpy.amin": "min", "numpy.nanmin": "min", "numpy.max": "max", "numpy.amax": "max",
    "numpy.nanmax": "max", "numpy.ptp": "range", "numpy.std": "std", "numpy.nanstd": "std",
    "torch.min": "min", "torch.amin": "min", "torch.max": "max", "torch.amax": "max", "torch.std": "std",
}
# Methods a fitted scaler applies to data: StandardScaler().fit_transform(x).
SCALER_METHODS = frozenset({"fit_transform", "transform"})
# Functions whose name ends like this normalise images for a pretrained network.
NORMALIZE_SUFFIXES = (".preprocess_input",)

# Tuple-unpacked results: which element paths hold the inputs (the rest are labels).
UNPACKED_INPUTS: dict[str, frozenset[tuple[int, ...]]] = {
    "keras.datasets.mnist.load_data": frozenset({(0, 0), (1, 0)}),
    "keras.datasets.fashion_mnist.load_data": frozenset({(0, 0), (1, 0)}),
    "keras.datasets.cifar10.load_data": frozenset({(0, 0), (1, 0)}),
    "keras.datasets.cifar100.load_data": frozenset({(0, 0), (1, 0)}),
}
# X_train, X_test, y_train, y_test = train_test_split(X, y): output i comes from argument i // 2.
SPLITS = frozenset({"sklearn.model_selection.train_test_split"})
# Functions cutting one array into pieces (mini-batches by hand): each piece holds the same values
CHUNKS = frozenset({"numpy.array_split", "numpy.split", "torch.split", "torch.chunk", "torch.tensor_split"})

# dtype spellings -> canonical dtype names
DTYPES = {
    "uint8": "uint8", "numpy.uint8": "uint8", "torch.uint8": "uint8", "tensorflow.uint8": "uint8",
    "float32": "float32", "numpy.float32": "float32", "torch.float32": "float32", "torch.float": "float32",
    "tensorflow.float32": "float32", "builtins.float": "float32", "float": "float32",
    "float64": "float64", "numpy.float64": "float64", "torch.float64": "float64", "torch.double": "float64",
    "tensorflow.float64": "float64", "float16": "float16", "torch.float16": "float16", "torch.half": "float16",
    "int64": "int64", "torch.long": "int64", "torch.int64": "int64", "numpy.int64": "int64",
    "int32": "int32", "numpy.int32": "int32", "torch.int32": "int32", "tensorflow.int32": "int32",
}
UINT8_RANGE = (0.0, 255.0)

# TF1 losses: the argument holding the targets (tf.losses.mean_squared_error(labels, predictions))
TF1_LABEL_ARGS = (Arg(None, "labels"), Arg(None, "onehot_labels"), Arg(None, "multi_class_labels"),
                  Arg(None, "targets"), Arg(None, "y_true"))
# Names that say "this is a model" for a callee the interpreter cannot read (`net(x)`, net imported from
# a module it could not follow).
# Names that say "this function is a loss": a squared error written out inside one is the program's loss even
# when nothing is seen training on it (a `def loss_fn(pred, y)` next to the model it is meant for).
LOSS_FUNCTION_NAME_PATTERN = r"(?i)(loss|cost|criterion|objective)"
MODEL_NAME_PATTERN = r"(?i)(^|_)(model|net|network|classifier|regressor|encoder|decoder|autoencoder|cnn|mlp|dnn)s?(\d*|_|$)"

# Random generators whose methods draw like numpy.random's functions (rng.uniform, rng.normal, rng.integers)
GENERATORS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"})
data["numpy.random.integers"] = DataSpec("randint", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", None))

# Tables read from files: their columns' range is unknown, so all that can be said is "no scaling seen".
TABLE_SOURCES = frozenset({
    "pandas.read_csv", "pandas.read_table", "pandas.read_excel", "pandas.read_parquet", "pandas.read_json",
    "numpy.loadtxt", "numpy.genfromtxt",
})
# DataFrame / array methods that keep the values (columns selected, rows dropped or reordered)
FRAME_KEEP = frozenset({
    "drop", "dropna", "fillna", "copy", "select_dtypes", "sample", "head", "tail", "reset_index", "sort_values",
    "sort_index", "filter", "interpolate", "convert", "resize", "crop", "rotate", "transpose", "swapaxes",
    "ravel", "flip", "to_numpy", "as_matrix", "tolist", "numpy", "get", "take", "iloc", "loc", "values", "T",
})
# A DataFrame turned into an array here (`frame.drop(...).values`): the array the program feeds
TO_ARRAY = frozenset({"values", "to_numpy", "as_matrix"})
# Sources whose values are continuous (not class labels): a bounded regression target, not a classifier's
CONTINUOUS = frozenset({
    "numpy.random.uniform", "numpy.random.rand", "numpy.random.random", "numpy.random.random_sample", "torch.rand",
    "tensorflow.random.uniform", "numpy.linspace", "torch.linspace", *NORMAL_SOURCES,
})
# Loaders: what one batch of them is. DataLoader(dataset, collate_fn=...) / TensorDataset(x, y)
LOADERS: dict[str, tuple[Arg, Arg | None]] = {
    "torch.utils.data.DataLoader": (Arg(0, "dataset"), Arg(None, "collate_fn")),
    "tensorflow.data.Dataset.from_tensor_slices": (Arg(0, "tensors"), None),
    "tensorflow.data.Dataset.from_tensors": (Arg(0, "tensors"), None),
}
ZIPPED = frozenset({"torch.utils.data.TensorDataset"})  # each item: one row of every argument
LOADER_KEEP = frozenset({"batch", "shuffle", "prefetch", "cache", "repeat", "take", "unbatch", "skip"})
# Subsets of a dataset: random_split(ds, [n1, n2]) gives one per length, Subset(ds, indices) one
SUBSETS = frozenset({"torch.utils.data.random_split", "torch.utils.data.Subset"})
# Lightning trainers: fit(model, dataloaders / datamodule) runs model.training_step on their batches
TRAINERS = frozenset({"lightning.Trainer", "lightning.pytorch.Trainer", "pytorch_lightning.Trainer"})

# Keras ImageDataGenerator: it scales only with one of these arguments (rescale=1/255, a preprocessing
# function, feature- or sample-wise standardisation); flow(x, y) batches arrays, flow_from_* reads image
# files as float32 in [0, 255]
IMAGE_GENERATORS = frozenset({"keras.preprocessing.image.ImageDataGenerator"})
GENERATOR_SCALING = ("rescale", "preprocessing_function", "featurewise_center", "samplewise_center",
                     "featurewise_std_normalization", "samplewise_std_normalization", "zca_whitening")
GENERATOR_FLOWS = frozenset({"flow", "flow_from_directory", "flow_from_dataframe"})

# Keras preprocessing layers that normalise only once adapt()-ed or given their statistics
ADAPTABLE: dict[str, tuple[Arg, ...]] = {
    "keras.layers.Normalization": (Arg(1, "mean"), Arg(2, "variance")),
}

@dataclass(frozen=True)
class Bundled:
    """A tabular dataset shipped with a library: the range of its features and of its targets, as the
    loader returns them (raw physical units: rooms, populations, tax rates), and the range of the features
    when `scaled_arg` is true (load_diabetes(scaled=True) returns them standardised)."""

    x: tuple[float, float]
    y: tuple[float, float]
    regression: bool
    scaled_x: tuple[float, float] | None = None
    scaled_arg: Arg | None = None


# X, y = fetch_california_housing(return_X_y=True); bunch = load_breast_cancer(); bunch.data / .target / .frame;
# (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
BUNDLED: dict[str, Bundled] = {
    "sklearn.datasets.fetch_california_housing": Bundled((-124.35, 35682.0), (0.14999, 5.00001), True),
    "sklearn.datasets.load_diabetes": Bundled((1.0, 301.0), (25.0, 346.0), True, scaled_x=(-0.2, 0.2),
                                              scaled_arg=Arg(None, "scaled", True)),
    "sklearn.datasets.load_boston": Bundled((0.0, 711.0), (5.0, 50.0), True),
    "sklearn.datasets.load_breast_cancer": Bundled((0.0, 4254.0), (0.0, 1.0), False),
    "sklearn.datasets.load_wine": Bundled((0.13, 1680.0), (0.0, 2.0), False),
    "keras.datasets.boston_housing.load_data": Bundled((0.0, 711.0), (5.0, 50.0), True),
}
# fetch_openml(name): the image datasets among OpenML's, pixels as floats in [0, 255] and string labels
OPENML = "sklearn.datasets.fetch_openml"
OPENML_NAME = Arg(0, "name")
OPENML_IMAGES: dict[str, Bundled] = {
    name: Bundled((0.0, 255.0), (0.0, 9.0), False)
    for name in ("mnist_784", "Fashion-MNIST", "Kuzushiji-MNIST", "CIFAR_10", "CIFAR_10_small", "SVHN", "USPS")
}
BUNDLED_X_Y = Arg(None, "return_X_y", False)  # sklearn loaders: an (X, y) tuple instead of a Bunch

# Keras layers that read the features as they are (recurrent layers): data a `fit` gives them unscaled is judged
# at the first affine layer after them. Any other layer the tables do not know (a Lambda, preprocess_input, an
# Embedding lookup, a custom or hub layer) changes the values in a way the interpreter does not follow.
FEATURE_LAYERS = frozenset({
    "keras.layers.LSTM", "keras.layers.GRU", "keras.layers.SimpleRNN", "keras.layers.Bidirectional",
    "keras.layers.ConvLSTM1D", "keras.layers.ConvLSTM2D", "keras.layers.CuDNNLSTM", "keras.layers.CuDNNGRU",
    "keras.layers.RNN",
})

TABLES = Tables(data=data)
