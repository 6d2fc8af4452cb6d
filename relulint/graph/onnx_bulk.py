"""Every ONNX node's op type, inputs, outputs and attribute bytes, read in bulk.

Reading `n.op_type`, `n.input[:]`, `n.output[:]` node by node costs a Python object per field and
node (upb makes one on each touch): about 0.2 s on a 120k-node graph, several times protobuf's parse
of the whole file. Here protobuf does the work in C: each node is serialized (one call, no field
objects), the bytes are joined with a separator node after each (input, output and op type "\\x00",
attribute b"\\x00") and parsed once as a single "light" message that declares only the fields needed,
`Nodes { repeated string input = 1; repeated string output = 2; repeated string op_type = 4;
repeated bytes attribute = 5 }`. Protobuf concatenates repeated fields when a message's fields
appear several times, so each comes back as one flat list in node order, the separators marking
where a node ends (the other fields are skipped as unknown).

Nothing here trusts the split blindly: separator counts other than one per node (a real tensor
named "\\x00"), or a node without exactly one op type, makes `read` return None, and the frontend
reads the fields node by node as before (tests/test_graph_runs.py lints with and without this
reader). Attribute bytes are compared as bytes: equal bytes are equal attributes;
equal attributes written differently compare unequal, which only ends a block early.
"""

from __future__ import annotations

from dataclasses import dataclass

_MARK = "\x00"
# after each node: input "\x00", output "\x00", op_type "\x00", attribute b"\x00" (field numbers 1, 2, 4, 5
# of NodeProto). A real attribute is never the single byte 0 (tag 0 is invalid: the real parse would fail)
_SEP = b"\n\x01\x00\x12\x01\x00\x22\x01\x00\x2a\x01\x00"
_ATTR_MARK = b"\x00"
_CLASSES: dict[str, type] = {}  # the light message classes, made on first use


@dataclass
class NodeFields:
    op_types: list[str]
    inputs: list[list[str]]
    outputs: list[list[str]]
    attributes: list[list[bytes]]  # each node's AttributeProtos, serialized


def _light(name: str) -> type:
    """`Nodes` (NodeProto's input, output, op_type, attribute as bytes) or `Tensors` (TensorProto's
    external_data entries as bytes), every field repeated."""
    if not _CLASSES:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        fd = descriptor_pb2.FieldDescriptorProto
        fdp = descriptor_pb2.FileDescriptorProto(name="relulint_onnx_light.proto", package="relulint_onnx_light",
                                                 syntax="proto2")
        layout = {"Nodes": (("input", 1, fd.TYPE_STRING), ("output", 2, fd.TYPE_STRING),
                            ("op_type", 4, fd.TYPE_STRING), ("attribute", 5, fd.TYPE_BYTES)),
                  "Tensors": (("external_data", 13, fd.TYPE_BYTES),),
                  "Graph": (("node", 1, fd.TYPE_BYTES),),  # GraphProto's nodes as their bytes in the file
                  "Model": (("graph", 7, ".relulint_onnx_light.Graph"),)}
        for message, fields in layout.items():
            m = fdp.message_type.add(name=message)
            for field, number, typ in fields:
                if isinstance(typ, str):  # the model's one graph: a message, not repeated
                    m.field.add(name=field, number=number, type=fd.TYPE_MESSAGE, type_name=typ,
                                label=fd.LABEL_OPTIONAL)
                else:
                    m.field.add(name=field, number=number, type=typ, label=fd.LABEL_REPEATED)
        pool = descriptor_pool.DescriptorPool()  # a private pool: nothing registered globally
        pool.Add(fdp)
        for message in layout:
            _CLASSES[message] = message_factory.GetMessageClass(
                pool.FindMessageTypeByName(f"relulint_onnx_light.{message}"))
    return _CLASSES[name]


# Above this, reading the nodes' bytes from the file costs too much memory: the light parse keeps
# the initializers it skips (inline weights) as unknown fields for a moment
NODE_BYTES_MAX_FILE = 256 << 20


def node_bytes(data: bytes) -> list[bytes] | None:
    """Each node of the model serialized in `data` (the .onnx file's bytes), as the bytes it has
    there, in order: one light parse instead of a SerializeToString a node (a third of the cost).
    None for a file over NODE_BYTES_MAX_FILE or one the light parse refuses."""
    if len(data) > NODE_BYTES_MAX_FILE:
        return None
    try:
        return _light("Model").FromString(data).graph.node[:]
    except Exception:  # the real parse read it; anything odd here: serialize node by node
        return None


def read(nodes, raw: list[bytes] | None = None) -> NodeFields | None:
    """The fields of `nodes` (NodeProtos), or None (see the module). `raw`: the nodes' bytes when the
    caller has them (`node_bytes`); parsed they give the same fields as the nodes themselves."""
    n = len(nodes)
    if n == 0:
        return None
    try:
        if raw is None or len(raw) != n:
            raw = [node.SerializeToString() for node in nodes]  # (C: ~0.3 us a node, no field objects)
        merged = _light("Nodes").FromString(_SEP.join(raw) + _SEP)
        del raw
        ops = merged.op_type[:]
        if len(ops) != 2 * n or ops[1::2].count(_MARK) != n:  # exactly one op type a node, then its separator
            return None
        inputs = _split(merged.input[:], _MARK, n)
        outputs = _split(merged.output[:], _MARK, n)
        attributes = _split(merged.attribute[:], _ATTR_MARK, n)
    except Exception:  # anything protobuf refuses here, the per-node reader meets (and reports) too
        return None
    if inputs is None or outputs is None or attributes is None:
        return None
    return NodeFields(ops[::2], inputs, outputs, attributes)


def _split(values: list, mark, n: int) -> list[list] | None:
    """`values` cut at each `mark` (one after every node) into n lists; None unless there are exactly
    n marks and the last value is one."""
    if values.count(mark) != n or not values or values[-1] != mark:
        return None
    if len(values) == 2 * n and values[1::2].count(mark) == n:  # one value a node (most outputs)
        return [[v] for v in values[::2]]
    find = values.index
    out = []
    append = out.append
    start = 0
    for _ in range(n):  # (list.index runs in C: one short scan a node)
        cut = find(mark, start)
        append(values[start:cut])
        start = cut + 1
    return out


# a StringStringEntryProto serialized: key (field 1), then value (field 2), each one length byte here
_OFFSET_KEY = b"\n\x06offset\x12"
_ENTRY_MARK = b"\x00"  # (a real entry never serializes to tag 0)
_TENSOR_SEP = b"\x6a\x01\x00"  # external_data (field 13) = b"\x00" after each tensor


def external_offsets(tensors: list, length: int) -> tuple[str, list[int]] | None:
    """(location, offsets) of external tensors that each name exactly the entries `location` (one
    file for all), `offset`, `length` (= `length`), in that order, as exporters write them; None for
    anything else (the caller reads the entries one by one).

    The entries are compared as protobuf serializes them (from the parsed tensors, so canonical):
    the location and length entries must be byte for byte the first tensor's, each offset entry
    "offset" with a value of decimal digits, its length byte matching. Checked list-wide."""
    n = len(tensors)
    if n == 0:
        return None
    try:
        raw = [t.SerializeToString() for t in tensors]
        entries = _light("Tensors").FromString(_TENSOR_SEP.join(raw) + _TENSOR_SEP).external_data[:]
        del raw
        if len(entries) != 4 * n or entries[3::4].count(_ENTRY_MARK) != n:
            return None
        loc_entry, len_entry = entries[0], entries[2]
        if entries[0::4].count(loc_entry) != n or entries[2::4].count(len_entry) != n:
            return None
        loc, want = _entry(loc_entry, b"location"), _entry(len_entry, b"length")
        if loc is None or want is None or not want.isdigit() or int(want) != length:
            return None
        offs = entries[1::4]
        k = len(_OFFSET_KEY)
        if list(map(bytes.startswith, offs, [_OFFSET_KEY] * n)).count(True) != n:
            return None
        values = [e[k + 1:] for e in offs]
        # the value's length byte (one byte: under 128 digits) says where the value ends
        if list(map(len, values)) != [e[k] for e in offs] or not all(map(bytes.isdigit, values)):
            return None
        return loc.decode(), list(map(int, values))
    except Exception:  # anything unexpected: the per-tensor reader decides
        return None


def _entry(raw: bytes, key: bytes) -> bytes | None:
    """The value of a serialized StringStringEntryProto with this key (one-byte lengths), or None."""
    head = b"\n" + bytes([len(key)]) + key + b"\x12"
    if not raw.startswith(head) or len(raw) < len(head) + 1 or raw[len(head)] != len(raw) - len(head) - 1:
        return None
    return raw[len(head) + 1:]
