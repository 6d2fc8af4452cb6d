"""Where each inline initializer's raw bytes lie in the .onnx file, for views without a copy.

`TensorProto.raw_data` hands Python a fresh copy of the bytes on every read: on a model with a few
large layers (a VGG's 166 MB) that copy is a fifth of the pass. The file's bytes are in memory
anyway (the parse read them), so each large initializer is viewed there with `np.frombuffer`
instead: this module walks the protobuf wire format of ModelProto -> graph (7) -> initializer (5)
-> name (8) / raw_data (9) and returns name -> (offset, length) of the raw bytes.

Only what the real parse would read: a later field of the same number wins (a name or raw_data
written twice, a tensor name used twice), as in protobuf. Anything unexpected (a group, a length
past the end, a truncated varint, more fields than the walk's budget) returns None and the caller
reads `raw_data` as before. The walk is Python, one step a field of the graph: it is used on graphs
of a few thousand fields, where the tensors are large.
"""

from __future__ import annotations

MAX_FIELDS = 20_000  # graph fields walked at most (nodes + initializers + inputs/outputs/value_info)


def _varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes, pos: int, end: int):
    """(field number, wire type, value start, value end) of each field in data[pos:end]."""
    while pos < end:
        key, pos = _varint(data, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            start = pos
            _, pos = _varint(data, pos, end)
        elif wire == 2:
            size, start = _varint(data, pos, end)
            pos = start + size
        elif wire == 1:
            start, pos = pos, pos + 8
        elif wire == 5:
            start, pos = pos, pos + 4
        else:  # groups (3, 4) and invalid wire types: not in ONNX, not walked
            raise ValueError("unsupported wire type")
        if pos > end:
            raise ValueError("field runs past its message")
        yield number, wire, start, pos


def initializer_spans(data: bytes) -> dict[str, tuple[int, int]] | None:
    """Initializer name -> (offset, length) of its raw_data in `data`, for those that have one; None
    when the walk cannot be trusted or the graph has more than MAX_FIELDS fields."""
    try:
        graphs = [(start, stop) for number, wire, start, stop in _fields(data, 0, len(data))
                  if number == 7 and wire == 2]
        if len(graphs) != 1:  # none, or written twice (protobuf would merge them): not walked
            return None
        spans: dict[str, tuple[int, int]] = {}
        walked = 0
        for number, wire, start, stop in _fields(data, *graphs[0]):
            walked += 1
            if walked > MAX_FIELDS:
                return None
            if number != 5:
                continue
            if wire != 2:
                return None
            name = raw = None
            for tnum, twire, ts, te in _fields(data, start, stop):
                if tnum == 8 and twire == 2:
                    name = data[ts:te].decode("utf-8")
                elif tnum == 9 and twire == 2:
                    raw = (ts, te - ts)
            if name is None:
                return None
            if raw is None:
                spans.pop(name, None)  # (a later tensor of this name without raw bytes wins)
            else:
                spans[name] = raw
        return spans
    except (ValueError, UnicodeDecodeError):
        return None
