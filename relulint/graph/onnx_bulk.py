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
_NODES: list[type] = []  # the light message class, made on first use


@dataclass
class NodeFields:
    op_types: list[str]
    inputs: list[list[str]]
    outputs: list[list[str]]
    attributes: list[list[bytes]]  # each node's AttributeProtos, serialized


def _nodes_class() -> type:
    if not _NODES:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        fd = descriptor_pb2.FieldDescriptorProto
        fdp = descriptor_pb2.FileDescriptorProto(name="relulint_onnx_light.proto", package="relulint_onnx_light",
                                                 syntax="proto2")
        m = fdp.message_type.add(name="Nodes")
        for name, number, typ in (("input", 1, fd.TYPE_STRING), ("output", 2, fd.TYPE_STRING),
                                  ("op_type", 4, fd.TYPE_STRING), ("attribute", 5, fd.TYPE_BYTES)):
            m.field.add(name=name, number=number, type=typ, label=fd.LABEL_REPEATED)
        pool = descriptor_pool.DescriptorPool()  # a private pool: nothing registered globally
        pool.Add(fdp)
        _NODES.append(message_factory.GetMessageClass(pool.FindMessageTypeByName("relulint_onnx_light.Nodes")))
    return _NODES[0]


def read(nodes: list) -> NodeFields | None:
    """The fields of `nodes` (NodeProtos), or None (see the module)."""
    n = len(nodes)
    if n == 0:
        return None
    try:
        raw = [node.SerializeToString() for node in nodes]  # (C: ~0.3 us a node, no field objects)
        merged = _nodes_class().FromString(_SEP.join(raw) + _SEP)
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
