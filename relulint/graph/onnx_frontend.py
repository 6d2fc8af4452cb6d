"""ONNX frontend: an .onnx file -> GNodes on the data path -> the IR (see lowering.py).

Loading is defensive: `onnx.load(..., load_external_data=False)`, then each initializer's external
data is read on demand, one tensor at a time, and only from files inside the model's folder.
Every way a file can be unreadable becomes one `GraphError` with a message naming the problem.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable
from itertools import chain as concat
from operator import attrgetter, itemgetter

import numpy as np

from relulint.graph import onnx_bulk, onnx_runs, onnx_spans
from relulint.graph.lowering import GNode, GraphInput, GRun, build_network, graph_loss
from relulint.ir import ModuleFacts, Origin
from relulint.knowledge.graph_ops import ONNX_SHAPE_PLUMBING, clip_kind, onnx_op

BULK = True  # read op types and edges with onnx_bulk (tests switch it off to compare with the per-node reads)
RUNS = True  # lower runs of repeated layers as blocks (tests switch it off to compare with the per-node path)
MAX_PROTO_BYTES = 2 * 1024 ** 3  # protobuf cannot hold more: bigger models keep weights outside
_FRAME = re.compile(r'File "(?P<f1>[^"]+)", line (?P<l1>\d+)|(?P<f2>[^\s()"]+\.py)[(:](?P<l2>\d+)')


class GraphError(Exception):
    """The file cannot be read as a graph; the message is shown to the user as RL002."""


def load_model(path: str):
    return read_model(path)[0]


def read_model(path: str):
    """(ModelProto, the file's bytes): what `onnx.load(path, load_external_data=False)` parses, with
    the bytes kept for `onnx_bulk.node_bytes`; refusals as GraphError."""
    import onnx

    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise GraphError(f"cannot read graph file: {exc.strerror or exc}") from None
    if size >= MAX_PROTO_BYTES:
        raise GraphError(f"{size / 1024 ** 3:.1f} GB in one file: an ONNX protobuf cannot exceed 2 GB; "
                         "export with external data (save_as_external_data=True) next to the model")
    if size == 0:
        raise GraphError("empty file, not an ONNX model")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise GraphError(f"cannot read graph file: {exc.strerror or exc}") from None
    try:
        model = onnx.load_model_from_string(data)  # (the protobuf parse onnx.load makes of a .onnx file)
    except Exception as exc:  # DecodeError, truncated files, wrong format: all one message
        raise GraphError(f"not a readable ONNX model (truncated or corrupt?): {type(exc).__name__}: "
                         f"{str(exc)[:200]}") from None
    # protobuf parses many byte strings "successfully"; a real model has an IR version and a graph
    if model.ir_version <= 0 or not model.HasField("graph") or len(model.graph.node) == 0:
        raise GraphError("not an ONNX model: no IR version or no graph nodes")
    return model, data


SPANS_MIN_FILE = 1 << 20  # smaller files: raw_data copies cost less than walking the file
_EXTERNAL = 1  # onnx.TensorProto.EXTERNAL (a protobuf enum value, fixed by the ONNX spec)
_LOCATION = attrgetter("data_location")
_REST = itemgetter(slice(1, None))  # a node's inputs after the first


def external_location(tensor, base_dir: str, checked: dict[str, str] | None = None,
                      info: dict[str, str] | None = None) -> str | None:
    """The validated file of an external-data tensor, or None for inline data.

    `checked` caches the verdict per location string: exporters put every tensor in one or a few
    files, and three path syscalls per tensor dominated the pass on 60k-tensor models. `info`: the
    tensor's external_data entries when the caller has read them already."""
    if tensor.data_location != _EXTERNAL:
        return None
    if info is None:
        info = {e.key: e.value for e in tensor.external_data}
    loc = info.get("location", "")
    if checked is not None and loc in checked:
        return checked[loc]
    parts = loc.replace("\\", "/").split("/")
    if not loc or os.path.isabs(loc) or loc.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", loc):
        raise GraphError(f"initializer {tensor.name!r}: external data location {loc!r} is outside the "
                         "model's folder; refusing to read it")
    full = os.path.realpath(os.path.join(base_dir, loc))
    if os.path.commonpath([full, os.path.realpath(base_dir)]) != os.path.realpath(base_dir):
        raise GraphError(f"initializer {tensor.name!r}: external data {loc!r} resolves outside the model's folder")
    if not os.path.isfile(full):
        raise GraphError(f"initializer {tensor.name!r}: external data file {loc!r} is missing")
    if checked is not None:
        checked[loc] = full
    return full


class ExternalData:
    """External tensors read through one read-only memory map per validated data file.

    `load_external_data_for_tensor` opens, seeks and reads the file once per tensor (plus a
    TensorProto copy): ~0.5 ms a tensor on small ones. A map is opened once; each tensor is then
    a slice at its offset, viewed with `np.frombuffer` (no copy until the bounds code widens it)."""

    def __init__(self, base_dir: str) -> None:
        self.base_dir = base_dir
        self.checked: dict[str, str] = {}
        self.maps: dict[str, object] = {}
        # tensor name -> its external_data entries, read once (protobuf entries cost ~3 us a tensor)
        self.infos: dict[str, dict[str, str]] = {}
        # the .onnx file's bytes and initializer name -> (offset, length) of its raw_data there
        # (onnx_spans), when the frontend walked them: inline weights viewed without a copy
        self.file_bytes: bytes = b""
        self.file_spans: dict[str, tuple[int, int]] | None = None

    def inline_view(self, tensor, dtype) -> np.ndarray | None:
        """An inline initializer's values viewed in the file's bytes, or None (then raw_data is read)."""
        span = self.file_spans.get(tensor.name) if self.file_spans is not None else None
        if span is None:
            return None
        offset, length = span
        dims = tuple(tensor.dims)
        count = math.prod(dims)
        if length != count * _ITEMSIZE[dtype]:
            return None
        return np.frombuffer(self.file_bytes, dtype=dtype, count=count, offset=offset).reshape(dims)

    def location(self, tensor) -> str | None:
        if tensor.data_location != _EXTERNAL:
            return None
        name = tensor.name
        info = self.infos.get(name)
        if info is None:
            info = self.infos[name] = {e.key: e.value for e in tensor.external_data}
        return external_location(tensor, self.base_dir, self.checked, info)

    def array(self, tensor) -> np.ndarray | None:
        """The tensor's values, or None when its layout needs onnx's general reader."""
        name = tensor.name
        info = self.infos.get(name)
        if info is None:
            info = self.infos[name] = {e.key: e.value for e in tensor.external_data}
        full = self.checked.get(info.get("location", ""))
        if full is None:  # a location not checked yet: check it now (raises when it is bad)
            full = self.location(tensor)
        dtype = _RAW_DTYPES.get(tensor.data_type)
        if full is None or dtype is None or not _LITTLE:
            return None
        try:
            offset = int(info.get("offset", 0) or 0)
            dims = tuple(tensor.dims)
            count = math.prod(dims)
            length = int(info["length"]) if info.get("length") else count * _ITEMSIZE[dtype]
        except (ValueError, KeyError):
            return None
        if length != count * _ITEMSIZE[dtype] or offset < 0:
            return None
        mm = self.maps.get(full)
        if mm is None:
            mm = self.maps[full] = self._map(full)
        if offset + length > len(mm):
            raise GraphError(f"initializer {tensor.name!r}: external data ends before offset {offset} + {length}")
        return np.frombuffer(mm, dtype=dtype, count=count, offset=offset).reshape(dims)

    def stacked(self, tensors: list, dtype, dims: tuple[int, ...]) -> np.ndarray | None:
        """External tensors of one dtype and dims as one (n, *dims) array: a strided view of the map
        when they lie in one file at regular offsets, else one gather per file. Every file is validated
        (`location`) before it is mapped. None when any entry needs the per-tensor reader (which gives
        the clear error for a bad one)."""
        nbytes = math.prod(dims) * _ITEMSIZE[dtype]
        found = onnx_bulk.external_offsets(tensors, nbytes) if BULK else None  # the usual layout, list-wide
        if found is not None:
            wheres, offs = [found[0]], np.array(found[1], dtype=np.int64)
        else:
            read = self._entries(tensors, nbytes)
            if read is None:
                return None
            wheres, offs = read
        first = wheres[0]
        if wheres.count(first) == len(wheres):  # one data file
            mm = self._validated_map(first, tensors[0])
            if mm is None or offs.min() < 0 or offs.max() + nbytes > len(mm):
                return None
            n = len(offs)
            steps = np.diff(offs)
            if n == 1 or (steps[0] >= nbytes and (steps == steps[0]).all()):
                stride = int(steps[0]) if n > 1 else nbytes
                flat = np.ndarray((n, nbytes), dtype=np.uint8, buffer=mm, offset=int(offs[0]), strides=(stride, 1))
            else:
                flat = np.frombuffer(mm, dtype=np.uint8)[offs[:, None] + np.arange(nbytes)]
            return np.ascontiguousarray(flat).view(dtype).reshape((n, *dims))
        out = np.empty((len(offs), nbytes), dtype=np.uint8)  # several files: one gather from each
        where_arr = np.array(wheres, dtype=object)
        for loc in dict.fromkeys(wheres):
            rows = np.flatnonzero(where_arr == loc)
            mm = self._validated_map(loc, tensors[int(rows[0])])
            part = offs[rows]
            if mm is None or part.min() < 0 or part.max() + nbytes > len(mm):
                return None
            out[rows] = np.frombuffer(mm, dtype=np.uint8)[part[:, None] + np.arange(nbytes)]
        return out.view(dtype).reshape((len(offs), *dims))

    def _entries(self, tensors: list, nbytes: int) -> tuple[list[str], np.ndarray] | None:
        """Each tensor's location and offset, read entry by entry; None when a length is not `nbytes`
        or an offset is not a number."""
        infos = self.infos
        want = str(nbytes)
        wheres: list[str] = []
        offsets: list[str] = []
        lengths_ok = True
        for t in tensors:
            # exporters write location, offset, length in that order: read them by position (three
            # entry objects a tensor, no dict), anything else goes through the entries by key
            ed = t.external_data
            if len(ed) == 3:
                e0, e1, e2 = ed
                if e0.key == "location" and e1.key == "offset" and e2.key == "length":
                    wheres.append(e0.value)
                    offsets.append(e1.value)
                    length = e2.value
                    if length != want:
                        lengths_ok = lengths_ok and length.isdigit() and int(length) == nbytes
                    continue
            info = infos.get(t.name)
            if info is None:
                info = infos[t.name] = {e.key: e.value for e in ed}
            wheres.append(info.get("location", ""))
            offsets.append(info.get("offset", "0"))
            length = info.get("length", want)
            if length != want:
                lengths_ok = lengths_ok and length.isdigit() and int(length) == nbytes
        if not lengths_ok or not tensors:
            return None
        try:
            return wheres, np.array([int(o or 0) for o in offsets], dtype=np.int64)
        except ValueError:
            return None

    def _validated_map(self, loc: str, tensor):
        """The memory map of data file `loc`, validated first (raises GraphError for a location
        outside the model's folder or a missing file, naming `tensor`); None for inline data."""
        full = self.checked.get(loc)
        if full is None:
            full = self.location(tensor)  # validates the tensor's own location (== loc) and records it
        if full is None:
            return None
        mm = self.maps.get(full)
        if mm is None:
            mm = self.maps[full] = self._map(full)
        return mm

    @staticmethod
    def _map(full: str):
        import mmap

        with open(full, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


# TensorProto data types whose raw bytes numpy reads directly (little-endian, as ONNX stores them)
_RAW_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 10: np.float16, 11: np.float64}
_LITTLE = sys.byteorder == "little"
_ITEMSIZE = {t: np.dtype(t).itemsize for t in _RAW_DTYPES.values()}


def tensor_array(tensor, base_dir: str, external: ExternalData | None = None) -> np.ndarray:
    """One initializer as numpy, external data read from its (validated) file only now.

    Inline raw data is viewed with `np.frombuffer` (read-only, no second conversion): this is the
    common case, and numpy_helper.to_array's generality costs ~10 us a tensor on 60k small tensors.
    """
    if tensor.data_location != _EXTERNAL:
        dtype = _RAW_DTYPES.get(tensor.data_type)
        if dtype is not None and _LITTLE and tensor.HasField("raw_data"):
            if external is not None and external.file_spans is not None:
                view = external.inline_view(tensor, dtype)
                if view is not None:
                    return view
            arr = np.frombuffer(tensor.raw_data, dtype=dtype)
            dims = tuple(tensor.dims)
            if arr.size == math.prod(dims):
                return arr.reshape(dims)
        from onnx import numpy_helper

        return numpy_helper.to_array(tensor)
    if external is not None:
        arr = external.array(tensor)
        if arr is not None:
            return arr
    from onnx import numpy_helper

    full = external_location(tensor, base_dir, external.checked if external is not None else None)
    from onnx import TensorProto

    light = TensorProto()
    light.CopyFrom(tensor)  # external tensors carry no data: the copy is a few bytes
    light.raw_data = _external_bytes(tensor, full)
    light.data_location = TensorProto.DEFAULT
    del light.external_data[:]
    return numpy_helper.to_array(light)


def _external_bytes(tensor, full: str) -> bytes:
    """The tensor's bytes from its external file: exactly what its dims and dtype declare, from its
    offset, never the whole file (a 16x8 tensor naming a 1 GiB file reads 512 bytes)."""
    from onnx import helper

    dims = list(tensor.dims)
    if any(d < 0 for d in dims):
        raise GraphError(f"initializer {tensor.name!r}: negative dims {dims}")
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        raise GraphError(f"initializer {tensor.name!r}: unknown data type {tensor.data_type}") from None
    want = itemsize * math.prod(dims)
    info = {e.key: e.value for e in tensor.external_data}
    try:
        offset = int(info.get("offset") or 0)
        length = int(info["length"]) if info.get("length") else want
    except ValueError:
        raise GraphError(f"initializer {tensor.name!r}: external data offset/length are not numbers") from None
    if length != want:
        raise GraphError(f"initializer {tensor.name!r}: external data length {length} does not match its "
                         f"dims {dims} ({want} bytes)")
    from relulint.safe_read import UnsafeFile, read_range

    try:
        data = read_range(full, offset, want)
    except UnsafeFile as exc:
        raise GraphError(f"initializer {tensor.name!r} (dims {dims}): external data: {exc}") from None
    return data


def lower(path: str, settings, bounds: dict | None = None) -> ModuleFacts:
    model, data = read_model(path)
    # the light parse copies what it skips (the inline weights): worth it where nodes make the file
    raw_nodes = onnx_bulk.node_bytes(data) if BULK and len(data) <= 1024 * len(model.graph.node) else None
    base_dir = os.path.dirname(os.path.abspath(path))
    graph = model.graph
    external = ExternalData(base_dir)
    if BULK and len(data) >= SPANS_MIN_FILE and len(graph.node) + len(graph.initializer) <= onnx_spans.MAX_FIELDS:
        # a few large inline tensors: view them in the file's bytes rather than copy each raw_data
        external.file_spans = onnx_spans.initializer_spans(data)
        if external.file_spans:
            external.file_bytes = data
    del data
    # (60k+ on deep models) the last tensor of a name wins. External locations are validated when a
    # tensor is read (ExternalData.array / stacked, tensor_array), not here: one protobuf read per
    # tensor up front cost a tenth of the pass, and a tensor that is never read is never opened
    tensors = graph.initializer[:]
    inits = dict(zip([t.name for t in tensors], tensors, strict=True))
    del tensors
    meta = {p.key: p.value for p in model.metadata_props}
    facts = ModuleFacts(path=path, frameworks={"onnx"})
    from relulint.project import root_for

    g = _Graph(path, base_dir, graph, external, root_for(settings, path), inits, raw_nodes)
    del raw_nodes
    nodes = g.lower_nodes()
    name = graph.name or os.path.basename(path)
    net = build_network(name=name, framework="onnx", origin=Origin(path, 1, node=f"graph {name}"), nodes=nodes,
                        inputs=g.data_inputs(), input_range=getattr(settings, "input_range", None),
                        weights_trained=meta.get("relulint.weights", "").lower() == "trained", bounds=bounds,
                        outputs=[o.name for o in graph.output])
    # block ops are made later from the protobuf nodes and the statistics already taken, never from the
    # weights: let the maps of the external data files go (and their file handles) with the arrays on them
    external.maps.clear()
    external.file_bytes, external.file_spans = b"", None
    loss_kind, where = getattr(settings, "graph_loss", None), "graph-loss setting"
    if meta.get("relulint.loss"):
        loss_kind, where = meta["relulint.loss"], "model metadata relulint.loss"
    net.loss = graph_loss(loss_kind, where, None)
    facts.networks.append(net)
    return facts


def _simple_chain(n_in: list[list[str]], n_out: list[list[str]], op_types: list[str],
                  graph_inputs: set[str]) -> set[str] | None:
    """The data tensors (graph inputs and every output) when the graph is one plain chain, else None:
    node 0 reads a graph input first, each later node reads the one output of the node before it
    first, no data tensor is read anywhere else, and no node is shape plumbing. Then the forward
    sweep in `lower_nodes` would put every node on the path, as a chain; this checks it with
    list-wide operations instead of a Python step a node (a tenth of a second on 120k nodes)."""
    if not n_out or not ONNX_SHAPE_PLUMBING.isdisjoint(op_types):
        return None
    try:
        firsts = list(map(itemgetter(0), n_in))
        outs = list(map(itemgetter(0), n_out))
    except IndexError:  # a node without inputs or outputs
        return None
    if list(map(len, n_out)).count(1) != len(n_out) or "" in outs or firsts[0] not in graph_inputs or \
            firsts[1:] != outs[:-1]:
        return None
    data = set(outs)
    if len(data) != len(outs) or not data.isdisjoint(graph_inputs):
        return None  # an output written twice, or over a graph input
    data |= graph_inputs
    data.discard("")
    # every node reads a data tensor first (checked above): no other input may be one
    if not data.isdisjoint(concat.from_iterable(map(_REST, n_in))):
        return None
    return data


def _sweep(n_in: list[list[str]], n_out: list[list[str]], op_types: list[str],
           data: set[str]) -> tuple[list[int], bool, list[str] | set[str]]:
    """The nodes on the data path (reading a graph input or a path node's output, shape plumbing
    left out), whether they form a chain (each reads data only from the one before it: runs need
    it), and the last one's outputs. `data` grows to every data tensor."""
    on_path: list[int] = []
    chain = True
    prev: list[str] | set[str] = set(data)
    plumbing = ONNX_SHAPE_PLUMBING
    for idx, ins in enumerate(n_in):  # ONNX requires topological order: one forward sweep
        if not ins:
            continue
        hit = ins[0]
        if not (hit and hit in data):  # "" is an omitted optional edge, never a tensor
            hit = ""
            for i in ins:  # plain loops: a generator per node costs more than the test
                if i and i in data:
                    hit = i
                    break
            if not hit:
                continue
        if op_types[idx] in plumbing:
            continue
        on_path.append(idx)
        if chain and (hit not in prev or len(ins) > 1 and not onnx_runs.reads_only(ins, prev, data)):
            chain = False
        prev = n_out[idx]
        data.update(prev)
    data.discard("")
    return on_path, chain, prev


class _Graph:
    def __init__(self, path: str, base_dir: str, graph, external: ExternalData | None = None,
                 root: str | None = None, inits: dict | None = None, raw_nodes: list[bytes] | None = None) -> None:
        from onnx import helper

        self.path = path
        self.root = root  # the project: source frames outside it are never opened
        self.base_dir = base_dir
        self.graph = graph
        self.external = external or ExternalData(base_dir)
        self.helper = helper
        self.inits = inits if inits is not None else {t.name: t for t in graph.initializer}
        self.alias: dict[str, str] = {}  # Identity(constant) outputs: exporters share a tensor this way
        self.consts: dict[str, object] = {}  # Constant node outputs -> their TensorProto
        # protobuf fields cost a lookup on every touch: read the node list, op types and edges once, in
        # bulk where onnx_bulk can (else node by node)
        # with the nodes' bytes from the file, the bulk reader needs no node objects: nodes are then
        # touched one at a time, only those lowered node by node (a list of 120k wrappers costs more)
        self.nodes = graph.node if raw_nodes is not None else graph.node[:]
        bulk = onnx_bulk.read(self.nodes, raw_nodes) if BULK else None
        if bulk is not None:
            self.op_types = bulk.op_types
            self.edges: tuple[list[list[str]], list[list[str]]] | None = (bulk.inputs, bulk.outputs)
            self.attr_bytes: list[list[bytes]] | None = bulk.attributes
        else:
            self.op_types = [n.op_type for n in self.nodes]
            self.edges = self.attr_bytes = None
        special = [i for i, op in enumerate(self.op_types) if op == "Constant" or op == "Identity"]
        for i in special:
            n, op = self.nodes[i], self.op_types[i]
            if op == "Constant":
                for a in n.attribute:
                    if a.name == "value":
                        self.consts[n.output[0]] = a.t
                    elif a.name in ("value_float", "value_int", "value_floats", "value_ints"):
                        self.consts[n.output[0]] = np.array(helper.get_attribute_value(a), dtype=np.float64)
        for i in special:  # (after every Constant: an Identity may name a later one)
            n, op = self.nodes[i], self.op_types[i]
            if op == "Identity" and n.input and self.is_const(n.input[0]):
                self.alias[n.output[0]] = self.resolve(n.input[0])
        self.inputs = [i for i in graph.input if i.name not in self.inits]
        self.has_props = hasattr(graph.node[0], "metadata_props") if len(graph.node) else False  # onnx >= 1.16

    # ---------------------------------------------------------------- tensors

    def resolve(self, name: str) -> str:
        return self.alias.get(name, name)

    def is_const(self, name: str) -> bool:
        name = self.alias.get(name, name)
        return name in self.inits or name in self.consts

    def const_loader(self, name: str) -> Callable[[], np.ndarray]:
        name = self.resolve(name)

        def load() -> np.ndarray:
            if name in self.inits:
                return tensor_array(self.inits[name], self.base_dir, self.external)
            c = self.consts[name]
            if isinstance(c, np.ndarray):
                return c
            # a Constant node's tensor may name external data too: the same validated reader (never
            # numpy_helper.to_array on it, which would open its location relative to the working folder)
            return tensor_array(c, self.base_dir)

        return load

    def const_shape(self, name: str) -> tuple[int, ...] | None:
        name = self.resolve(name)
        if name in self.inits:
            return tuple(self.inits[name].dims)
        c = self.consts.get(name)
        if c is None:
            return None
        return tuple(c.shape) if isinstance(c, np.ndarray) else tuple(c.dims)

    def data_inputs(self) -> list[GraphInput]:
        from onnx import helper

        out = []
        for i in self.inputs:
            dtype = None
            tt = i.type.tensor_type
            if tt.elem_type:
                try:
                    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type)).name
                except Exception:
                    dtype = None
            out.append(GraphInput(i.name, dtype, Origin(self.path, 1, node=f"input {i.name}")))
        return out

    # ---------------------------------------------------------------- nodes

    def lower_nodes(self) -> list[GNode]:
        nodes = self.nodes
        op_types = self.op_types
        if self.edges is not None:
            n_in, n_out = self.edges
        else:  # protobuf repeated fields are slow to touch: read each node's edges once
            n_in = [n.input[:] for n in nodes]  # (a slice is a list, made faster than list())
            n_out = [n.output[:] for n in nodes]
        data = {i.name for i in self.inputs}
        simple = _simple_chain(n_in, n_out, op_types, data)
        if simple is not None:  # what the sweep finds, in a few list-wide steps
            on_path, chain, prev, data = list(range(len(n_in))), True, n_out[-1], simple
        else:
            on_path, chain, prev = _sweep(n_in, n_out, op_types, data)
        # keep only nodes that reach a graph output (drop dead branches)
        outputs = [o.name for o in self.graph.output]
        if chain and on_path and any(o and o in prev for o in outputs):
            keep = on_path  # a chain: each node feeds the next, the last makes an output
        else:
            needed = set(outputs)
            keep = set()
            for idx in reversed(on_path):
                for o in n_out[idx]:
                    if o in needed and o:
                        keep.add(idx)
                        needed.update(n_in[idx])
                        break
        path_idx = [i for i in on_path if i in keep] if len(keep) != len(on_path) else on_path
        self._consumers: dict[str, list[int]] | None = None
        self._path = (path_idx, n_in)
        self.data = data
        runs = {}
        if RUNS and chain and len(path_idx) >= 2 * onnx_runs.MIN_REPS and len(keep) == len(on_path) and \
                all(o in prev for o in outputs if o in data):
            runs = onnx_runs.find_runs(self, path_idx, op_types, n_in)
        absorbed: set[int] = set()
        out: list[GNode | GRun] = []
        lower = self.lower_node
        t, end = 0, len(path_idx)
        while t < end:
            found = runs.get(t)
            if found is not None and path_idx[t] not in absorbed:
                run = onnx_runs.OnnxRun(self, path_idx, n_in, n_out, t, *found)
                inside = set(run.node_indices(0))
                if run.absorbs(0) <= inside:  # MatMul + bias Add inside one repetition
                    absorbed |= run.absorbs(run.count - 1)  # the last one may fold the Add after the run
                    out.append(run)
                    t += found[0] * found[1]
                    continue
            idx = path_idx[t]
            t += 1
            if idx in absorbed:
                continue
            out.append(lower(nodes[idx], op_types[idx], n_in[idx], n_out[idx], data, absorbed))
        return out  # ONNX's order is topological (an absorbed bias Add comes after its MatMul)

    def stacked(self, names: list[str]) -> np.ndarray | None:
        """The initializers `names` (one dtype and dims) as one (n, *dims) array, or None when they
        are not all plain initializers stored alike (then they are read one by one)."""
        alias = self.alias
        tensors = list(map(self.inits.get, map(alias.get, names, names) if alias else names))
        if not tensors or None in tensors:
            return None
        t0 = tensors[0]
        dtype = _RAW_DTYPES.get(t0.data_type)
        if dtype is None or not _LITTLE:
            return None
        dims = tuple(t0.dims)
        external = list(map(_LOCATION, tensors)).count(_EXTERNAL)
        if external == 0:
            return onnx_runs.stacked_inline(tensors, dtype, dims)
        if external != len(tensors):
            return None
        return self.external.stacked(tensors, dtype, dims)

    def consumers(self) -> dict[str, list[int]]:
        """Tensor -> the nodes on the data path that read it (built on first need: MatMul + Add)."""
        if self._consumers is None:
            path_idx, n_in = self._path
            self._consumers = {}
            for idx in path_idx:
                for i in n_in[idx]:
                    self._consumers.setdefault(i, []).append(idx)
        return self._consumers

    def lower_node(self, n, op: str, ins: list[str], outs: list[str], data: set[str], absorbed: set[int]) -> GNode:
        # protobuf field access costs a lookup each time: read every field once (120k nodes)
        attrs = _attributes(n.attribute, self.helper) if len(n.attribute) else {}
        kind, act = onnx_op(op)
        name = n.name or (outs[0] if outs else op)
        if len(ins) == 1 and len(outs) == 1 and outs[0]:  # most nodes: one tensor in, one out
            data_in = ins if ins[0] in data else []
            data_out = outs
        else:
            data_in = [i for i in ins if i in data]
            data_out = [o for o in outs if o]
        g = GNode(op_type=op, name=name, kind=kind, origin=self.origin(n, name, op), inputs=data_in,
                  outputs=data_out, activation=act)
        if kind == "affine":
            self._affine(n, op, ins, g, attrs, absorbed)
        elif op == "Clip":
            lo = attrs.get("min")
            hi = attrs.get("max")
            if len(n.input) > 1 and n.input[1] and self.is_const(n.input[1]):
                lo = float(self.const_loader(n.input[1])())
            if len(n.input) > 2 and n.input[2] and self.is_const(n.input[2]):
                hi = float(self.const_loader(n.input[2])())
            g.activation = clip_kind(lo, hi)
            g.params = {"min": lo, "max": hi}
        elif kind == "activation":
            g.params = {k: v for k, v in attrs.items() if isinstance(v, (int, float))}
        elif op == "BatchNormalization":
            if all(self.is_const(i) for i in n.input[1:5]):
                g.norm_affine = self._bn(n, float(attrs.get("epsilon", 1e-5)))
        elif kind == "norm":
            g.interval = "unknown"
        elif kind == "arith":
            self._arith(n, g, data)
        elif op == "Flatten":
            g.interval = "flatten" if attrs.get("axis", 1) == 1 else "hull"
        elif op == "Reshape":
            shape = self.const_shape(n.input[1]) if len(n.input) > 1 else None
            g.interval = "flatten" if shape == (2,) else "hull"
        elif op in ("Transpose", "Squeeze", "Unsqueeze"):
            g.interval = "hull"
        elif op == "AveragePool":
            g.zero_pad = bool(attrs.get("count_include_pad", 0)) and any(attrs.get("pads", []))
        elif op == "Pad":
            mode = attrs.get("mode", b"constant")
            mode = mode.decode() if isinstance(mode, bytes) else mode
            g.zero_pad = mode == "constant"
            if mode == "constant" and len(n.input) > 2 and n.input[2]:
                g.interval = "unknown"  # a non-zero pad value: do not guess
        elif op == "Cast":
            to = attrs.get("to")
            if to not in (1, 10, 11, 16):  # float, float16, double, bfloat16
                g.interval = "unknown"
        elif op == "Concat":
            g.interval = "concat" if attrs.get("axis") == 1 else "concat_hull"
        elif kind == "other":
            g.interval = "unknown"
        return g

    def _affine(self, n, op: str, ins: list[str], g: GNode, attrs: dict, absorbed: set[int]) -> None:
        w_name = ins[1] if len(ins) > 1 else ""
        b_name = ins[2] if len(ins) > 2 and ins[2] else None
        if not self.is_const(w_name) or (ins and ins[0] not in g.inputs):
            g.kind = "other"  # weights computed at run time (attention, dynamic filters)
            g.interval = "unknown"
            return
        g.weight_name = w_name
        load_w = self.const_loader(w_name)
        if op == "Gemm":
            if attrs.get("transA", 0):
                g.params["no_bounds"] = True
            alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
            trans_b = bool(attrs.get("transB", 0))
            g.weight = load_w if trans_b and alpha == 1.0 else lambda: _scaled(load_w() if trans_b else load_w().T, alpha)
            g.weight_form = ("as_is" if trans_b else "T") if alpha == 1.0 else ""
            if b_name is not None and self.is_const(b_name):
                load_b = self.const_loader(b_name)
                g.bias = lambda: _bias_vector(load_b(), beta)
        elif op == "MatMul":
            shape = self.const_shape(w_name)
            if shape is None or len(shape) != 2:
                g.kind, g.interval = "other", "unknown"
                return
            g.weight = lambda: load_w().T
            g.weight_form = "T"
            self._fold_bias(n, g, shape[1], absorbed)
        elif op == "Conv":
            g.conv = True
            g.group = int(attrs.get("group", 1))
            pads = attrs.get("pads", [])
            auto = attrs.get("auto_pad", b"NOTSET")
            auto = auto.decode() if isinstance(auto, bytes) else auto
            g.zero_pad = any(pads) or auto in ("SAME_UPPER", "SAME_LOWER")
            g.weight = load_w
            g.weight_form = "as_is"
            if b_name is not None and self.is_const(b_name):
                g.bias = self.const_loader(b_name)
        else:  # ConvTranspose: weight statistics only, no bounds
            g.conv = True
            g.params["no_bounds"] = True
            g.weight = lambda: np.swapaxes(load_w(), 0, 1)

    def _fold_bias(self, n, g: GNode, width: int, absorbed: set[int]) -> None:
        """MatMul followed by Add(constant bias) is one affine layer (how exporters write Linear)."""
        users = self.consumers().get(n.output[0], [])
        if len(users) != 1:
            return
        add = self.nodes[users[0]]
        if add.op_type != "Add":
            return
        other = [i for i in add.input if i != n.output[0]]
        if len(other) != 1 or not self.is_const(other[0]):
            return
        shape = self.const_shape(other[0])
        if shape is None or int(np.prod(shape)) != width:
            return
        load_b = self.const_loader(other[0])
        g.bias = lambda: load_b().reshape(-1)
        g.outputs = [o for o in add.output if o]
        absorbed.add(users[0])

    def _bn(self, n, eps: float):
        loaders = [self.const_loader(i) for i in n.input[1:5]]

        def affine() -> tuple[np.ndarray, np.ndarray]:
            scale, bias, mean, var = (ld().astype(np.float64).reshape(-1) for ld in loaders)
            a = scale / np.sqrt(var + eps)
            return a, bias - a * mean

        return affine

    def _arith(self, n, g: GNode, data: set[str]) -> None:
        g.arith = n.op_type.lower()
        if len(n.input) != 2:
            g.arith = None
            return
        x, c = n.input
        if x in data and self.is_const(c):
            shape = self.const_shape(c) or ()
            size = int(np.prod(shape)) if shape else 1
            squeezed = [d for d in shape if d != 1]
            g.const = self.const_loader(c)
            if size == 1:
                g.const_per = "scalar"
            elif len(squeezed) == 1 and len(shape) >= 3 and shape[-1] == 1:
                g.const_per = "channels"  # (C, 1, 1) or (1, C, 1, 1): per-channel normalisation
            elif len(squeezed) == 1 and shape[-1] == size:
                g.const_per = "flat"
            else:
                g.const_per = "unknown"
        elif c in data and self.is_const(x) and n.op_type in ("Add", "Mul"):
            g.inputs = [c]  # commutative: c + x, c * x
            g.const = self.const_loader(x)
            shape = self.const_shape(x) or ()
            g.const_per = "scalar" if int(np.prod(shape or (1,))) == 1 else "unknown"
        elif not (x in data and c in data):
            g.arith = None  # c - x, c / x: not tracked

    # ---------------------------------------------------------------- locations

    def origin(self, n, name: str, op: str) -> Origin:
        """The exporter's recorded source line when it names a file that exists, else the graph file."""
        label = f"{name} ({op})"
        doc = n.doc_string
        props = n.metadata_props if self.has_props else ()
        if doc or len(props):  # most exported nodes carry neither: skip the search
            for text in [doc, *(p.value for p in props)]:
                loc = source_frame(text, self.base_dir, self.root)
                if loc is not None:
                    return Origin(loc[0], loc[1], 0, loc[1], 0, node=label)
        return Origin(self.path, 1, 0, 1, 0, node=label)


def source_frame(text: str, base_dir: str, root: str | None = None) -> tuple[str, int] | None:
    """The first user frame (not torch's own code) in a stack-trace-like text whose file exists as a
    regular file inside the project `root` (default: the project of `base_dir`). A frame naming a
    file elsewhere (`/etc/shadow`, `../../x.py` out of the project) is skipped: the finding stays at
    the node, and the file is never opened."""
    if not text:
        return None
    from relulint.project import project_root
    from relulint.safe_read import UnsafeFile, check_path

    root = root or project_root([base_dir])
    for m in _FRAME.finditer(text):
        f = m.group("f1") or m.group("f2")
        line = int(m.group("l1") or m.group("l2"))
        norm = f.replace("\\", "/")
        if "/site-packages/" in norm or "/dist-packages/" in norm or norm.startswith("<"):
            continue
        cand = f if os.path.isabs(f) else os.path.join(base_dir, f)
        if line < 1:
            continue
        try:
            check_path(cand, root)
        except UnsafeFile:
            continue
        return cand, line
    return None


# AttributeProto types read without onnx.helper's general dispatch: FLOAT, INT, STRING, FLOATS, INTS
_ATTR_READ = {1: lambda a: a.f, 2: lambda a: a.i, 3: lambda a: a.s, 6: lambda a: list(a.floats),
              7: lambda a: list(a.ints)}


def _attributes(attrs, helper) -> dict:
    out = {}
    for a in attrs:
        read = _ATTR_READ.get(a.type)
        out[a.name] = read(a) if read is not None else helper.get_attribute_value(a)
    return out


def _scaled(w: np.ndarray, alpha: float) -> np.ndarray:
    return w if alpha == 1.0 else w * alpha


def _bias_vector(b: np.ndarray, beta: float) -> np.ndarray:
    b = b.reshape(-1)
    return b if beta == 1.0 else b * beta

