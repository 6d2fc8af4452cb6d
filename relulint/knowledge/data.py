"""Data sources with a known range or dtype, and the steps that scale or normalise data."""

from relulint.knowledge import Arg, DataSpec, Tables

_U8 = DataSpec("source", low=0.0, high=255.0, dtype="uint8")
data = {
    # image datasets that arrive as uint8 in [0, 255]
    "keras.datasets.mnist.load_data": _U8,
    "keras.datasets.fashion_mnist.load_data": _U8,
    "keras.datasets.cifar10.load_data": _U8,
    "keras.datasets.cifar100.load_data": _U8,
    "keras.utils.image_dataset_from_directory": DataSpec("source", low=0.0, high=255.0, dtype="float32"),
    "keras.preprocessing.image_dataset_from_directory": DataSpec("source", low=0.0, high=255.0, dtype="float32"),
    "cv2.imread": _U8,
    "PIL.Image.open": _U8,
    "imageio.imread": _U8,
    "imageio.v3.imread": _U8,
    "torchvision.io.read_image": _U8,
    "tensorflow.image.decode_jpeg": _U8,
    "tensorflow.image.decode_png": _U8,
    "tensorflow.io.decode_jpeg": _U8,
    # random data with a range given by the arguments
    "numpy.random.uniform": DataSpec("source", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", 1.0)),
    "numpy.random.rand": DataSpec("source", low=0.0, high=1.0),
    "numpy.random.random": DataSpec("source", low=0.0, high=1.0),
    "numpy.random.randint": DataSpec("source", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", None)),
    "torch.rand": DataSpec("source", low=0.0, high=1.0),
    "torch.randint": DataSpec("source", low_arg=Arg(0, "low", 0.0), high_arg=Arg(1, "high", None)),
    "tensorflow.random.uniform": DataSpec("source", low_arg=Arg(1, "minval", 0.0), high_arg=Arg(2, "maxval", 1.0)),
    # steps that bring data to a sane scale
    "torchvision.transforms.ToTensor": DataSpec("scale"),
    "torchvision.transforms.Normalize": DataSpec("normalize"),
    "torchvision.transforms.v2.Normalize": DataSpec("normalize"),
    "torchvision.transforms.v2.ToDtype": DataSpec("scale"),
    "torchvision.transforms.functional.to_tensor": DataSpec("scale"),
    "torchvision.transforms.functional.normalize": DataSpec("normalize"),
    "tensorflow.image.convert_image_dtype": DataSpec("scale"),
    "tensorflow.image.per_image_standardization": DataSpec("normalize"),
    "keras.layers.Rescaling": DataSpec("scale"),
    "keras.layers.Normalization": DataSpec("normalize"),
    "sklearn.preprocessing.StandardScaler": DataSpec("normalize"),
    "sklearn.preprocessing.MinMaxScaler": DataSpec("normalize"),
    "sklearn.preprocessing.normalize": DataSpec("normalize"),
    "keras.utils.normalize": DataSpec("normalize"),
    "torch.nn.functional.normalize": DataSpec("normalize"),
}

TABLES = Tables(data=data)
