"""Torch zip archives (TorchScript `.pt`, `torch.export` `.pt2`) read as data, never run.

`torch.jit.load` runs the `__setstate__` methods an archive stores as TorchScript source, and a
plain unpickler runs whatever callables a pickle names; a model file from a pull request must not
be able to do either. This module reads the zip members itself:

- every member read is bounded: by its declared size, and all together by a budget tied to the
  archive's size on disk, so a small zip that inflates to gigabytes is refused, not read;
- pickles go through `SafeUnpickler`: `find_class` knows a short allowlist (tensor rebuild
  functions, storage types, OrderedDict, the `torch.jit._pickle` list builders), maps every
  TorchScript class (`__torch__.*`) to an inert `Record` that only stores its state, and refuses
  anything else (the file gets RL002);
- tensors are `TensorRef`s read on demand with `np.frombuffer`, after checking that the storage
  member holds the bytes the pickle claims and the view stays inside it.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

MAX_MEMBERS = 1_000_000  # a traced 100k-module model has ~400k (code, debug info, one per tensor)
MAX_TEXT_BYTES = 256 << 20  # one pickle or code member, uncompressed
SLACK_BYTES = 64 << 20  # budget on top of twice the archive's size (compressed code inflates)


class ArchiveError(Exception):
    """The archive cannot be read as data; the message is shown to the user as RL002."""


# storage type name -> numpy dtype (bfloat16 is read as its upper float32 half)
_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}
# torch ScalarType number -> dtype name, for `.pt2` tensor metadata and `aten::to(x, 6)` in code
SCALAR_TYPES = {0: "uint8", 1: "int8", 2: "int16", 3: "int32", 4: "int64", 5: "float16", 6: "float32",
                7: "float64", 11: "bool", 15: "bfloat16"}


@dataclass(frozen=True)
class StorageType:
    dtype: str


@dataclass
class Record:
    """An instance of a TorchScript class, as stored: its class name and its pickled state, inert."""

    qualname: str
    state: object = None

    def __setstate__(self, state) -> None:  # BUILD: store, never interpret
        self.state = state

    def attrs(self) -> dict:
        return self.state if isinstance(self.state, dict) else {}


@dataclass
class StorageRef:
    archive: Archive
    member: str  # the zip member holding the bytes: `<root>/data/3` for data.pkl's storage "3"
    dtype: str
    numel: int

    def __setstate__(self, state) -> None:  # BUILD on a storage: not something torch writes
        raise ArchiveError("a pickle that rewrites a storage record")


@dataclass
class TensorRef:
    storage: StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def dtype(self) -> str:
        return self.storage.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __setstate__(self, state) -> None:
        raise ArchiveError("a pickle that rewrites a tensor record")

    def array(self) -> np.ndarray:
        """The values (float16/bfloat16 widened to float32), read from the zip now and not kept, so
        the pass holds one layer's weights at a time."""
        return self.storage.archive.tensor(self)


def _record_class(qualname: str) -> type:
    def new(cls, *args):  # NEWOBJ with the class's constructor args: ignored
        return Record(qualname)

    return type("Record", (), {"__new__": new})


def _rebuild_tensor(storage, storage_offset, size, stride, *rest) -> TensorRef:
    if not isinstance(storage, StorageRef):
        raise ArchiveError("a tensor whose storage is not a storage record")
    try:
        shape = tuple(int(s) for s in size)
        strides = tuple(int(s) for s in stride)
        offset = int(storage_offset)
    except (TypeError, ValueError):
        raise ArchiveError("a tensor with a malformed shape or stride") from None
    if len(shape) != len(strides) or offset < 0 or any(s < 0 for s in shape + strides):
        raise ArchiveError(f"a tensor with an invalid shape {shape} / stride {strides}")
    return TensorRef(storage, offset, shape, strides)


def _rebuild_parameter(data, requires_grad=None, backward_hooks=None, *rest):
    return data


def _identity_list(items=None, *rest):
    return list(items) if isinstance(items, list) else items


def _restore_type_tag(value, type_str=None):
    return value


_ALLOWED: dict[tuple[str, str], object] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): OrderedDict,
    ("torch.jit._pickle", "build_intlist"): _identity_list,
    ("torch.jit._pickle", "build_doublelist"): _identity_list,
    ("torch.jit._pickle", "build_boollist"): _identity_list,
    ("torch.jit._pickle", "build_tensorlist"): _identity_list,
    ("torch.jit._pickle", "build_tensor_from_id"): None,  # refused below: needs a live tensor table
    ("torch.jit._pickle", "restore_type_tag"): _restore_type_tag,
}
for _name, _dt in _STORAGE_DTYPES.items():
    _ALLOWED[("torch", _name)] = StorageType(_dt)


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that can only build data: allowlisted rebuild functions, inert records, lists,
    dicts, tuples and scalars. Any other global refuses the file."""

    def __init__(self, data: bytes, archive: Archive | None, member: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.member = member
        # each pickle's storages live beside it: data.pkl -> data/<key>, constants.pkl -> constants/<key>
        self.storage_dir = member[:-4] if member.endswith(".pkl") else member

    def find_class(self, module: str, name: str):
        if module == "__torch__" or module.startswith("__torch__."):
            return _record_class(f"{module}.{name}")
        target = _ALLOWED.get((module, name))
        if target is None:
            raise ArchiveError(f"{self.member}: refuses pickle global {module}.{name} (relulint reads "
                               "archives as data and runs nothing from them)")
        return target

    def persistent_load(self, pid):
        if self.archive is None:
            raise ArchiveError(f"{self.member}: unexpected persistent id")
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], StorageType) and isinstance(pid[2], str) and isinstance(pid[4], int)
                and pid[4] >= 0):
            raise ArchiveError(f"{self.member}: malformed storage reference {str(pid)[:80]}")
        if "/" in pid[2] or pid[2] in ("", ".", ".."):
            raise ArchiveError(f"{self.member}: malformed storage key {pid[2][:40]!r}")
        return StorageRef(self.archive, f"{self.storage_dir}/{pid[2]}", pid[1].dtype, pid[4])


def safe_loads(data: bytes, member: str, archive: Archive | None = None):
    try:
        return SafeUnpickler(data, archive, member).load()
    except ArchiveError:
        raise
    except RecursionError:
        raise ArchiveError(f"{member}: pickle nested too deeply") from None
    except Exception as exc:  # UnpicklingError, EOFError, TypeError from a bad REDUCE, ...
        raise ArchiveError(f"{member}: corrupt pickle ({type(exc).__name__}: {str(exc)[:120]})") from None


def read_archive(path: str, kind: str, error: type[Exception], body, settings):
    """`body(path, archive, settings)` on the opened archive; every way the file can be malformed
    becomes `error` (shown as RL002), never a traceback."""
    try:
        with Archive(path, kind) as archive:
            return body(path, archive, settings)
    except ArchiveError as exc:
        raise error(str(exc)) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        raise error(f"malformed {kind} archive ({type(exc).__name__}: {str(exc)[:120]})") from None


class Archive:
    """A torch zip archive opened for bounded reads. Use as a context manager."""

    def __init__(self, path: str, kind: str = "TorchScript") -> None:
        self.path = path
        self.kind = kind
        try:
            self.zf = zipfile.ZipFile(path)
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ArchiveError(f"corrupt {kind} archive: {exc}") from None
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{kind} archive with {len(infos)} members: refused")
        self.infos = {i.filename: i for i in infos}
        self.size = os.path.getsize(path)  # on disk: the sizes a zip declares are the attacker's
        self.budget = 2 * max(self.size, 0) + SLACK_BYTES
        self.read_total = 0
        self._byteorder: str | None = None
        roots = {n.split("/", 1)[0] for n in self.infos if "/" in n}
        self.root = min(roots, key=lambda r: (f"{r}/data.pkl" not in self.infos, r)) if roots else ""

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.zf.close()

    def names(self) -> list[str]:
        return list(self.infos)

    def member(self, rel: str) -> str:
        return f"{self.root}/{rel}" if self.root else rel

    def has(self, rel: str) -> bool:
        return self.member(rel) in self.infos

    def read(self, name: str, limit: int = MAX_TEXT_BYTES, exact: int | None = None) -> bytes:
        """Member `name` (full path), at most `limit` bytes by its declared size; `exact`: that
        many bytes from its start, which the declared size must cover."""
        info = self.infos.get(name)
        if info is None:
            raise ArchiveError(f"{self.kind} archive lacks {name}")
        want = info.file_size if exact is None else exact
        if exact is not None and info.file_size < exact:
            raise ArchiveError(f"{name} holds {info.file_size} bytes but {exact} are declared (truncated?)")
        if exact is None and want > limit:
            raise ArchiveError(f"{name} is {want} bytes, over the {limit >> 20} MiB limit")
        if self.read_total + want > self.budget:
            raise ArchiveError(f"{name}: the archive expands far beyond its {self.size} bytes on disk "
                               "(a zip bomb?); refused")
        self.read_total += want
        try:
            with self.zf.open(info) as fh:
                data = fh.read(want)
                if exact is None and fh.read(1):
                    raise ArchiveError(f"{name} is longer than its declared size")
        except ArchiveError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ArchiveError(f"{name}: corrupt member ({exc})") from None
        except Exception as exc:  # zlib.error and friends from a damaged stream
            raise ArchiveError(f"{name}: corrupt member ({type(exc).__name__}: {exc})") from None
        if len(data) != want:
            raise ArchiveError(f"{name}: truncated ({len(data)} of {want} bytes)")
        return data

    def text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError:
            raise ArchiveError(f"{name}: not UTF-8 text") from None

    def pickle(self, rel: str):
        name = self.member(rel)
        return safe_loads(self.read(name), name, self)

    def byteorder(self) -> str:
        if self._byteorder is None:
            big = self.has("byteorder") and self.read(self.member("byteorder"), limit=64).strip() == b"big"
            self._byteorder = ">" if big else "<"
        return self._byteorder

    def tensor(self, t: TensorRef) -> np.ndarray:
        st = t.storage
        raw_dtype = "uint16" if st.dtype == "bfloat16" else st.dtype
        item = np.dtype(raw_dtype).itemsize
        # the view must stay inside the storage; checked before any byte is read
        last = t.offset + sum((n - 1) * s for n, s in zip(t.shape, t.stride, strict=True)) if all(t.shape) else -1
        if last >= st.numel:
            raise ArchiveError(f"tensor view {t.shape} at offset {t.offset} overruns its storage of {st.numel} "
                               f"elements ({st.member})")
        data = self.read(st.member, exact=st.numel * item)
        flat = np.frombuffer(data, dtype=np.dtype(raw_dtype).newbyteorder(self.byteorder()), count=st.numel)
        size = int(np.prod(t.shape, dtype=np.int64))
        contiguous = tuple(int(np.prod(t.shape[i + 1:], dtype=np.int64)) for i in range(len(t.shape)))
        if not all(t.shape):
            arr = np.zeros(t.shape, dtype=flat.dtype)
        elif t.stride == contiguous:  # the usual case: a slice, no stride tricks
            arr = flat[t.offset:t.offset + size].reshape(t.shape)
        else:
            arr = np.lib.stride_tricks.as_strided(flat[t.offset:], shape=t.shape,
                                                  strides=tuple(s * item for s in t.stride))
            arr = np.ascontiguousarray(arr)
        if st.dtype == "bfloat16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        elif st.dtype == "float16":
            arr = arr.astype(np.float32)
        elif arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("="))
        return arr
