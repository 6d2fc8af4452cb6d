"""What a `.pt` / `.pth` / `.ptl` / `.pt2` file holds, judged from its zip layout alone.

PyTorch writes four kinds of files under these names, all but one of them zip archives whose
entries sit under one top folder (`<name>/...`):

- TorchScript (`torch.jit.save`): `code/` (the serialised Python) and `constants.pkl`
  (`bytecode.pkl` for the lite interpreter's `.ptl`);
- an export archive (`torch.export.save`, `.pt2`): `archive_format` and `models/*.json`, or the
  older `serialized_exported_program.json`;
- a checkpoint (`torch.save` of a state dict, an optimizer state or a pickled module): `data.pkl`
  and tensor storages, no code;
- a legacy `torch.save` pickle (`_use_new_zipfile_serialization=False`): not a zip at all.

Only the central directory is read (names, never contents), so nothing is unpickled and a
multi-GB checkpoint costs one small read. Directory walks lint only graphs the graph pass reads; a checkpoint holds
weights without the network, and unpickling it could run code.
"""

from __future__ import annotations

import zipfile

from relulint.graph import PT2_SUFFIXES, TORCHSCRIPT_SUFFIXES, graph_format

TORCH_SUFFIXES = TORCHSCRIPT_SUFFIXES + PT2_SUFFIXES  # the suffixes are written once, in relulint.graph

TORCHSCRIPT, EXPORT, CHECKPOINT, PICKLE, NOT_TORCH = "torchscript", "export", "checkpoint", "pickle", "other"
GRAPHS = frozenset({TORCHSCRIPT, EXPORT})

def read_by_graph_pass(kind: str, path: str) -> bool:
    """Whether the graph pass reads this kind under this name: it picks its frontend by suffix
    (`.pt2` -> export reader, the others -> TorchScript reader)."""
    return kind == (EXPORT if graph_format(path) == "pt2" else TORCHSCRIPT)


def archive_kind(path: str) -> str:
    """One of TORCHSCRIPT, EXPORT (both hold a graph), CHECKPOINT, PICKLE or NOT_TORCH."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        return PICKLE if _starts_like_pickle(path) else NOT_TORCH
    except (OSError, ValueError, EOFError):
        return NOT_TORCH
    return kind_of_names(names)


def kind_of_names(names: list[str]) -> str:
    inner = {*names, *(_below_top(n) for n in names)}  # with or without the top folder
    if any(n.startswith("code/") for n in inner) and ({"constants.pkl", "bytecode.pkl"} & inner):
        return TORCHSCRIPT
    if "archive_format" in inner or "serialized_exported_program.json" in inner or \
            any(n.startswith("models/") and n.endswith(".json") for n in inner):
        return EXPORT
    if "data.pkl" in inner:
        return CHECKPOINT
    return NOT_TORCH


def _below_top(name: str) -> str:
    """`archive/code/x.py` -> `code/x.py`; torch puts every entry under one top-level folder."""
    return name.split("/", 1)[1] if "/" in name else name


def _starts_like_pickle(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(1) == b"\x80"  # the pickle PROTO opcode torch.save writes first
    except OSError:
        return False


def skip_reason(kind: str) -> str:
    return {
        CHECKPOINT: "a torch.save checkpoint (weights, no graph)",
        PICKLE: "a legacy torch.save pickle (weights, no graph)",
        NOT_TORCH: "not a TorchScript or export archive",
        EXPORT: "a torch.export archive named like TorchScript: rename it .pt2 to lint it",
        TORCHSCRIPT: "a TorchScript archive named .pt2: rename it .pt to lint it",
    }.get(kind, kind)
